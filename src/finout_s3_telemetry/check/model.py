"""What a check run produces: one result per check, grouped by endpoint, and the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class CheckResult:
    id: str
    """Stable, e.g. `FINOUT-IAM-002`; never reused for another meaning."""
    status: Status
    severity: Severity
    resource: str
    """The ARN or s3:// URL of what was checked."""
    detail: str
    """A full sentence naming the resource; may continue with a diff on further lines."""
    remediation: str
    """What to do about a failure or warning; empty when the check passed."""
    detail_lines: tuple[str, ...] = ()
    """`detail` line by line, for a detail that spans lines by design (a diff, a list of files);
    empty for a one-line detail. Human output breaks lines only here: a line break inside a value
    from AWS (an S3 key, a policy) is shown escaped, so it cannot start a forged line."""

    def __post_init__(self) -> None:
        if self.detail_lines and "\n".join(self.detail_lines) != self.detail:
            raise ValueError("detail_lines must be the lines of detail")

    def shown_lines(self) -> tuple[str, ...]:
        """The detail's lines as the check wrote them (one line unless `detail_lines` is set)."""
        return self.detail_lines or (self.detail,)

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "status": self.status.value,
            "severity": self.severity.value,
            "resource": self.resource,
            "detail": self.detail,
            "remediation": self.remediation,
        }


@dataclass(frozen=True)
class EndpointReport:
    name: str
    results: tuple[CheckResult, ...]
    api_calls: int
    """AWS API calls made for this endpoint (retries of an eventually consistent read included)."""
    access_method: str = ""
    """How the role's access was verified, e.g. `iam:SimulatePrincipalPolicy`."""
    account: str | None = None
    """The name of the config's account the endpoint belongs to; None: checked with the
    caller's own credentials."""

    @property
    def ok(self) -> bool:
        return all(result.status is not Status.FAIL for result in self.results)


@dataclass(frozen=True)
class Report:
    endpoints: tuple[EndpointReport, ...]
    api_calls: int
    """Every AWS API call of the run: the endpoints' plus the credential preflight."""
    account: str = ""
    """The account the caller's own credentials belong to (empty when every endpoint was
    checked with a role of the config's accounts)."""
    target: str = "AWS"
    api_calls_by_operation: dict[str, int] = field(default_factory=dict)
    accounts_named: bool = False
    """The config names accounts: the output says which each endpoint belongs to."""
    account_count: int = 1
    """Accounts checked: one per account of the config, and the caller's own."""

    @property
    def ok(self) -> bool:
        return all(endpoint.ok for endpoint in self.endpoints)

    def count(self, status: Status) -> int:
        return sum(1 for e in self.endpoints for r in e.results if r.status is status)
