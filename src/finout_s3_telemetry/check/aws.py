"""The checker's AWS service layer: the only module of `check` that calls AWS. It reads what one
endpoint needs with a bounded number of calls. (The uploader, `csv_files/uploader.py`, and the
emulator's preparation, `local/emulated_account.py`, make their own calls.)

Per endpoint, whatever the number of telemetries and files:
  S3:  GetBucketLocation, ListObjectsV2 of the telemetry folders (one call per 1,000 keys in
       them, plus at most one per folder however many other objects the bucket holds: see
       `folder_listing`),
       GetBucketEncryption, GetBucketPolicy, GetBucketOwnershipControls, and for a created bucket
       GetPublicAccessBlock and GetBucketVersioning; per non-empty folder one HeadObject of its
       newest file, and, only where ACLs are enabled, GetBucketAcl once and one GetObjectAcl of
       that file;
  KMS: DescribeKey and GetKeyPolicy once per run for each key (and region) the bucket or its
       files use, asked only in the bucket's region;
  IAM: GetRole, GetRolePolicy, ListRolePolicies, ListAttachedRolePolicies, the documents of any
       other policies on the role (usually none), GetPolicy and GetPolicyVersion of a permissions
       boundary if the role has one, and, where IAM simulates (not the emulator), one
       SimulatePrincipalPolicy per probe group (3) and one of Finout's reads against the bucket
       policy;
  Organizations: once per run, DescribeOrganization and, when the credentials may read them, the
       SCPs on the path from the account to the root.
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
from functools import partial
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from finout_s3_telemetry import partitions
from finout_s3_telemetry.account_sessions import AccountSession, caller_session
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
from finout_s3_telemetry.check.finout_session import simulator_context
from finout_s3_telemetry.check.folder_listing import FolderWalk
from finout_s3_telemetry.check.folder_listing import Request as ListRequest
from finout_s3_telemetry.check.key_uses import key_references
from finout_s3_telemetry.check.probes import Probe, access_probes, finout_reads, grouped
from finout_s3_telemetry.check.retry import RetryPolicy
from finout_s3_telemetry.check.snapshot import (
    KEY_IN_ANOTHER_REGION,
    AttachedPolicy,
    BucketEncryption,
    Decision,
    EndpointSnapshot,
    KmsKey,
    Listing,
    ObjectHead,
    Organization,
    Read,
    RoleInfo,
    S3Object,
    Simulation,
    acls_enabled,
)
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.csv_files import ByteStream
from finout_s3_telemetry.naming import arn_account, kms_key_arn_problem, region_problem
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
        "AWSOrganizationsNotInUseException",
    }
)
MAX_ORGANIZATION_DEPTH = 7
"""AWS Organizations nests OUs five deep under the root: account, five OUs, root."""
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
ROLE_ARN = re.compile(r"arn:[a-z-]+:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,576}")
"""A role ARN as IAM writes one (a path of up to 512 characters, a name of up to 64). The checks
take the account and partition from it, so an answer of another shape is unreadable."""
GLOBAL = frozenset({"iam", "organizations"})
"""Services with one endpoint per partition, whatever the region."""
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


def role_arn(value: Any) -> str:
    """GetRole's Arn, refused (ValueError) unless it is a role ARN."""
    if not isinstance(value, str) or not ROLE_ARN.fullmatch(value):
        raise ValueError(f"the role's Arn {quoted(str(value))} is not a role ARN")
    return value


def owner_id(response: Response) -> str:
    """The canonical ID of an ACL's owner (GetBucketAcl, GetObjectAcl). Two owners are compared:
    one that is not a non-empty string (absent, null) would make any two equal, so it is refused
    (ValueError)."""
    found = response["Owner"]["ID"]
    if not isinstance(found, str) or not found:
        raise ValueError(f"the ACL's owner has no canonical ID ({quoted(str(found))})")
    return found


