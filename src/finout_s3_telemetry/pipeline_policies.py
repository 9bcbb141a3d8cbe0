"""The least-privilege IAM policy of each pipeline role, for one config: what `finout-telemetry
permissions --for deploy|plan|check|pipeline` prints (`pipeline`: the identity CI starts with,
which assumes each account's roles and reaches the S3 state).

Each statement is one concern (the created buckets, the folders, Finout's roles, ...) with the
exact actions the stacks, terraform's refresh, the S3 state backend, the checker or the uploader
call, on the exact resources of the config. The actions come from what the AWS provider
(~> 5.100) calls for each resource the stacks declare, from `check/aws.py` and from
`csv_files/uploader.py`; `tests/test_pipeline_policies_deploy.py` deploys and checks a config on
the emulator enforcing IAM under the generated policies to prove them sufficient. No statement
carries a condition: the emulator cannot evaluate identity-policy conditions, so a condition
could not be proven there.

IAM refuses a managed policy over 6,144 characters (whitespace not counted). When the exact
resources do not fit, each statement's resources are grouped into wildcard patterns, first the
objects within one bucket, then everything of one kind (buckets, objects, roles, keys) in one
account; every pattern made is reported so that a reviewer sees what was widened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from finout_s3_telemetry.config.model import Config, EndpointConfig, RolePurpose
from finout_s3_telemetry.iam_evaluation import resource_matches
from finout_s3_telemetry.naming import bucket_arn, kms_alias_name, partition_of
from finout_s3_telemetry.policy_documents import (
    INLINE_POLICY_LIMIT,
    POLICY_VERSION,
    PolicyDocument,
    policy_size,
)

MANAGED_POLICY_LIMIT = 6_144
"""IAM's largest customer managed policy, in characters without whitespace."""
UPLOADED_FILE_PATTERN = "????-??-??.csv"
"""The name of every file `upload` writes (`<folder>/YYYY-MM-DD.csv`), as an IAM pattern."""
ASSUME_ROLE = ("sts:AssumeRole",)
"""What the pipeline identity needs of each account's roles (the provider's `assume_role`,
`check` and `upload`)."""
UNKNOWN_ACCOUNT = "*"
"""An endpoint without `account_id` is deployed to the credentials' account, unknown here."""

# -- Actions, by concern -------------------------------------------------------------------------

