"""Everything the AWS layer read for one endpoint, as plain data the checks inspect.

Checks never call AWS: they read a snapshot. A value that could not be read is kept with the reason
(`Read.missing` for NoSuch*, `Read.unreadable` for anything else), so a check can say whether the
resource is gone or merely hidden from the checker's credentials. `None` means "not fetched"
(for example the secure defaults of an existing bucket, or anything behind a missing bucket).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Generic, Literal, TypeVar

from finout_s3_telemetry.iam_evaluation import Decision
from finout_s3_telemetry.policy_documents import PolicyDocument
from finout_s3_telemetry.terminal_text import shorten

T = TypeVar("T")
CODE_SHOWN = 100
MESSAGE_SHOWN = 400
__all__ = ["Decision"]
BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
KEY_IN_ANOTHER_REGION = "KeyInAnotherRegion"
"""The code of a KMS key that was not read because S3 named one outside the bucket's region."""


@dataclass(frozen=True)
class Read(Generic[T]):
    state: Literal["found", "missing", "unreadable"]
    value: T | None = None
    code: str = ""
    """The AWS error code when not found (e.g. NoSuchEntity, AccessDenied)."""
    message: str = ""

    @classmethod
    def found(cls, value: T) -> Read[T]:
        return cls("found", value)

    @classmethod
    def missing(cls, code: str, message: str = "") -> Read[T]:
        return cls("missing", None, code, message)

    @classmethod
    def unreadable(cls, code: str, message: str = "") -> Read[T]:
        return cls("unreadable", None, code, message)

    @property
    def is_found(self) -> bool:
        return self.state == "found"

    def without_value(self) -> Read[Any]:
        """This missing or unreadable read, for a value of another type (what it was needed
        for could not be read either, for the same reason)."""
        if self.is_found:
            raise ValueError("a found value has a value")
        return Read(self.state, None, self.code, self.message)

    def get(self) -> T:
        if self.value is None:
            raise ValueError(f"no value: {self.state} ({self.code})")
        return self.value

    def why(self) -> str:
        """`AccessDenied: message` for the sentence that reports an unreadable value.

        Shortened: the code and message come from the other side, and an answer that is not
        AWS's can carry a whole web page (the output escapes what they hold).
        """
        code = shorten(self.code, CODE_SHOWN)
        return f"{code}: {shorten(self.message, MESSAGE_SHOWN)}" if self.message else code


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    last_modified: datetime
    etag: str = ""


@dataclass(frozen=True)
class Listing:
    """Every object in the endpoint's telemetry folders (markers, and files at any depth), from
    ListObjectsV2 calls that skip the bucket's other objects (`folder_listing`).

    Kept whole (with LastModified) so content checks, such as "the newest CSV file in each folder
    is valid and fresh", reuse it instead of listing each folder again.
    """

    prefix: str
    objects: tuple[S3Object, ...]

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(obj.key for obj in self.objects)

    @cached_property
    def _by_folder(self) -> dict[str, list[S3Object]]:
        folders: dict[str, list[S3Object]] = {}
        for obj in self.objects:
            rest = obj.key[len(self.prefix) :]
            if "/" in rest:
                folder = self.prefix + rest.split("/", 1)[0] + "/"
                if obj.key != folder:
                    folders.setdefault(folder, []).append(obj)
        return folders

    def files_in(self, folder_key: str) -> list[S3Object]:
        """The objects under `folder_key` (at any depth), without the folder marker itself."""
        return list(self._by_folder.get(folder_key, ()))

    def newest_in(self, folder_key: str) -> S3Object | None:
        """The most recently modified file under `folder_key`, or None when it holds none.

        A key ending in `/` is a folder marker, not a file. S3 keeps LastModified to the second,
        so files written within the same second are told apart by key: the later name wins,
        which for files named by day (`2024-06-08.csv`) is the later day. Every check that
        speaks of "the newest file" means this one (the service layer reads its head and ACL).
        """
        files = [obj for obj in self.files_in(folder_key) if not obj.key.endswith("/")]
        return max(files, key=lambda obj: (obj.last_modified, obj.key), default=None)


@dataclass(frozen=True)
class BucketEncryption:
    """The bucket's default encryption rules (GetBucketEncryption)."""

    algorithms: tuple[str, ...]
    """`AES256`, `aws:kms` or `aws:kms:dsse`, one per rule."""
    kms_key: str = ""
    """The rule's KMSMasterKeyID as written (key ARN, key id, alias); empty for the `aws/s3` key."""
    bucket_key: bool = False

    @property
    def uses_kms(self) -> bool:
        return any(a.startswith("aws:kms") for a in self.algorithms)


