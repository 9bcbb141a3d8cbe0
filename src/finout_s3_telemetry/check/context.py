"""What every check receives: the config, what was read from AWS, and the expected documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from finout_s3_telemetry import policy_documents
from finout_s3_telemetry.check.access import AccessEvaluation
from finout_s3_telemetry.check.snapshot import EndpointSnapshot
from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.policy_documents import PolicyDocument


class ObjectReader(Protocol):
    """Reads the start of an object in the endpoint's bucket (one counted GetObject per call).

    The hook for content checks, e.g. "the newest CSV file in each folder is valid and fresh":
    pick the file from `snapshot.listing` (no extra listing) and read it with this.
    """

    def read(self, key: str, max_bytes: int) -> bytes:
        """The first `max_bytes` bytes of `key`; raises LookupError if it cannot be read."""
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

    @cached_property
    def expected_trust_policy(self) -> PolicyDocument:
        return policy_documents.trust_policy(self.config, self.endpoint)

    @cached_property
    def expected_inline_policy(self) -> PolicyDocument:
        return policy_documents.read_only_policy(self.endpoint)

    @cached_property
    def expected_tls_policy(self) -> PolicyDocument:
        return policy_documents.tls_only_bucket_policy(self.endpoint)

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