# What the AWS provider reads of an `aws_s3_bucket` and its configuration resources on every
# refresh (HeadBucket is s3:ListBucket).
BUCKET_READS = (
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
)
# Creating, changing and destroying it: removing a configuration resource writes the bucket's
# default back (Put*), removing the policy deletes it.
BUCKET_WRITES = (
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
)
# `data "aws_s3_bucket"`: HeadBucket. (The provider also asks for the website configuration and
# only logs a refusal.)
EXISTING_BUCKET_READS = ("s3:ListBucket",)
# `force_destroy_bucket: true`: destroy empties the bucket, every version of every object.
EMPTY_BUCKET_LIST = ("s3:ListBucketVersions",)
EMPTY_BUCKET_DELETES = ("s3:DeleteObject", "s3:DeleteObjectVersion")
# A folder marker (`aws_s3_object`): HeadObject and its tags on refresh.
FOLDER_READS = ("s3:GetObject", "s3:GetObjectTagging")
# Writing it with the provider's default tags (the x-amz-tagging header needs PutObjectTagging);
# removing it in a versioned bucket deletes each version, found by listing them.
FOLDER_WRITES = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObject",
    "s3:PutObjectTagging",
)
FOLDER_VERSION_LIST = ("s3:ListBucketVersions",)
# `aws_iam_role`: its read lists the inline and attached policies (and reads each inline one,
# under the inline policies' statement); its delete first looks for instance profiles.
ROLE_READS = ("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies")
ROLE_WRITES = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:ListInstanceProfilesForRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
ROLE_POLICY_READS = ("iam:GetRolePolicy",)
ROLE_POLICY_WRITES = ("iam:DeleteRolePolicy", "iam:PutRolePolicy")
# `aws_kms_key` (kms_key: create). CreateKey and its tags have no key to name yet: IAM asks for
# both on `*`. The alias is read by listing aliases, which takes no resource either.
KEY_CREATE = ("kms:CreateKey", "kms:TagResource")
ALIAS_LIST = ("kms:ListAliases",)
KEY_READS = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
)
# An alias operation is authorized on the alias and on its key.
KEY_WRITES = (
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:EnableKeyRotation",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
ALIAS_WRITES = ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias")
# Writing an object into an SSE-KMS bucket: S3 asks KMS for a data key as the writer.
KEY_ENCRYPT = ("kms:GenerateDataKey",)
# The S3 backend: ListBucket for its workspaces, the state object, and with use_lockfile the
# lock object, which a plan writes too.
STATE_LIST = ("s3:ListBucket",)
STATE_READS = ("s3:GetObject",)
STATE_WRITES = ("s3:GetObject", "s3:PutObject")
STATE_LOCK = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
CALLER_IDENTITY = ("sts:GetCallerIdentity",)
# `check` (check/aws.py): every bucket, created buckets' defaults, ACL owners where an existing
# bucket may have ACLs enabled, files, the role and what sits on it, keys, the organisation.
CHECK_BUCKET_READS = (
    "s3:GetBucketLocation",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetEncryptionConfiguration",
    "s3:ListBucket",
)
CHECK_CREATED_BUCKET_READS = ("s3:GetBucketPublicAccessBlock", "s3:GetBucketVersioning")
CHECK_BUCKET_ACL = ("s3:GetBucketAcl",)
CHECK_FILE_READS = ("s3:GetObject",)
CHECK_FILE_ACL = ("s3:GetObjectAcl",)
CHECK_ROLE_READS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:SimulatePrincipalPolicy",
)
CHECK_POLICY_READS = ("iam:GetPolicy", "iam:GetPolicyVersion")
CHECK_KEY_READS = ("kms:Decrypt", "kms:DescribeKey", "kms:GetKeyPolicy")
CHECK_ORGANIZATION_READS = (
    "organizations:DescribeOrganization",
    "organizations:DescribePolicy",
    "organizations:ListParents",
    "organizations:ListPoliciesForTarget",
)
# `upload` (csv_files/uploader.py): HeadObject of the day's key, PutObject, then HeadObject of
# the version written.
UPLOAD_WRITES = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")


@dataclass(frozen=True, order=True)
class Resource:
    arn: str
    account: str
    """The endpoint's account id (or `*`): S3 ARNs name none, yet resources are only ever
    grouped with those of the same account."""


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class PipelinePolicy:
    document: PolicyDocument
    wildcards: tuple[str, ...]
    """The patterns that grouping made, when the exact resources did not fit (else empty)."""
    exact_size: int
    """The size the policy would have with exact resources."""

    @property
    def size(self) -> int:
        """Characters, without whitespace, as IAM counts them."""
        return policy_size(self.document)

    @property
    def fits_managed_policy(self) -> bool:
        return self.size <= MANAGED_POLICY_LIMIT

    @property
    def fits_inline_policy(self) -> bool:
        return self.size <= INLINE_POLICY_LIMIT


def pipeline_policy(
    config: Config, purpose: RolePurpose, endpoints: Sequence[EndpointConfig] | None = None
) -> PipelinePolicy:
    """The policy of the `purpose` pipeline's role for `endpoints` (default: every endpoint)."""
    chosen = list(config.endpoints if endpoints is None else endpoints)
    grants = _merged(_grants(config, purpose, chosen))
    exact = _document(grants)
    # Every bucket the config names: a wildcard never covers one it does not stand for (an
    # existing bucket must never fall under a created bucket's DeleteBucket, nor the state
    # bucket under a check's reads).
    buckets = frozenset(
        [bucket_arn(e.partition, e.bucket) for e in config.endpoints]
        + [_state_bucket(config, e) for e in config.endpoints if config.state.backend == "s3"]
    )
    made: list[str] = []
    document = exact
    for level in (_WITHIN_ONE_BUCKET, _WITHIN_ONE_ACCOUNT):
        if policy_size(document) <= MANAGED_POLICY_LIMIT:
            break
        grouped = [_grouped(grant, level, buckets) for grant in grants]
        document = _document([grant for grant, _ in grouped])
        made = sorted({pattern for _, patterns in grouped for pattern in patterns})
    return PipelinePolicy(document, tuple(made), policy_size(exact))


