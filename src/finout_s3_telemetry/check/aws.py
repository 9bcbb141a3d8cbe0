"""The checker's AWS service layer: the only module of `check` that calls AWS. It reads what one
endpoint needs with a bounded number of calls. (The uploader, `csv_files/uploader.py`, and the
emulator's preparation, `local/emulated_account.py`, make their own calls.)

Per endpoint, whatever the number of telemetries:
  S3:  GetBucketLocation, one paginated ListObjectsV2 over the endpoint prefix, and for a created
       bucket GetPublicAccessBlock, GetBucketOwnershipControls, GetBucketEncryption,
       GetBucketPolicy, GetBucketVersioning;
  IAM: GetRole, GetRolePolicy, ListRolePolicies, ListAttachedRolePolicies, and either one
       SimulatePrincipalPolicy per probe group (3) or, where that API is unavailable, the documents
       of any other policies on the role (usually none).
Content checks add one GetObject per telemetry folder that holds a file (its newest file, streamed
through `BucketObjects.stream`); an empty folder costs nothing.
NoSuchEntity from IAM is retried with backoff (eventual consistency right after a deploy). Every
call is counted through `CallCounter`. Credential and connection failures raise AwsUnavailable, and
so does a first answer (sts:GetCallerIdentity) that is not AWS's, e.g. a web server at the
endpoint URL; a later odd answer is one unreadable value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from finout_s3_telemetry.check.calls import CallCounter
from finout_s3_telemetry.check.context import UnreadableObject
from finout_s3_telemetry.check.errors import (
    AwsUnavailable,
    CheckUsageError,
    classify,
    classify_first_call,
    error_text,
    not_aws,
)
from finout_s3_telemetry.check.probes import Probe, access_probes, grouped
from finout_s3_telemetry.check.retry import RetryPolicy
from finout_s3_telemetry.check.snapshot import (
    AttachedPolicy,
    Decision,
    EndpointSnapshot,
    Listing,
    Read,
    RoleInfo,
    S3Object,
    Simulation,
)
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.csv_files import ByteStream
from finout_s3_telemetry.policy_documents import PolicyDocument
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terminal_text import printable, quoted, shorten

# Error codes meaning "this does not exist" (as opposed to "you may not see it").
MISSING_CODES = frozenset(
    {
        "NoSuchBucket",
        "NoSuchEntity",
        "NoSuchKey",
        "NotFound",
        "404",
        "NoSuchPublicAccessBlockConfiguration",
        "OwnershipControlsNotFoundError",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchBucketPolicy",
    }
)
_DECISIONS: dict[str, Decision] = {
    "allowed": "allowed",
    "explicitDeny": "explicitDeny",
    "implicitDeny": "implicitDeny",
}
Response = dict[str, Any]
# What botocore raises, besides its own errors, when an answer is not what AWS sends: XML it cannot
# parse, or parsed XML without the expected elements (a KeyError deep in its parser), a timestamp
# that is no timestamp, a document nested past Python's recursion limit.
UNEXPECTED_ANSWER: tuple[type[Exception], ...] = (
    ResponseParserError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
)
ACCOUNT_ID = re.compile(r"[0-9]{12}")
MAX_POLICY_DEPTH = 32
"""IAM's grammar nests a policy 6 levels deep at most; anything deeper is not a policy."""


def bucket_region(location_constraint: str | None) -> str:
    """GetBucketLocation says None for us-east-1 and `EU` for old eu-west-1 buckets."""
    if not location_constraint:
        return "us-east-1"
    return "eu-west-1" if location_constraint == "EU" else location_constraint


def policy_document(value: Any) -> PolicyDocument:
    """boto3 decodes IAM policy documents to dicts; accept the URL-encoded JSON string too."""
    document = value if isinstance(value, dict) else json.loads(unquote(str(value)))
    if not isinstance(document, dict):
        raise ValueError("policy document is not a JSON object")
    if _depth_over(document, MAX_POLICY_DEPTH):
        # The checks walk and print the document; a hostile depth would end in a RecursionError.
        raise ValueError(f"policy document is nested deeper than {MAX_POLICY_DEPTH} levels")
    return document


