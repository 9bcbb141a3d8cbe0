"""What moto authorizes when it enforces IAM, made to be what AWS authorizes.

moto checks a caller's identity policies only once told to (`INITIAL_NO_AUTH_ACTION_COUNT`, or
`LocalAws.enforce_iam`), and then asks the policies about an action and a resource of its own
choosing. Where its choice differs from AWS's Service Authorization Reference, a policy that
AWS accepts would be refused, or one AWS refuses accepted, and a test of the generated pipeline
policies (`finout-telemetry permissions`) would prove nothing. The harness corrects, only for
that decision (nothing here changes what moto stores or answers):

* S3 action names. moto names several bucket requests after a neighbour or its own API name:
  HeadBucket as `s3:HeadBucket` (AWS: `s3:ListBucket`), GetBucketEncryption and five other reads
  as `s3:ListBucket`, PutBucketEncryption, PutBucketOwnershipControls and
  PutPublicAccessBlock as `s3:CreateBucket`, a HeadObject of a version as `s3:GetObject`.
* S3 multi-object delete. moto authorizes DeleteObjects as `s3:DeleteObject` on the bucket;
  AWS authorizes each key as `s3:DeleteObject` (`s3:DeleteObjectVersion` for a version) on the
  object. The harness authorizes each key; one refused key refuses the request (AWS would list
  it among the answer's errors, which terraform reports as failures alike).
* IAM resources. moto asks about the role's ARN only when the role exists, so a policy scoped
  to the role's ARN can never allow `iam:CreateRole`; AWS asks about the ARN the role will have.
  `iam:SimulatePrincipalPolicy` is asked about the simulated principal, as on AWS.
* KMS resources. moto asks every KMS action about `*`, so a policy scoped to key or alias ARNs
  allows nothing. AWS asks about the key (and, for an alias operation, the alias and its key).
* Patterns. moto turns a policy's `*` into a regular expression without escaping the rest, reads
  `?` as regular-expression syntax and compares action names case by case. The harness matches
  actions and resources with the checker's own evaluator (`iam_evaluation.py`), which follows
  IAM: `?` is one character, action names are case-insensitive.

* Refusals. moto answers a refused IAM or STS request with an XML document of another shape
  than AWS's (`<ErrorResponse><Errors><Error>`), and a refused KMS request with XML where KMS
  speaks JSON: the AWS SDK for Go, and so terraform, reads either as `UnknownError` without the
  message, which names the action. The harness answers as AWS does.

DEVELOPERS.md lists what moto still does not authorize as AWS does.
"""

from __future__ import annotations

from typing import Any

# moto's S3 request kinds -> HTTP method -> query parameter -> the action AWS authorizes.
S3_ACTIONS: dict[str, dict[str, dict[str, str]]] = {
    "BUCKET": {
        "HEAD": {"DEFAULT": "ListBucket"},
        "GET": {
            "encryption": "GetEncryptionConfiguration",
            "ownershipControls": "GetBucketOwnershipControls",
            "publicAccessBlock": "GetBucketPublicAccessBlock",
            "requestPayment": "GetBucketRequestPayment",
            "replication": "GetReplicationConfiguration",
            "object-lock": "GetBucketObjectLockConfiguration",
        },
        "PUT": {
            "encryption": "PutEncryptionConfiguration",
            "ownershipControls": "PutBucketOwnershipControls",
            "publicAccessBlock": "PutBucketPublicAccessBlock",
            "requestPayment": "PutBucketRequestPayment",
            "replication": "PutReplicationConfiguration",
            "object-lock": "PutBucketObjectLockConfiguration",
        },
        "DELETE": {
            "encryption": "PutEncryptionConfiguration",
            "ownershipControls": "PutBucketOwnershipControls",
            "publicAccessBlock": "PutBucketPublicAccessBlock",
            "replication": "PutReplicationConfiguration",
        },
    },
    "KEY": {"HEAD": {"versionId": "GetObjectVersion"}},
}
# moto's names for the public access block, keyed by a parameter no request carries.
_MOTO_ONLY_KEYS = ("public_access_block",)
# KMS actions that take no resource in IAM: policies grant them on `*`.
KMS_WITHOUT_RESOURCE = frozenset({"CreateKey", "ListAliases", "ListKeys", "GenerateRandom"})
KMS_ALIAS_ACTIONS = frozenset({"CreateAlias", "UpdateAlias", "DeleteAlias"})
# Services of the AWS JSON protocol, which refuse with `AccessDeniedException` (HTTP 400).
JSON_SERVICES = frozenset({"kms", "organizations"})


def kms_resources(
    action: str,
    params: dict[str, Any],
    *,
    partition: str,
    region: str,
    account: str,
    key_of_alias: Any,
) -> list[str]:
    """The resources AWS authorizes a KMS `action` against, from its request parameters.
    `key_of_alias(alias name)` is the key id an alias points to, or None."""
    if action in KMS_WITHOUT_RESOURCE:
        return ["*"]
    head = f"arn:{partition}:kms:{region}:{account}:"
    resources: list[str] = []
    alias = params.get("AliasName")
    if action in KMS_ALIAS_ACTIONS and isinstance(alias, str):
        name = alias.split(":", 5)[-1] if alias.startswith("arn:") else alias
        resources.append(head + name)
    key = params.get("TargetKeyId") or params.get("KeyId")
    if action == "DeleteAlias" and isinstance(alias, str):
        key = key_of_alias(alias.split(":", 5)[-1] if alias.startswith("arn:") else alias)
    if isinstance(key, str) and key:
        if key.startswith("arn:") and ":key/" in key:
            resources.append(key)
        else:
            if key.startswith("arn:") or key.startswith("alias/"):
                key = key_of_alias(key.split(":", 5)[-1] if key.startswith("arn:") else key)
            if key:
                resources.append(f"{head}key/{key}")
    return resources or ["*"]


