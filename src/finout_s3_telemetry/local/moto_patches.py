"""Where the moto emulator behaves unlike AWS, and what the local harness does about it.

Kept to the minimum; DEVELOPERS.md lists every difference. Nothing here changes what is deployed:
the stacks sent to the emulator are the ones sent to AWS.

* Bucket policies: moto applies a `Deny` statement whatever its `Condition` says (it ignores
  operators it does not know, such as `Bool`). Our TLS-only policy (`Deny` unless
  `aws:SecureTransport`) would then refuse every object read and write. The emulator stands in
  for AWS's HTTPS endpoint, so the harness evaluates `aws:SecureTransport` as true: statements
  conditioned on it being false never match, and those conditioned on it being true always do.
* Object owners: moto answers GetObjectAcl and GetBucketAcl with one fixed owner, whoever wrote
  the object, pins every request to one account, and reads an object's ACL from headers only.
  The harness takes the AccessControlPolicy document of a PutObjectAcl too, and keeps the owner
  that a PutObjectAcl or PutBucketAcl names, so a test can stand up what an ACL-enabled bucket
  holds after another account wrote to it: an object whose owner is not the bucket's.
* AWS-managed KMS keys: moto makes `alias/aws/s3` and its kind on first use as customer-managed
  keys with a default key policy. The harness marks them AWS-managed (`KeyManager: AWS`), as
  DescribeKey says on AWS.
* Authorization: when moto enforces IAM, it decides some requests on another action or resource
  than AWS does; `moto_authorization.py` makes the decision AWS's.
"""

from __future__ import annotations

import json
from typing import Any

from finout_s3_telemetry.local import moto_authorization

SECURE_TRANSPORT = "aws:securetransport"
# `BoolIfExists` is `Bool` here: the key exists in every request to an HTTPS endpoint.
TLS_OPERATORS = ("Bool", "BoolIfExists")


def _statement_applies_over_tls(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement as AWS would apply it to an HTTPS request, or None if it cannot match."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return statement
    remaining: dict[str, Any] = {}
    for operator, values in condition.items():
        if operator not in TLS_OPERATORS or not isinstance(values, dict):
            remaining[operator] = values
            continue
        others = {}
        for key, expected in values.items():
            if str(key).lower() != SECURE_TRANSPORT:
                others[key] = expected
                continue
            expected_values = expected if isinstance(expected, list) else [expected]
            if "true" not in [str(value).lower() for value in expected_values]:
                return None
        if others:
            remaining[operator] = others
    patched = dict(statement)
    if remaining:
        patched["Condition"] = remaining
    else:
        patched.pop("Condition")
    return patched


def policy_as_seen_over_tls(policy: str) -> str:
    """The policy with its `aws:SecureTransport` conditions decided. A document of another shape
    (AWS refuses such a PutBucketPolicy; moto stores it) is left to moto as it is: the harness
    must not be what fails every request to the bucket."""
    try:
        document = json.loads(policy)
    except ValueError:
        return policy
    if not isinstance(document, dict):
        return policy
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        return policy
    kept = [s for s in (_statement_applies_over_tls(s) for s in statements) if s is not None]
    document["Statement"] = kept
    return json.dumps(document)


def apply() -> None:
    """Install the patches into this process's moto."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = policy_as_seen_over_tls(self.policy.decode())
        return IAMPolicy(policy).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
    _keep_acl_owners()
    _aws_managed_keys()
    moto_authorization.apply()


def _aws_managed_keys() -> None:
    from moto.kms.models import KmsBackend

    make_default_key = KmsBackend._generate_default_keys

    def generate_default_keys(self: Any, alias_name: str) -> str | None:
        key_id = make_default_key(self, alias_name)
        if key_id is not None:
            self.keys[key_id].key_manager = "AWS"
        return key_id

    KmsBackend._generate_default_keys = generate_default_keys  # type: ignore[method-assign]


def _keep_acl_owners() -> None:
    import xmltodict  # type: ignore[import-untyped]  # moto's own dependency, untyped
    from moto.s3.responses import S3Response

    parse_acl = S3Response._acl_from_body
    render_acl = S3Response._acl_to_dict

    def acl_from_body(self: Any) -> Any:
        acl = parse_acl(self)
        if acl is not None:
            document = xmltodict.parse(self.body).get("AccessControlPolicy")
            owner = document.get("Owner") if isinstance(document, dict) else None
            # moto's FakeAcl has no owner: the attribute is the harness's own.
            acl.owner_id = str(owner.get("ID") or "") if isinstance(owner, dict) else ""  # type: ignore[attr-defined]
        return acl

    def acl_to_dict(acl: Any) -> dict[str, Any]:
        answer: dict[str, Any] = render_acl(acl)
        if getattr(acl, "owner_id", ""):
            answer["Owner"] = {"ID": acl.owner_id}
        return answer

    put_object_acl = S3Response.put_object_acl

    def put_object_acl_from_body(self: Any) -> Any:
        # moto reads an object's ACL from the request headers only; AWS also takes the
        # AccessControlPolicy document in the body.
        if self.body and self._acl_from_headers(self.headers) is None:
            acl = acl_from_body(self)
            if acl is not None:
                self.backend.put_object_acl(self.bucket_name, self.parse_key_name(), acl)
                return 200, {}, ""
        return put_object_acl(self)

    S3Response._acl_from_body = acl_from_body  # type: ignore[method-assign]
    S3Response.put_object_acl = put_object_acl_from_body  # type: ignore[method-assign]
    S3Response._acl_to_dict = staticmethod(acl_to_dict)  # type: ignore[method-assign]