def _depth_over(value: Any, limit: int) -> bool:
    """Whether `value` nests lists and dicts more than `limit` deep (without recursing)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class AwsReader:
    """Makes (and caches) one boto3 client per service and region, all counted by `counter`."""

    def __init__(
        self,
        target: Target,
        retry: RetryPolicy | None = None,
        counter: CallCounter | None = None,
        session: boto3.session.Session | None = None,
    ) -> None:
        self.target = target
        self.retry = retry or RetryPolicy()
        self.counter = counter or CallCounter()
        self._session = session or boto3.session.Session()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            try:
                client = self.target.client(
                    service,
                    region,
                    session=self._session,
                    connect_timeout=5,
                    read_timeout=30,
                    retries={"mode": "standard", "total_max_attempts": self.retry.retries + 1},
                )
            except ValueError as problem:
                # botocore refuses an endpoint URL it cannot use (a space in the host, a port
                # over 65535) only here, when the first client is made.
                raise CheckUsageError(
                    f"the endpoint URL {quoted(self.target.endpoint_url or '')} cannot be used "
                    f"({error_text(problem, 60)}); pass one like http://127.0.0.1:5000"
                ) from None
            self.counter.attach(client)
            self._clients[key] = client
        return self._clients[key]

    def _unavailable(self, error: Exception) -> AwsUnavailable | None:
        return classify(error, self.target.describe())

    def read(
        self, call: Callable[..., Response], *, retry_missing: bool = False, **kwargs: Any
    ) -> Read[Response]:
        """`call(**kwargs)` as a Read; raises AwsUnavailable for credential/connection errors."""
        delays = iter(self.retry.delays() if retry_missing else ())
        while True:
            try:
                return Read.found(call(**kwargs))
            except (ClientError, BotoCoreError) as error:
                stop = self._unavailable(error)
                if stop is not None:
                    raise stop from error
                if not isinstance(error, ClientError):
                    return Read.unreadable(type(error).__name__, str(error))
                code = str(error.response.get("Error", {}).get("Code", ""))
                message = str(error.response.get("Error", {}).get("Message", ""))
                if code not in MISSING_CODES:
                    return Read.unreadable(code or "Error", message)
                delay = next(delays, None)
                if code != "NoSuchEntity" or delay is None:
                    return Read.missing(code, message)
                self.retry.sleep(delay)
            except UNEXPECTED_ANSWER as error:
                # After the first call proved the target is AWS, one odd answer is one
                # unreadable value (a check result), not the end of the run.
                return Read.unreadable(
                    "UnexpectedResponse",
                    f"{shorten(self.target.describe(), 200)} answered with something that is "
                    f"not an AWS response ({type(error).__name__}: {error_text(error, 120)})",
                )

    def caller_account(self, region: str) -> str:
        """The credentials' account; fails fast (AwsUnavailable) when AWS cannot be used at all,
        including when what answers is not AWS (a web server at the endpoint URL)."""
        sts = self.client("sts", region)
        url = str(sts.meta.endpoint_url)
        answer = _HttpAnswer()
        sts.meta.events.register("before-parse.sts.GetCallerIdentity", answer.record)
        try:
            identity = sts.get_caller_identity()
        except (ClientError, BotoCoreError, *UNEXPECTED_ANSWER) as error:
            raise classify_first_call(
                error, self.target.describe(), url, local=self.target.is_local, answer=str(answer)
            ) from error
        account = identity.get("Account") if isinstance(identity, dict) else None
        if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
            raise not_aws(
                url,
                f"its answer to sts:GetCallerIdentity ({answer}) names no 12-digit AWS account",
                local=self.target.is_local,
            )
        return account

    def fetch(self, endpoint: EndpointConfig) -> EndpointSnapshot:
        """Everything the checks need about `endpoint`, with the bounded calls listed above."""
        snapshot = EndpointSnapshot(endpoint.name)
        self._fetch_bucket(endpoint, snapshot)
        self._fetch_role(endpoint, snapshot)
        return snapshot

    def owner_args(self, endpoint: EndpointConfig) -> dict[str, Any]:
        # S3 refuses the request if another account owns a bucket of that name.
        return {"ExpectedBucketOwner": endpoint.account_id} if endpoint.account_id else {}

    def _fetch_bucket(self, endpoint: EndpointConfig, snapshot: EndpointSnapshot) -> None:
        name, owner = endpoint.bucket, self.owner_args(endpoint)
        location = self.read(
            self.client("s3", endpoint.region).get_bucket_location, Bucket=name, **owner
        )
        if not location.is_found:
            snapshot.bucket_region = Read(location.state, None, location.code, location.message)
            return
        region = bucket_region(location.get().get("LocationConstraint"))
        snapshot.bucket_region = Read.found(region)
        # Talk to the bucket's own region, so a misconfigured region is reported, not redirected.
        s3 = self.client("s3", region)
        snapshot.listing = self._list(s3, endpoint, owner)
        if endpoint.existing_bucket:
            return  # only read what the customer owns; its settings are theirs
        snapshot.public_access_block = self._map(
            self.read(s3.get_public_access_block, Bucket=name, **owner),
            lambda r: {k: bool(v) for k, v in r["PublicAccessBlockConfiguration"].items()},
        )
        snapshot.ownership = self._map(
            self.read(s3.get_bucket_ownership_controls, Bucket=name, **owner),
            lambda r: str(r["OwnershipControls"]["Rules"][0]["ObjectOwnership"]),
        )
        snapshot.encryption = self._map(
            self.read(s3.get_bucket_encryption, Bucket=name, **owner),
            lambda r: tuple(
                str(rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", ""))
                for rule in r["ServerSideEncryptionConfiguration"]["Rules"]
            ),
        )
        snapshot.bucket_policy = self._map(
            self.read(s3.get_bucket_policy, Bucket=name, **owner),
            lambda r: policy_document(r["Policy"]),
        )
        snapshot.versioning = self._map(
            self.read(s3.get_bucket_versioning, Bucket=name, **owner),
            lambda r: str(r.get("Status", "")),
        )

    def _list(self, s3: Any, endpoint: EndpointConfig, owner: dict[str, Any]) -> Read[Listing]:
        prefix = f"{endpoint.prefix}/" if endpoint.prefix else ""
        pages = self._pages(s3, "list_objects_v2", Bucket=endpoint.bucket, Prefix=prefix, **owner)
        return self._map(
            pages,
            lambda found: Listing(
                prefix,
                tuple(
                    S3Object(
                        key=item["Key"],
                        size=int(item.get("Size", 0)),
                        last_modified=item["LastModified"],
                        etag=str(item.get("ETag", "")),
                    )
                    for page in found
                    for item in page.get("Contents", [])
                ),
            ),
        )

    def _fetch_role(self, endpoint: EndpointConfig, snapshot: EndpointSnapshot) -> None:
        iam = self.client("iam", endpoint.region)
        role = self.read(iam.get_role, retry_missing=True, RoleName=endpoint.role_name)
        snapshot.role = self._map(
            role,
            lambda r: RoleInfo(
                name=r["Role"]["RoleName"],
                arn=r["Role"]["Arn"],
                trust_policy=policy_document(r["Role"]["AssumeRolePolicyDocument"]),
            ),
        )
        if not snapshot.role.is_found:
            return
        info = snapshot.role.get()
        snapshot.inline_policy = self._map(
            self.read(
                iam.get_role_policy,
                retry_missing=True,
                RoleName=endpoint.role_name,
                PolicyName=endpoint.policy_name,
            ),
            lambda r: policy_document(r["PolicyDocument"]),
        )
        names = self._paginate(iam, "list_role_policies", "PolicyNames", RoleName=info.name)
        attached = self._paginate(
            iam, "list_attached_role_policies", "AttachedPolicies", RoleName=info.name
        )
        snapshot.simulation = self._simulate(iam, access_probes(endpoint, info.arn), info.arn)
        local = not snapshot.simulation.ran
        snapshot.other_inline_policies = self._map(
            names,
            lambda found: {
                name: self._inline_document(iam, info.name, name) if local else None
                for name in found
                if name != endpoint.policy_name
            },
        )
        snapshot.attached_policies = self._map(
            attached,
            lambda found: tuple(
                AttachedPolicy(
                    arn=item["PolicyArn"],
                    name=item["PolicyName"],
                    document=self._managed_document(iam, item["PolicyArn"]) if local else None,
                )
                for item in found
            ),
        )

    def _pages(self, client: Any, operation: str, **kwargs: Any) -> Read[list[Response]]:
        """Every page of a paginated operation (one counted call per page)."""
        paginator = client.get_paginator(operation)
        read = self.read(lambda: {"pages": list(paginator.paginate(**kwargs))})
        return self._map(read, lambda r: r["pages"])

    def _paginate(self, client: Any, operation: str, key: str, **kwargs: Any) -> Read[list[Any]]:
        pages = self._pages(client, operation, **kwargs)
        return self._map(
            pages, lambda found: [item for page in found for item in page.get(key, [])]
        )

    def _inline_document(self, iam: Any, role: str, name: str) -> PolicyDocument | None:
        read = self.read(iam.get_role_policy, RoleName=role, PolicyName=name)
        return policy_document(read.get()["PolicyDocument"]) if read.is_found else None

    def _managed_document(self, iam: Any, arn: str) -> PolicyDocument | None:
        policy = self.read(iam.get_policy, PolicyArn=arn)
        if not policy.is_found:
            return None
        version = self.read(
            iam.get_policy_version,
            PolicyArn=arn,
            VersionId=policy.get()["Policy"]["DefaultVersionId"],
        )
        if not version.is_found:
            return None
        return policy_document(version.get()["PolicyVersion"]["Document"])

    def _simulate(self, iam: Any, probes: tuple[Probe, ...], role_arn: str) -> Simulation:
        decisions: dict[tuple[str, str], Decision] = {}
        for actions, resources in grouped(probes).values():
            try:
                pages = iam.get_paginator("simulate_principal_policy").paginate(
                    PolicySourceArn=role_arn, ActionNames=actions, ResourceArns=resources
                )
                for page in pages:
                    for result in page.get("EvaluationResults", []):
                        _record(result, decisions)
            except (ClientError, BotoCoreError, *UNEXPECTED_ANSWER) as error:
                stop = self._unavailable(error)
                if stop is not None:
                    raise stop from error
                # The emulator has no such API; on AWS the checker may lack the permission.
                if isinstance(error, ClientError):
                    detail = error.response.get("Error", {})
                    reason = f"{detail.get('Code', 'Error')}: {detail.get('Message', '')}".strip()
                else:
                    reason = f"{type(error).__name__} from {self.target.describe()}"
                return Simulation(unavailable=reason.rstrip(":"))
        return Simulation(decisions=decisions)

    @staticmethod
    def _map(read: Read[Any], convert: Callable[[Any], Any]) -> Read[Any]:
        if not read.is_found:
            return read
        try:
            return Read.found(convert(read.get()))
        except (KeyError, IndexError, TypeError, ValueError, RecursionError) as error:
            return Read.unreadable(
                "UnexpectedResponse", f"{type(error).__name__}: {error_text(error, 120)}"
            )


class _HttpAnswer:
    """The status and content type of the last HTTP answer, for a message about it."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.content_type = ""

    def record(self, response_dict: Any = None, **_: Any) -> None:
        if isinstance(response_dict, dict):
            self.status = response_dict.get("status_code")
            headers = response_dict.get("headers") or {}
            self.content_type = str(
                headers.get("content-type", "") or headers.get("Content-Type", "")
            )

    def __str__(self) -> str:
        if self.status is None:
            return "an answer"
        kind = self.content_type.split(";")[0].strip()
        return f"HTTP {self.status}" + (f" ({printable(shorten(kind, 40))})" if kind else "")