@dataclass(frozen=True)
class ObjectHead:
    """What HeadObject says about how one file is encrypted."""

    key: str
    encryption: str
    """`AES256`, `aws:kms`, `aws:kms:dsse` or empty."""
    kms_key: str = ""
    """The key ARN S3 reports for an SSE-KMS file."""
    bucket_key: bool = False


@dataclass(frozen=True)
class KmsKey:
    """A KMS key as DescribeKey and GetKeyPolicy show it."""

    arn: str
    manager: str
    """`AWS` for AWS-managed keys such as `aws/s3`, `CUSTOMER` for customer-managed ones."""
    state: str
    """`Enabled`, `Disabled`, `PendingDeletion`, ..."""
    policy: Read[PolicyDocument]


@dataclass(frozen=True)
class Organization:
    """The checked account's AWS Organizations view, read once per run.

    `org_id`: found (the id), missing (the account is in no organisation) or unreadable.
    `scps`: per level from the organisation root down to the account, the SCP documents attached
    there; None when they were not evaluated, with the reason in `scps_unavailable`.
    """

    org_id: Read[str]
    scps: tuple[tuple[tuple[str, PolicyDocument], ...], ...] | None = None
    scps_unavailable: str = ""


@dataclass(frozen=True)
class RoleInfo:
    name: str
    arn: str
    trust_policy: PolicyDocument
    boundary_arn: str = ""
    """The role's permissions boundary (a managed policy ARN); empty when it has none."""


@dataclass(frozen=True)
class AttachedPolicy:
    arn: str
    name: str
    document: PolicyDocument | None = None
    """None when it could not be read."""


@dataclass(frozen=True)
class Simulation:
    """iam:SimulatePrincipalPolicy decisions, or why that API could not be used."""

    decisions: dict[tuple[str, str], Decision] = field(default_factory=dict)
    """(action, resource ARN) -> decision."""
    unavailable: str = ""
    """Empty when the simulation ran; otherwise the reason (e.g. the API does not exist)."""

    @property
    def ran(self) -> bool:
        return not self.unavailable


@dataclass
class EndpointSnapshot:
    """What one endpoint looks like in the account. Built by `aws.AwsReader.fetch`."""

    endpoint_name: str
    bucket_region: Read[str] = field(default_factory=lambda: Read.missing("NotFetched"))
    listing: Read[Listing] | None = None
    public_access_block: Read[dict[str, bool]] | None = None
    ownership: Read[str] | None = None
    encryption: Read[BucketEncryption] | None = None
    bucket_policy: Read[PolicyDocument] | None = None
    versioning: Read[str] | None = None
    role: Read[RoleInfo] = field(default_factory=lambda: Read.missing("NotFetched"))
    inline_policy: Read[PolicyDocument] | None = None
    other_inline_policies: Read[dict[str, PolicyDocument | None]] | None = None
    """Inline policies besides the configured one; a document is None when it could not be read."""
    attached_policies: Read[tuple[AttachedPolicy, ...]] | None = None
    simulation: Simulation | None = None
    bucket_policy_simulation: Simulation | None = None
    """IAM's simulation of Finout's reads against the bucket policy (only where IAM simulates):
    per (action, resource), explicitDeny (the bucket policy denies), allowed (it denies nothing)
    or undecided (IAM lacked a value)."""
    boundary: Read[PolicyDocument] | None = None
    """The permissions boundary's document; None when the role has none."""
    newest_heads: dict[str, Read[ObjectHead]] = field(default_factory=dict)
    """Folder key -> HeadObject of the newest file in it (non-empty folders only)."""
    bucket_owner: Read[str] | None = None
    """The bucket owner's canonical ID (GetBucketAcl); read only when ACLs are enabled."""
    newest_owners: dict[str, Read[str]] = field(default_factory=dict)
    """Folder key -> canonical ID owning its newest file (GetObjectAcl); only where ACLs are
    enabled."""
    kms_keys: dict[str, Read[KmsKey]] = field(default_factory=dict)
    """Every KMS key the bucket or its newest files use, or the config names, by the reference
    S3 or the config gave (key ARN, key id or alias)."""
    organization: Organization | None = None


def acls_enabled(ownership: Read[str] | None) -> bool:
    """Object ACLs are in effect unless ownership is BucketOwnerEnforced; a bucket without
    ownership controls (made before April 2023) still has them."""
    if ownership is None:
        return False
    if ownership.is_found:
        return ownership.get() != BUCKET_OWNER_ENFORCED
    return ownership.state == "missing"