# -- Grants per concern ---------------------------------------------------------------------------


def _grants(config: Config, purpose: RolePurpose, endpoints: list[EndpointConfig]) -> list[Grant]:
    everyone = [Grant("ReadCallerIdentity", CALLER_IDENTITY, (_anything(),))]
    if purpose == "check":
        return everyone + _check_grants(endpoints) + _upload_grants(endpoints)
    deploy = purpose == "deploy"
    grants = everyone + _stack_grants(endpoints, deploy=deploy)
    # The backend reads and writes the state with the caller's own credentials, never with the
    # role the provider assumes: an endpoint of an account leaves it to the pipeline identity's
    # policy (`identity_policy`).
    own = [e for e in endpoints if e.account is None]
    if config.state.backend == "s3" and own:
        grants += _state_grants(config, own, deploy=deploy)
    return grants


def identity_policy(
    config: Config, endpoints: Sequence[EndpointConfig] | None = None
) -> PipelinePolicy:
    """The policy of the pipeline's own identity (CI's OIDC role) for the endpoints of
    `accounts:`: sts:AssumeRole on each of their accounts' deploy, plan and check roles, and the
    S3 state backend, which Terraform reaches with that identity rather than an assumed role."""
    chosen = [e for e in (config.endpoints if endpoints is None else endpoints) if e.account]
    roles: dict[str, Resource] = {}
    for endpoint in chosen:
        account = config.accounts[endpoint.account or ""]
        for purpose in ("deploy", "plan", "check"):
            arn = account.role_for(purpose).role_arn
            roles[arn] = Resource(arn, account.account_id)
    grants = [
        Grant("ReadCallerIdentity", CALLER_IDENTITY, (_anything(),)),
        Grant("AssumeTheAccountsRoles", ASSUME_ROLE, tuple(roles[arn] for arn in sorted(roles))),
    ]
    if config.state.backend == "s3" and chosen:
        grants += _state_grants(config, chosen, deploy=True)
    document = _document(_merged([grant for grant in grants if grant.resources]))
    size = policy_size(document)
    return PipelinePolicy(document, (), size)


