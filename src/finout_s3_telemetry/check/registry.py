"""How a check is declared: an id, a severity and a function from the context to a finding.

    @check("FINOUT-S3-001", Severity.CRITICAL, "The bucket exists")
    def bucket_exists(ctx: EndpointContext) -> Finding | None: ...

Return None when the check does not apply (e.g. secure defaults of an existing bucket, or anything
behind a missing bucket, which is reported once by the check that found it missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import CheckResult, Severity, Status

Detail = str | tuple[str, ...]
"""One sentence, or a tuple of lines when the detail spans lines by design (a diff). Values from
AWS go inside a line; only the tuple's own lines are shown as separate lines."""


@dataclass(frozen=True)
class Finding:
    status: Status
    resource: str
    detail: Detail
    remediation: str = ""


def passed(resource: str, detail: Detail) -> Finding:
    return Finding(Status.PASS, resource, detail)


def failed(resource: str, detail: Detail, remediation: str) -> Finding:
    return Finding(Status.FAIL, resource, detail, remediation)


def warned(resource: str, detail: Detail, remediation: str) -> Finding:
    return Finding(Status.WARN, resource, detail, remediation)


def bucket_setting_unreadable(
    ctx: EndpointContext, what: str, why: str, permission: str
) -> Finding:
    """A created bucket's setting that the checker was not allowed (or failed) to read."""
    return failed(
        ctx.endpoint.bucket_arn,
        f"The {what} of bucket {ctx.endpoint.bucket} could not be read ({why}).",
        f"Let the checker call {permission} on bucket {ctx.endpoint.bucket}.",
    )


CheckFunction = Callable[[EndpointContext], Finding | None]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    severity: Severity
    title: str
    function: CheckFunction

    def run(self, ctx: EndpointContext) -> CheckResult | None:
        finding = self.function(ctx)
        if finding is None:
            return None
        lines = () if isinstance(finding.detail, str) else finding.detail
        return CheckResult(
            id=self.id,
            status=finding.status,
            severity=self.severity,
            resource=finding.resource,
            detail=finding.detail if isinstance(finding.detail, str) else "\n".join(lines),
            remediation=finding.remediation if finding.status is not Status.PASS else "",
            detail_lines=lines if len(lines) > 1 else (),
        )


def check(id: str, severity: Severity, title: str) -> Callable[[CheckFunction], CheckSpec]:
    def declare(function: CheckFunction) -> CheckSpec:
        return CheckSpec(id, severity, title, function)

    return declare


def listed(items: list[str], limit: int = 10) -> str:
    """`a, b and c`, or `a, b, ... and 7 more` for long lists."""
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
