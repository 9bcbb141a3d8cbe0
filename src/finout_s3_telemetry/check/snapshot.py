"""Everything the AWS layer read for one endpoint, as plain data the checks inspect.

Checks never call AWS: they read a snapshot. A value that could not be read is kept with the reason
(`Read.missing` for NoSuch*, `Read.unreadable` for anything else), so a check can say whether the
resource is gone or merely hidden from the checker's credentials. `None` means "not fetched"
(for example the secure defaults of an existing bucket, or anything behind a missing bucket).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Generic, Literal, TypeVar

from finout_s3_telemetry.policy_documents import PolicyDocument
from finout_s3_telemetry.terminal_text import shorten

T = TypeVar("T")
CODE_SHOWN = 100
MESSAGE_SHOWN = 400
Decision = Literal["allowed", "explicitDeny", "implicitDeny", "conditional"]


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
    """Every object under the endpoint's prefix, from one paginated ListObjectsV2.

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
        files = self.files_in(folder_key)
        return max(files, key=lambda obj: obj.last_modified) if files else None


@dataclass(frozen=True)
class RoleInfo:
    name: str
    arn: str
    trust_policy: PolicyDocument


@dataclass(frozen=True)
class AttachedPolicy:
    arn: str
    name: str
    document: PolicyDocument | None = None
    """Fetched only when the role's access is evaluated locally."""


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
    encryption: Read[tuple[str, ...]] | None = None
    """The default encryption algorithms of the bucket's rules."""
    bucket_policy: Read[PolicyDocument] | None = None
    versioning: Read[str] | None = None
    role: Read[RoleInfo] = field(default_factory=lambda: Read.missing("NotFetched"))
    inline_policy: Read[PolicyDocument] | None = None
    other_inline_policies: Read[dict[str, PolicyDocument | None]] | None = None
    """Inline policies besides the configured one; documents only when evaluated locally."""
    attached_policies: Read[tuple[AttachedPolicy, ...]] | None = None
    simulation: Simulation | None = None

    def identity_policies(self) -> Iterator[PolicyDocument]:
        """Every identity policy document fetched for the role."""
        if self.inline_policy is not None and self.inline_policy.is_found:
            yield self.inline_policy.get()
        if self.other_inline_policies is not None and self.other_inline_policies.is_found:
            yield from (d for d in self.other_inline_policies.get().values() if d is not None)
        if self.attached_policies is not None and self.attached_policies.is_found:
            yield from (p.document for p in self.attached_policies.get() if p.document is not None)