def _stack_grants(endpoints: list[EndpointConfig], *, deploy: bool) -> list[Grant]:
    """What terraform calls for the stacks' resources: with `deploy` to create, change and
    destroy them, else only to refresh them (a plan)."""
    created = [e for e in endpoints if not e.existing_bucket]
    existing = [e for e in endpoints if e.existing_bucket]
    emptied = [e for e in created if e.force_destroy_bucket] if deploy else []
    keys_made = [e for e in endpoints if e.creates_kms_key]
    verb = "Manage" if deploy else "Read"

    def writes(actions: tuple[str, ...]) -> tuple[str, ...]:
        return actions if deploy else ()

    def written(resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
        return resources if deploy else ()

    return [
        Grant(f"{verb}CreatedBuckets", BUCKET_READS + writes(BUCKET_WRITES), _buckets(created)),
        Grant("ListVersionsToEmptyForceDestroyedBuckets", EMPTY_BUCKET_LIST, _buckets(emptied)),
        Grant(
            "DeleteObjectsToEmptyForceDestroyedBuckets",
            EMPTY_BUCKET_DELETES,
            tuple(Resource(f"{e.bucket_arn}/*", _account(e)) for e in emptied),
        ),
        Grant("ReadExistingBuckets", EXISTING_BUCKET_READS, _buckets(existing)),
        Grant(
            f"{verb}TelemetryFolders",
            FOLDER_READS + writes(FOLDER_WRITES),
            tuple(r for e in endpoints for r in _folders(e)),
        ),
        Grant("FindFolderMarkerVersions", FOLDER_VERSION_LIST, written(_buckets(endpoints))),
        Grant(
            "EncryptFolderMarkersWithBucketKeys",
            KEY_ENCRYPT,
            written(tuple(_key(e) for e in endpoints if e.uses_kms)),
        ),
        Grant(f"{verb}FinoutRoles", ROLE_READS + writes(ROLE_WRITES), _roles(endpoints)),
        Grant(
            f"{verb}FinoutRoleInlinePolicies",
            ROLE_POLICY_READS + writes(ROLE_POLICY_WRITES),
            _roles(endpoints),
        ),
        Grant("CreateKmsKeys", KEY_CREATE, written((_anything(),) if keys_made else ())),
        Grant(
            f"{verb}CreatedKmsKeys",
            KEY_READS + writes(KEY_WRITES),
            tuple(_any_key(e) for e in keys_made),
        ),
        Grant("ReadKmsAliases", ALIAS_LIST, (_anything(),) if keys_made else ()),
        Grant("ManageKmsAliases", ALIAS_WRITES, written(tuple(_alias(e) for e in keys_made))),
    ]


def _state_grants(config: Config, endpoints: list[EndpointConfig], *, deploy: bool) -> list[Grant]:
    state = config.state
    objects: list[Resource] = []
    locks: list[Resource] = []
    buckets: list[Resource] = []
    for endpoint in endpoints:
        bucket = _state_bucket(config, endpoint)
        # The key the stack's `backend "s3"` block names (stacks/endpoint_stack.py).
        key = f"{bucket}/{state.key.strip('/')}/{endpoint.name}.tfstate"
        account = _account(endpoint)
        buckets.append(Resource(bucket, account))
        objects.append(Resource(key, account))
        if state.use_lockfile:
            locks.append(Resource(f"{key}.tflock", account))
    return [
        Grant("ListTerraformStateBucket", STATE_LIST, tuple(buckets)),
        Grant(
            "WriteTerraformState" if deploy else "ReadTerraformState",
            STATE_WRITES if deploy else STATE_READS,
            tuple(objects),
        ),
        Grant("LockTerraformState", STATE_LOCK, tuple(locks)),
    ]


def _state_bucket(config: Config, endpoint: EndpointConfig) -> str:
    state = config.state
    return bucket_arn(partition_of(state.region or endpoint.region), state.bucket or "")


def _check_grants(endpoints: list[EndpointConfig]) -> list[Grant]:
    existing = [e for e in endpoints if e.existing_bucket]
    return [
        Grant("CheckReadsBuckets", CHECK_BUCKET_READS, _buckets(endpoints)),
        Grant(
            "CheckReadsCreatedBucketDefaults",
            CHECK_CREATED_BUCKET_READS,
            _buckets([e for e in endpoints if not e.existing_bucket]),
        ),
        # An existing bucket may have ACLs enabled: the checker then compares owners.
        Grant("CheckReadsExistingBucketOwner", CHECK_BUCKET_ACL, _buckets(existing)),
        Grant(
            "CheckReadsFileOwnersInExistingBuckets",
            CHECK_FILE_ACL,
            tuple(r for e in existing for r in _folder_contents(e)),
        ),
        Grant(
            "CheckReadsNewestTelemetryFiles",
            CHECK_FILE_READS,
            tuple(r for e in endpoints for r in _folder_contents(e)),
        ),
        Grant("CheckReadsFinoutRoles", CHECK_ROLE_READS, _roles(endpoints)),
        # A permissions boundary or an attached policy may be the customer's or AWS's own.
        Grant(
            "CheckReadsPoliciesOnFinoutRoles",
            CHECK_POLICY_READS,
            tuple(
                Resource(arn, _account(e))
                for e in endpoints
                for arn in (
                    f"arn:{e.partition}:iam::{_account(e)}:policy/*",
                    f"arn:{e.partition}:iam::aws:policy/*",
                )
            ),
        ),
        Grant(
            "CheckReadsKmsKeysAndDecryptsFiles",
            CHECK_KEY_READS,
            tuple(_key(e) for e in endpoints if e.uses_kms),
        ),
        # Optional: without them the checker says "SCPs not evaluated".
        Grant("CheckReadsServiceControlPolicies", CHECK_ORGANIZATION_READS, (_anything(),)),
    ]


def _upload_grants(endpoints: list[EndpointConfig]) -> list[Grant]:
    return [
        Grant(
            "UploadCommandWritesDailyFilesIntoFolders",
            UPLOAD_WRITES,
            tuple(
                Resource(f"{e.bucket_arn}/{key}{UPLOADED_FILE_PATTERN}", _account(e))
                for e in endpoints
                for key in e.folder_keys.values()
            ),
        ),
        Grant(
            "UploadCommandEncryptsWithBucketKeys",
            KEY_ENCRYPT,
            tuple(_key(e) for e in endpoints if e.uses_kms),
        ),
    ]


# -- Resources ------------------------------------------------------------------------------------


def _account(endpoint: EndpointConfig) -> str:
    return endpoint.account_id or UNKNOWN_ACCOUNT


def _anything() -> Resource:
    return Resource("*", "")


def _buckets(endpoints: Iterable[EndpointConfig]) -> tuple[Resource, ...]:
    return tuple(Resource(e.bucket_arn, _account(e)) for e in endpoints)


def _folders(endpoint: EndpointConfig) -> tuple[Resource, ...]:
    """The zero-byte folder markers, `<prefix>/<telemetry>/`, and nothing else in the bucket."""
    return tuple(
        Resource(f"{endpoint.bucket_arn}/{key}", _account(endpoint))
        for key in endpoint.folder_keys.values()
    )


def _folder_contents(endpoint: EndpointConfig) -> tuple[Resource, ...]:
    return tuple(Resource(f"{r.arn}*", r.account) for r in _folders(endpoint))


def _roles(endpoints: Iterable[EndpointConfig]) -> tuple[Resource, ...]:
    return tuple(
        Resource(f"arn:{e.partition}:iam::{_account(e)}:role/{e.role_name}", _account(e))
        for e in endpoints
    )


def _any_key(endpoint: EndpointConfig) -> Resource:
    """A key the stack makes: its id is known only once made, so any key of the account and
    region."""
    account = _account(endpoint)
    return Resource(f"arn:{endpoint.partition}:kms:{endpoint.region}:{account}:key/*", account)


def _key(endpoint: EndpointConfig) -> Resource:
    if endpoint.creates_kms_key or not endpoint.kms_key:
        return _any_key(endpoint)
    return Resource(endpoint.kms_key, _account(endpoint))


def _alias(endpoint: EndpointConfig) -> Resource:
    account = _account(endpoint)
    alias = kms_alias_name(endpoint.name)
    return Resource(f"arn:{endpoint.partition}:kms:{endpoint.region}:{account}:{alias}", account)


# -- The document ---------------------------------------------------------------------------------


def _merged(grants: list[Grant]) -> list[Grant]:
    """Grants with resources, each one statement: resources sorted and unique (two endpoints
    may share a bucket, a role name in different accounts is two roles)."""
    merged = []
    for grant in grants:
        resources = tuple(sorted(set(grant.resources)))
        if resources:
            merged.append(Grant(grant.sid, tuple(sorted(set(grant.actions))), resources))
    return merged


def _document(grants: Sequence[Grant]) -> PolicyDocument:
    statements = []
    for grant in grants:
        arns = list(dict.fromkeys(r.arn for r in grant.resources))
        statements.append(
            {
                "Sid": grant.sid,
                "Effect": "Allow",
                "Action": list(grant.actions),
                "Resource": arns[0] if len(arns) == 1 else arns,
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


# -- Grouping into wildcards ---------------------------------------------------------------------

_WITHIN_ONE_BUCKET = "bucket"
"""Group the objects (folder keys, file patterns, state keys) of one bucket."""
_WITHIN_ONE_ACCOUNT = "account"
"""Group everything of one kind (buckets, objects, roles, keys, aliases) in one account."""


def _parts(arn: str) -> tuple[str, str]:
    """(`arn:partition:service:region:account:`, the rest): a pattern never spans the first."""
    parts = arn.split(":", 5)
    return ":".join(parts[:5]) + ":", parts[5]


def _is_s3(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":", 5)[2] == "s3"


def _group_key(resource: Resource, level: str) -> tuple[str, ...]:
    """Resources with the same key may become one pattern at `level`."""
    arn = resource.arn
    if arn == "*":
        return ("exact", arn)
    head, rest = _parts(arn)
    if _is_s3(arn):
        bucket, slash, _ = rest.partition("/")
        if not slash:
            return (
                ("buckets", head, resource.account)
                if level == _WITHIN_ONE_ACCOUNT
                else (
                    "exact",
                    arn,
                )
            )
        if level == _WITHIN_ONE_BUCKET:
            return ("objects", head, resource.account, bucket)
        return ("objects", head, resource.account)
    if level == _WITHIN_ONE_BUCKET:
        return ("exact", arn)
    # role/…, key/…, alias/…, policy/…: one kind each.
    return ("names", head, resource.account, rest.split("/", 1)[0])


def _grouped(grant: Grant, level: str, buckets: frozenset[str]) -> tuple[Grant, list[str]]:
    groups: dict[tuple[str, ...], list[Resource]] = {}
    for resource in grant.resources:
        groups.setdefault(_group_key(resource, level), []).append(resource)
    resources: list[Resource] = []
    made: list[str] = []
    for key, members in groups.items():
        arns = {m.arn for m in members}
        patterns = [members[0].arn] if len(arns) == 1 else _patterns(key[0], arns, buckets)
        resources.extend(Resource(pattern, members[0].account) for pattern in patterns)
        made.extend(pattern for pattern in patterns if pattern not in arns)
    return Grant(grant.sid, grant.actions, tuple(sorted(set(resources)))), made


def _patterns(kind: str, arns: set[str], buckets: frozenset[str]) -> list[str]:
    """Patterns that together match every ARN of `arns` (one head, several ARNs): as few as
    possible, each sharing a start of the names it stands for, and none covering a bucket of
    the config that is not one of theirs."""
    head = _parts(next(iter(arns)))[0]
    rests = sorted({_parts(arn)[1] for arn in arns})
    if kind == "names":
        return [head + _one(cluster) for cluster in _clusters(rests, lambda _: True)]
    if kind == "buckets":
        return [
            head + _one(cluster) for cluster in _clusters(rests, _sparing(head, rests, buckets))
        ]
    keys_of: dict[str, list[str]] = {}
    for rest in rests:
        name, _, key = rest.partition("/")
        keys_of.setdefault(name, []).append(key)
    names = sorted(keys_of)
    return [
        f"{head}{_one(cluster)}/{_one(sorted({k for n in cluster for k in keys_of[n]}))}"
        for cluster in _clusters(names, _sparing(head, names, buckets))
    ]


def _sparing(head: str, names: list[str], buckets: frozenset[str]) -> Callable[[str], bool]:
    """Whether a pattern of bucket names covers no bucket of the config outside `names`: an
    existing bucket must never fall under a created bucket's DeleteBucket."""
    others = buckets - {head + name for name in names}
    return lambda pattern: not any(resource_matches(head + pattern, other) for other in others)


def _clusters(names: list[str], allowed: Callable[[str], bool]) -> list[list[str]]:
    """`names` (sorted, unique) in clusters whose pattern shares a start and is `allowed`; a
    cluster that is not is split by the character after the common start, down to one name."""
    pattern = _wildcard(names)
    if len(names) == 1 or (not pattern.startswith("*") and allowed(pattern)):
        return [names]
    start = len(_common_start(names))
    split: dict[str, list[str]] = {}
    for name in names:
        split.setdefault(name[start : start + 1], []).append(name)
    return [cluster for part in split.values() for cluster in _clusters(part, allowed)]


def _one(values: list[str]) -> str:
    """The one value, or the pattern of several (object keys may share no start: the bucket
    before them anchors the pattern)."""
    return values[0] if len(values) == 1 else _wildcard(values)


def _wildcard(values: list[str]) -> str:
    """`start*end`: their common start, `*`, their common end; it matches each of them."""
    start = _common_start(values)
    end = _common_start([value[::-1] for value in values])[::-1]
    shortest = min(len(value) for value in values)
    return f"{start}*{end[max(0, len(start) + len(end) - shortest) :]}"


def _common_start(values: list[str]) -> str:
    first, last = min(values), max(values)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]