def bucket_encryption(response: Response) -> BucketEncryption:
    rules = response["ServerSideEncryptionConfiguration"]["Rules"]
    defaults = [rule.get("ApplyServerSideEncryptionByDefault", {}) for rule in rules]
    return BucketEncryption(
        algorithms=tuple(str(d.get("SSEAlgorithm", "")) for d in defaults),
        kms_key=next((str(d["KMSMasterKeyID"]) for d in defaults if d.get("KMSMasterKeyID")), ""),
        bucket_key=any(bool(rule.get("BucketKeyEnabled")) for rule in rules),
    )


def object_head(key: str, response: Response) -> ObjectHead:
    return ObjectHead(
        key=key,
        encryption=str(response.get("ServerSideEncryption", "")),
        kms_key=str(response.get("SSEKMSKeyId", "")),
        bucket_key=bool(response.get("BucketKeyEnabled", False)),
    )


class AwsReader:
    """Makes (and caches) one boto3 client per service and region, all counted by `counter`,
    acting in one account: `session`'s (an assumed role's), else with the caller's own
    credentials. One reader per account, so what it reads once per run (the organisation, KMS
    keys) it reads once per account."""

    def __init__(
        self,
        target: Target,
        retry: RetryPolicy | None = None,
        counter: CallCounter | None = None,
        session: AccountSession | None = None,
    ) -> None:
        self.target = target
        self.retry = retry or RetryPolicy()
        self.counter = counter or CallCounter()
        self.session = session or caller_session(target)
        self._clients: dict[tuple[str, str], Any] = {}
        self._kms_keys: dict[tuple[str, str], Read[KmsKey]] = {}
        """(region, reference) -> the key: an alias or key id names a key of one region only."""
        self._organization: Organization | None = None

    def client(self, service: str, region: str) -> Any:
        # IAM and Organizations answer for the whole partition from one endpoint: one client
        # per partition serves every region (a client costs ~20 ms of CPU to make).
        where = (partitions.partition_of(region) or region) if service in GLOBAL else region
        key = (service, where)
        if key not in self._clients:
            try:
                client = self.session.client(
                    service,
                    region,
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

    def fetch(self, endpoint: EndpointConfig, account: str = "") -> EndpointSnapshot:
        """Everything the checks need about `endpoint`, with the bounded calls listed above.
        With the credentials' `account`, also its organisation and SCPs (read once per run)."""
        snapshot = EndpointSnapshot(endpoint.name)
        if account:
            snapshot.organization = self.organization(account, endpoint.region)
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
            snapshot.bucket_region = location.without_value()
            return
        region = bucket_region(location.get().get("LocationConstraint"))
        if region_problem(region) is not None:
            # Clients are made for this region: an answer that is no region is unreadable.
            snapshot.bucket_region = Read.unreadable(
                "UnexpectedResponse",
                f"s3:GetBucketLocation answered {quoted(str(region))}, which is no AWS region",
            )
            return
        snapshot.bucket_region = Read.found(region)
        # Talk to the bucket's own region, so a misconfigured region is reported, not redirected.
        s3 = self.client("s3", region)
        snapshot.listing = self._list(s3, endpoint, owner)
        # Whoever owns the bucket, these decide whether Finout can read it: what encrypts the
        # files, what the bucket policy denies, whether ACLs let another account own files.
        snapshot.encryption = self._map(
            self.read(s3.get_bucket_encryption, Bucket=name, **owner), bucket_encryption
        )
        snapshot.bucket_policy = self._map(
            self.read(s3.get_bucket_policy, Bucket=name, **owner),
            lambda r: policy_document(r["Policy"]),
        )
        snapshot.ownership = self._map(
            self.read(s3.get_bucket_ownership_controls, Bucket=name, **owner),
            lambda r: str(r["OwnershipControls"]["Rules"][0]["ObjectOwnership"]),
        )
        self._fetch_newest_files(s3, endpoint, snapshot)
        self._fetch_kms_keys(endpoint, snapshot, region)
        if endpoint.existing_bucket:
            return  # its secure defaults are the customer's: neither read nor judged
        snapshot.public_access_block = self._map(
            self.read(s3.get_public_access_block, Bucket=name, **owner),
            lambda r: {k: bool(v) for k, v in r["PublicAccessBlockConfiguration"].items()},
        )
        snapshot.versioning = self._map(
            self.read(s3.get_bucket_versioning, Bucket=name, **owner),
            lambda r: str(r.get("Status", "")),
        )

    def _fetch_newest_files(
        self, s3: Any, endpoint: EndpointConfig, snapshot: EndpointSnapshot
    ) -> None:
        """HeadObject (and, with ACLs enabled, GetObjectAcl) of the newest file of each non-empty
        folder: one or two calls per folder, however many files it holds."""
        listing = snapshot.listing
        if listing is None or not listing.is_found:
            return
        name, owner = endpoint.bucket, self.owner_args(endpoint)
        acls = acls_enabled(snapshot.ownership)
        if acls:
            snapshot.bucket_owner = self._map(
                self.read(s3.get_bucket_acl, Bucket=name, **owner), owner_id
            )
        for folder in endpoint.folder_keys.values():
            newest = listing.get().newest_in(folder)
            if newest is None:
                continue
            snapshot.newest_heads[folder] = self._map(
                self.read(s3.head_object, Bucket=name, Key=newest.key, **owner),
                partial(object_head, newest.key),
            )
            if acls:
                snapshot.newest_owners[folder] = self._map(
                    self.read(s3.get_object_acl, Bucket=name, Key=newest.key, **owner), owner_id
                )

    def _fetch_kms_keys(
        self, endpoint: EndpointConfig, snapshot: EndpointSnapshot, region: str
    ) -> None:
        """DescribeKey and GetKeyPolicy of every key the bucket's default encryption, the newest
        files or the config name; a key shared by endpoints is read once per run (by region:
        `alias/aws/s3` in one region is not the key of that name in another)."""
        for reference in key_references(endpoint, snapshot):
            if (region, reference) not in self._kms_keys:
                self._kms_keys[region, reference] = self._kms_key(reference, region)
            snapshot.kms_keys[reference] = self._kms_keys[region, reference]

    def _kms_key(self, reference: str, region: str) -> Read[KmsKey]:
        """DescribeKey and GetKeyPolicy of `reference` (a key ARN, key id or alias, as S3 or the
        config names it), asked of KMS in the bucket's region: S3 encrypts a bucket's files only
        with a key of its own region, and a region named by S3's answer is not one to dial."""
        parts = reference.split(":")
        if reference.startswith("arn:") and len(parts) > 3 and parts[3] != region:
            return Read.unreadable(
                KEY_IN_ANOTHER_REGION,
                f"the key is not in the bucket's region {region}, and S3 encrypts a bucket's "
                "files only with a key of the bucket's region",
            )
        kms = self.client("kms", region)
        described = self._map(
            self.read(kms.describe_key, KeyId=reference),
            lambda r: (
                str(r["KeyMetadata"]["Arn"]),
                str(r["KeyMetadata"].get("KeyManager", "")),
                str(r["KeyMetadata"]["KeyState"]),
            ),
        )
        if not described.is_found:
            return described.without_value()
        arn, manager, state = described.get()
        if kms_key_arn_problem(arn) is not None or not state:
            # The checks take the key's region from its ARN and name its state.
            return Read.unreadable(
                "UnexpectedResponse",
                f"kms:DescribeKey answered with the key ARN {quoted(arn)} and the state "
                f"{quoted(state)}",
            )
        policy = self._map(
            self.read(kms.get_key_policy, KeyId=arn, PolicyName="default"),
            lambda r: policy_document(r["Policy"]),
        )
        return Read.found(KmsKey(arn=arn, manager=manager, state=state, policy=policy))

    def _list(self, s3: Any, endpoint: EndpointConfig, owner: dict[str, Any]) -> Read[Listing]:
        """The objects in the endpoint's telemetry folders, in calls that follow the folders and
        their files, however many other objects the bucket holds (`folder_listing`)."""
        prefix = f"{endpoint.prefix}/" if endpoint.prefix else ""
        walk = FolderWalk(prefix, endpoint.folder_keys.values())

        def pages() -> Response:
            found: list[Response] = []
            request: ListRequest | None = walk.first()
            while request is not None:
                page = s3.list_objects_v2(Bucket=endpoint.bucket, **request.arguments(), **owner)
                contents = page.get("Contents") or []
                found += [item for item in contents if walk.holds(item["Key"])]
                last = str(contents[-1]["Key"]) if contents else None
                request = walk.after(request, bool(page.get("IsTruncated")), last)
            return {"objects": found}

        return self._map(
            self.read(pages),
            lambda listed: Listing(
                prefix,
                tuple(
                    S3Object(
                        key=item["Key"],
                        size=int(item.get("Size", 0)),
                        last_modified=item["LastModified"],
                        etag=str(item.get("ETag", "")),
                    )
                    for item in listed["objects"]
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
                arn=role_arn(r["Role"]["Arn"]),
                trust_policy=policy_document(r["Role"]["AssumeRolePolicyDocument"]),
                boundary_arn=str(
                    (r["Role"].get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
                ),
            ),
        )
        if not snapshot.role.is_found:
            return
        info = snapshot.role.get()
        if info.boundary_arn:
            snapshot.boundary = self._managed_policy(iam, info.boundary_arn)
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
        probes = access_probes(endpoint, info.arn)
        snapshot.simulation = self._simulate(iam, probes, info.arn, endpoint.prefix)
        policy = snapshot.bucket_policy
        if snapshot.simulation.ran and policy is not None and policy.is_found:
            reads = finout_reads(probes)
            owner = endpoint.account_id or arn_account(info.arn)
            snapshot.bucket_policy_simulation = self._simulate_bucket_policy(
                iam, reads, info.arn, policy.get(), owner, endpoint, snapshot
            )
        # The documents of other policies are read even when IAM simulates: the KMS check
        # evaluates them with the key policy, and a role rarely carries any.
        snapshot.other_inline_policies = self._map(
            names,
            lambda found: {
                name: self._inline_document(iam, info.name, name)
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
                    document=self._managed_document(iam, item["PolicyArn"]),
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
        return self._managed_policy(iam, arn).value

    def _managed_policy(self, iam: Any, arn: str) -> Read[PolicyDocument]:
        """A managed policy's default version: iam:GetPolicy, then iam:GetPolicyVersion."""
        policy = self._map(
            self.read(iam.get_policy, PolicyArn=arn),
            lambda r: str(r["Policy"]["DefaultVersionId"]),
        )
        if not policy.is_found:
            return policy.without_value()
        version = self.read(iam.get_policy_version, PolicyArn=arn, VersionId=policy.get())
        return self._map(version, lambda r: policy_document(r["PolicyVersion"]["Document"]))

    def organization(self, account: str, region: str) -> Organization:
        """The account's organisation and the SCPs that apply to it, read once per run.

        DescribeOrganization works from any member account; the SCPs need
        organizations:ListParents, ListPoliciesForTarget and DescribePolicy, which usually only
        the management account (or a delegated administrator) has. What could not be read is
        kept with the reason, for the access check to say "SCPs not evaluated".
        """
        if self._organization is None:
            self._organization = self._read_organization(account, region)
        return self._organization

    def _read_organization(self, account: str, region: str) -> Organization:
        org = self.client("organizations", region)
        described = self.read(org.describe_organization)
        if not described.is_found:
            if described.state == "missing":
                return Organization(Read.missing(described.code), scps=())
            return Organization(
                Read.unreadable(described.code, described.message),
                scps_unavailable=f"organizations:DescribeOrganization: {described.why()}",
            )
        try:
            details = described.get()["Organization"]
            org_id = str(details["Id"])
            management = str(details.get("MasterAccountId", ""))
            all_features = details.get("FeatureSet", "ALL") == "ALL"
        except (KeyError, TypeError) as error:
            reason = f"UnexpectedResponse: {type(error).__name__}"
            return Organization(Read.unreadable("UnexpectedResponse"), scps_unavailable=reason)
        if management == account or not all_features:
            # SCPs never restrict the management account, nor an organisation without all
            # features enabled.
            return Organization(Read.found(org_id), scps=())
        levels: list[tuple[tuple[str, PolicyDocument], ...]] = []
        target = account
        for _ in range(MAX_ORGANIZATION_DEPTH):
            level = self._scps_of(org, target)
            if isinstance(level, str):
                return Organization(Read.found(org_id), scps_unavailable=level)
            levels.append(level)
            parents = self._paginate(org, "list_parents", "Parents", ChildId=target)
            if not parents.is_found:
                why = f"organizations:ListParents: {parents.why()}"
                return Organization(Read.found(org_id), scps_unavailable=why)
            parent = parents.get()[0] if parents.get() else None
            if not isinstance(parent, dict) or not parent.get("Id"):
                break  # not a path to the root: its SCPs are unknown
            target = str(parent["Id"])
            if parent.get("Type") == "ROOT":
                root = self._scps_of(org, target)
                if isinstance(root, str):
                    return Organization(Read.found(org_id), scps_unavailable=root)
                levels.append(root)
                return Organization(Read.found(org_id), scps=tuple(reversed(levels)))
        # Every level down from the root must allow: without the root's (and any level missed),
        # an SCP that denies could not be seen, so the SCPs are not evaluated at all.
        return Organization(
            Read.found(org_id),
            scps_unavailable=(
                f"organizations:ListParents led to no organisation root from account {account} "
                f"within {MAX_ORGANIZATION_DEPTH} levels"
            ),
        )

    def _scps_of(self, org: Any, target: str) -> tuple[tuple[str, PolicyDocument], ...] | str:
        """The SCPs attached to one root, OU or account, or why they could not be read."""
        listed_policies = self._paginate(
            org,
            "list_policies_for_target",
            "Policies",
            TargetId=target,
            Filter="SERVICE_CONTROL_POLICY",
        )
        if not listed_policies.is_found:
            return f"organizations:ListPoliciesForTarget: {listed_policies.why()}"
        found = []
        for summary in listed_policies.get():
            policy_id = str(summary.get("Id", ""))
            described = self._map(
                self.read(org.describe_policy, PolicyId=policy_id),
                lambda r: policy_document(r["Policy"]["Content"]),
            )
            if not described.is_found:
                return f"organizations:DescribePolicy: {described.why()}"
            found.append((str(summary.get("Name", policy_id)), described.get()))
        return tuple(found)

    def _simulate(
        self, iam: Any, probes: tuple[Probe, ...], role_arn: str, prefix: str = ""
    ) -> Simulation:
        # Finout lists under the endpoint's prefix: a scoped policy allows a listing only with
        # that s3:prefix, and the simulator must be told it (a key irrelevant to an action is
        # ignored, so every call may carry it).
        context = (
            {
                "ContextEntries": [
                    {
                        "ContextKeyName": "s3:prefix",
                        "ContextKeyValues": [f"{prefix}/"],
                        "ContextKeyType": "string",
                    }
                ]
            }
            if prefix
            else {}
        )
        calls = [
            {
                "PolicySourceArn": role_arn,
                "ActionNames": actions,
                "ResourceArns": resources,
                **context,
            }
            for actions, resources in grouped(probes).values()
        ]
        return self._simulated(iam, _record, calls)

    def _simulate_bucket_policy(
        self,
        iam: Any,
        reads: tuple[Probe, ...],
        role_arn: str,
        policy: PolicyDocument,
        bucket_owner: str,
        endpoint: EndpointConfig,
        snapshot: EndpointSnapshot,
    ) -> Simulation:
        """One SimulatePrincipalPolicy of Finout's reads with the bucket policy as the resource
        policy and the context keys Finout's session is known to carry. Per (action, resource):
        `explicitDeny` when a statement of the bucket policy denies, `allowed` when none does,
        `undecided` when IAM lacked a context value it needed (a VPC endpoint, a source address),
        which the local evaluation then decides."""
        entries = [
            {"ContextKeyName": name, "ContextKeyValues": values, "ContextKeyType": kind}
            for name, values, kind in simulator_context(
                role_arn, endpoint.prefix, snapshot.organization
            )
        ]
        call = {
            "PolicySourceArn": role_arn,
            "ActionNames": list(dict.fromkeys(p.action for p in reads)),
            "ResourceArns": list(dict.fromkeys(p.resource for p in reads)),
            "ResourcePolicy": json.dumps(policy),
            "ResourceOwner": f"arn:{endpoint.partition}:iam::{bucket_owner}:root",
            "ContextEntries": entries,
        }
        return self._simulated(iam, _record_bucket_policy, [call])

    def _simulated(
        self,
        iam: Any,
        record: Callable[[Response, dict[tuple[str, str], Decision]], None],
        calls: list[dict[str, Any]],
    ) -> Simulation:
        """The decisions of paginated SimulatePrincipalPolicy calls, or why IAM could not answer
        (the emulator has no such API; on AWS the checker may lack the permission)."""
        decisions: dict[tuple[str, str], Decision] = {}
        try:
            for call in calls:
                for page in iam.get_paginator("simulate_principal_policy").paginate(**call):
                    for result in page.get("EvaluationResults", []):
                        record(result, decisions)
        except (ClientError, BotoCoreError, *UNEXPECTED_ANSWER) as error:
            stop = self._unavailable(error)
            if stop is not None:
                raise stop from error
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


def _per_resource(result: Response) -> Iterator[tuple[str, str, Response]]:
    """(action, resource, the result for it) of one simulated action."""
    action = str(result["EvalActionName"])
    per_resource = result.get("ResourceSpecificResults") or [
        {"EvalResourceName": result.get("EvalResourceName", "*"), **result}
    ]
    for item in per_resource:
        yield action, str(item.get("EvalResourceName", "*")), item


def _record(result: Response, decisions: dict[tuple[str, str], Decision]) -> None:
    for action, resource, item in _per_resource(result):
        decision = _DECISIONS.get(
            str(item.get("EvalResourceDecision", item.get("EvalDecision", ""))), "undecided"
        )
        # Missing context keys mean the answer depends on the request, e.g. a source-IP condition.
        if decision == "allowed" and item.get("MissingContextValues"):
            decision = "undecided"
        decisions[(action, resource)] = decision


def _record_bucket_policy(result: Response, decisions: dict[tuple[str, str], Decision]) -> None:
    for action, resource, item in _per_resource(result):
        decision = str(item.get("EvalResourceDecision", item.get("EvalDecision", "")))
        matched = item.get("MatchedStatements") or result.get("MatchedStatements") or []
        by_resource_policy = any(
            str(m.get("SourcePolicyType", "")).lower() == "resource" for m in matched
        )
        answer: Decision
        if decision == "explicitDeny" and by_resource_policy:
            answer = "explicitDeny"
        elif decision not in ("allowed", "implicitDeny") or item.get("MissingContextValues"):
            # A Deny in the role's own policies is FINOUT-IAM-005's; a missing value means IAM
            # could not tell; a decision IAM does not give is no answer at all.
            answer = "undecided"
        else:
            answer = "allowed"  # implicit or not: the bucket policy denies nothing here
        decisions[(action, resource)] = answer


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
