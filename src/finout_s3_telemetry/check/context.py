"""What every check receives: the config, what was read from AWS, and the expected documents."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Protocol

from finout_s3_telemetry import policy_documents
from finout_s3_telemetry.check.access_answers import AccessEvaluation
from finout_s3_telemetry.check.finout_session import base_context
from finout_s3_telemetry.check.max_age import DEFAULT_MAX_AGE_DAYS
from finout_s3_telemetry.check.snapshot import EndpointSnapshot
from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.csv_files import ByteStream
from finout_s3_telemetry.policy_documents import PolicyDocument


class UnreadableObject(LookupError):
    """An object could not be opened or read to its end (denied, deleted since the listing, cut
    off midway). Its own class, so a KeyError from a bug is never mistaken for one."""


class ObjectReader(Protocol):
    """Reads objects in the endpoint's bucket (one counted GetObject per call).

    The hook for content checks, e.g. "the newest CSV file in each folder is valid": pick the file
    from `snapshot.listing` (no extra listing) and read it with this.
    """

    def read(self, key: str, max_bytes: int) -> bytes:
        """The first `max_bytes` bytes of `key`; raises LookupError if it cannot be read."""
        ...

    def stream(self, key: str) -> AbstractContextManager[ByteStream]:
        """The whole body of `key` as a stream, so memory does not grow with the object; raises
        UnreadableObject if it cannot be opened, or when reading it breaks off."""
        ...


@dataclass(frozen=True)
class EndpointContext:
    config: Config
    endpoint: EndpointConfig
    snapshot: EndpointSnapshot
    account: str
    """The account the credentials belong to."""
    access: AccessEvaluation | None = None
    """None when the role could not be read."""
    objects: ObjectReader | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    """The moment the run judges ages against (time zone aware); one per run, injectable."""
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    """The newest file in a telemetry folder may be this many days old without a warning."""

    @cached_property
    def expected_trust_policy(self) -> PolicyDocument:
        return policy_documents.trust_policy(
            self.config.principal_arn(self.endpoint), self.endpoint.external_id
        )

    @cached_property
    def expected_inline_policy(self) -> PolicyDocument:
        """The policy of the endpoint's access mode: Finout's documented one for `read_only`."""
        endpoint = self.endpoint
        return policy_documents.access_policy(
            endpoint.access, endpoint.bucket_arn, endpoint.prefix, endpoint.write_prefix
        )

    @cached_property
    def expected_tls_policy(self) -> PolicyDocument:
        return policy_documents.tls_only_policy(self.endpoint.bucket_arn)

    @cached_property
    def session(self) -> dict[str, tuple[str, ...]]:
        """The condition keys Finout's session is known to carry (`finout_session`)."""
        return base_context(
            self.role_arn, self.endpoint.region, self.snapshot.organization, self.now
        )

    @property
    def bucket_account(self) -> str:
        return self.endpoint.account_id or self.account

    @property
    def principal_arn(self) -> str:
        return self.config.principal_arn(self.endpoint)

    @property
    def bucket_url(self) -> str:
        prefix = f"{self.endpoint.prefix}/" if self.endpoint.prefix else ""
        return f"s3://{self.endpoint.bucket}/{prefix}"

    @property
    def role_arn(self) -> str:
        """The live role's ARN, or the one it would have in the checked account."""
        if self.snapshot.role.is_found:
            return self.snapshot.role.get().arn
        account = self.endpoint.account_id or self.account
        return f"arn:{self.endpoint.partition}:iam::{account}:role/{self.endpoint.role_name}"

    @property
    def policy_arn(self) -> str:
        """Inline policies have no ARN; this names it the way IAM's console and CLI do."""
        return f"{self.role_arn}/{self.endpoint.policy_name}"

    def deploy(self, what: str = "restore it") -> str:
        return f"Run `cdktf deploy {self.endpoint.name}` to {what}."