def apply() -> None:
    """Install the corrections into this process's moto."""
    _s3_action_names()
    _s3_delete_objects_per_key()
    _iam_role_to_be()
    _kms_resources()
    _patterns()
    _refusals()


def _s3_action_names() -> None:
    from moto.s3.responses import ACTION_MAP

    for kind, methods in S3_ACTIONS.items():
        for method, actions in methods.items():
            mapped = ACTION_MAP[kind].setdefault(method, {})
            for moto_only in _MOTO_ONLY_KEYS:
                mapped.pop(moto_only, None)
            mapped.update(actions)


def _s3_delete_objects_per_key() -> None:
    import xmltodict  # type: ignore[import-untyped]  # moto's own dependency, untyped
    from moto.s3.responses import S3Response

    post = S3Response._bucket_response_post

    def bucket_response_post(self: Any, request: Any, bucket_name: str) -> Any:
        self.path = self._get_path(request)
        if not request.headers.get("Content-Length") or not self.is_delete_keys():
            return post(self, request, bucket_name)
        try:
            objects = xmltodict.parse(self.body)["Delete"].get("Object", [])
        except (ValueError, KeyError, TypeError, AttributeError):
            return post(self, request, bucket_name)  # moto refuses it as malformed
        for each in objects if isinstance(objects, list) else [objects]:
            version = isinstance(each, dict) and each.get("VersionId")
            self.data["Action"] = "DeleteObjectVersion" if version else "DeleteObject"
            key = each.get("Key") if isinstance(each, dict) else None
            self._authenticate_and_authorize_s3_action(bucket_name=bucket_name, key_name=key)
        return self._bucket_response_delete_keys(bucket_name)

    S3Response._bucket_response_post = bucket_response_post  # type: ignore[method-assign]


def _iam_role_to_be() -> None:
    from moto.iam.exceptions import NotFoundException
    from moto.iam.responses import IamResponse

    def determine_resource(self: Any) -> str:
        # iam:SimulatePrincipalPolicy is authorized on the principal it simulates.
        source = self.data.get("PolicySourceArn")
        if source:
            return str(source[0])
        names = self.data.get("RoleName")
        if not names:
            return "*"
        name = names[0]
        try:
            return str(self.backend.get_role(name).arn)
        except NotFoundException:
            # The role's ARN-to-be, as AWS authorizes iam:CreateRole.
            path = (self.data.get("Path") or ["/"])[0]
            return f"arn:{self.partition}:iam::{self.current_account}:role{path}{name}"

    IamResponse._determine_resource = determine_resource  # type: ignore[method-assign]


def _kms_resources() -> None:
    import json

    from moto.kms.responses import KmsResponse
    from moto.utilities.utils import get_partition

    def authorize(self: Any, resource: str = "*") -> None:
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            params = {}
        backend = self.kms_backend

        def key_of_alias(alias: str) -> str | None:
            return next((k.id for k in backend.keys.values() if alias in k.aliases), None)

        for each in kms_resources(
            self._get_action(),
            params if isinstance(params, dict) else {},
            partition=get_partition(self.region),
            region=self.region,
            account=self.current_account,
            key_of_alias=key_of_alias,
        ):
            self._authenticate_and_authorize_action(_iam_request_class(), each)

    KmsResponse._authenticate_and_authorize_normal_action = authorize  # type: ignore[method-assign]


def _iam_request_class() -> type:
    from moto.iam.access_control import IAMRequest

    return IAMRequest


def _patterns() -> None:
    from moto.iam.access_control import IAMPolicyStatement

    from finout_s3_telemetry.iam_evaluation import action_matches, resource_matches

    def check_element_matches(self: Any, element: str, value: str) -> bool:
        patterns = self._statement[element]
        matches = action_matches if element in ("Action", "NotAction") else resource_matches
        return any(
            isinstance(pattern, str) and matches(pattern, value)
            for pattern in (patterns if isinstance(patterns, list) else [patterns])
        )

    IAMPolicyStatement._check_element_matches = check_element_matches  # type: ignore[method-assign, assignment]


def _refusals() -> None:
    import xmltodict
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.iam.access_control import IAMRequest

    def raise_access_denied(self: Any) -> None:
        message = f"User: {self._access_key.arn} is not authorized to perform: {self._action}"
        if self._service in JSON_SERVICES:
            refused = JsonRESTError("AccessDeniedException", message)
            refused.code = 400
            raise refused
        error = AccessDeniedError(user_arn=self._access_key.arn, action=self._action)
        # The query protocol's error document (IAM, STS).
        document = {
            "ErrorResponse": {
                "Error": {"Type": "Sender", "Code": "AccessDenied", "Message": message},
                "RequestId": "00000000-0000-0000-0000-000000000000",
            }
        }
        error.description = xmltodict.unparse(document, full_document=True)
        raise error

    IAMRequest._raise_access_denied = raise_access_denied  # type: ignore[method-assign]
