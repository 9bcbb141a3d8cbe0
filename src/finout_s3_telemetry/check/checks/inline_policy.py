"""FINOUT-IAM-003: the inline policy exists under the configured name and means exactly what the
rendered template means (statement order, Sids and string-vs-list values aside)."""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, passed
from finout_s3_telemetry.iam_policies import (
    describe_statement,
    same_policy,
    statement_difference,
    statements,
    unified_diff_lines,
)


@check("FINOUT-IAM-003", Severity.HIGH, "The inline policy equals Finout's documented policy")
def inline_policy(ctx: EndpointContext) -> Finding | None:
    read = ctx.snapshot.inline_policy
    if read is None:
        return None
    role, policy = ctx.endpoint.role_name, ctx.endpoint.policy_name
    if read.state == "missing":
        return failed(
            ctx.policy_arn,
            f"Role {role} has no inline policy named {policy}.",
            ctx.deploy("restore it"),
        )
    if not read.is_found:
        return failed(
            ctx.policy_arn,
            f"Inline policy {policy} of role {role} could not be read ({read.why()}).",
            f"Let the checker call iam:GetRolePolicy on {ctx.role_arn}.",
        )
    live, expected = read.get(), ctx.expected_inline_policy
    if same_policy(live, expected):
        return passed(
            ctx.policy_arn,
            f"Inline policy {policy} of role {role} equals the rendered template of access "
            f"{ctx.endpoint.access} ({len(statements(expected))} statements).",
        )
    extra, lacking = statement_difference(live, expected)
    parts = [f"it has {describe_statement(s)}, which the template does not" for s in extra]
    parts += [f"it lacks {describe_statement(s)}" for s in lacking]
    if live.get("Version") != expected.get("Version"):
        parts.append(f"its Version is {live.get('Version')!r}, not {expected.get('Version')!r}")
    sentence = (
        f"Inline policy {policy} of role {role} differs from the rendered template of access "
        f"{ctx.endpoint.access}: " + "; ".join(parts) + "."
    )
    return failed(
        ctx.policy_arn,
        (sentence, *unified_diff_lines(live, expected)),
        ctx.deploy("restore it"),
    )


CHECKS = (inline_policy,)