def _record(result: Response, decisions: dict[tuple[str, str], Decision]) -> None:
    action = str(result["EvalActionName"])
    per_resource = result.get("ResourceSpecificResults") or []
    if not per_resource:
        per_resource = [{"EvalResourceName": result.get("EvalResourceName", "*"), **result}]
    for item in per_resource:
        decision = _DECISIONS.get(
            str(item.get("EvalResourceDecision", item.get("EvalDecision", ""))), "conditional"
        )
        # Missing context keys mean the answer depends on the request, e.g. a source-IP condition.
        if decision == "allowed" and item.get("MissingContextValues"):
            decision = "conditional"
        decisions[(action, str(item.get("EvalResourceName", "*")))] = decision


class BucketObjects:
    """`context.ObjectReader` for one endpoint's bucket: ranged GetObject, counted like any call."""

    def __init__(self, reader: AwsReader, endpoint: EndpointConfig, region: str) -> None:
        self._reader = reader
        self._endpoint = endpoint
        self._region = region

    def read(self, key: str, max_bytes: int) -> bytes:
        s3 = self._reader.client("s3", self._region)
        result = self._reader.read(
            s3.get_object,
            Bucket=self._endpoint.bucket,
            Key=key,
            Range=f"bytes=0-{max(0, max_bytes - 1)}",
            **self._reader.owner_args(self._endpoint),
        )
        if not result.is_found:
            raise LookupError(f"s3://{self._endpoint.bucket}/{key}: {result.why()}")
        body: bytes = result.get()["Body"].read()
        return body

    @contextmanager
    def stream(self, key: str) -> Iterator[ByteStream]:
        """The whole body of `key`, read as the caller reads (one counted GetObject), closed on
        exit. Raises UnreadableObject when it cannot be opened, or when reading breaks off."""
        s3 = self._reader.client("s3", self._region)
        url = f"s3://{self._endpoint.bucket}/{key}"
        result = self._reader.read(
            s3.get_object,
            Bucket=self._endpoint.bucket,
            Key=key,
            **self._reader.owner_args(self._endpoint),
        )
        if not result.is_found:
            raise UnreadableObject(f"{url}: {result.why()}")
        body = result.get()["Body"]
        try:
            yield _GuardedBody(body, url)
        finally:
            body.close()


class _GuardedBody:
    """botocore's StreamingBody, with read errors (timeout, cut connection, short body) turned
    into UnreadableObject: one unreadable file is a check result, not the end of the run."""

    def __init__(self, body: Any, url: str) -> None:
        self._body = body
        self._url = url
        self._read = 0

    def read(self, size: int, /) -> bytes:
        try:
            chunk: bytes = self._body.read(size)
        except BotoCoreError as error:
            raise UnreadableObject(
                f"{self._url}: reading stopped after {self._read:,} bytes ({error})"
            ) from error
        self._read += len(chunk)
        return chunk
