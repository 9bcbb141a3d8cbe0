"""FINOUT-IAM-005 the role can list the bucket and read every folder; FINOUT-IAM-006 it can write
or delete nothing. Both name the method that answered (IAM's simulator or the local evaluator)."""

from __future__ import annotations

from collections import defaultdict

from finout_s3_telemetry.check.access_answers import ProbeResult
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed


def _by_action(results: list[ProbeResult]) -> list[str]:
    """`s3:PutObject and s3:DeleteObject on 20 resources (e.g. arn:...)`: actions that share
    their resources are named together, so a widened policy reads as one clause."""
    resources: dict[str, list[str]] = defaultdict(list)
    for result in results:
        suffix = (
            " (undecided: it depends on values the checker cannot know)"
            if result.decision == "undecided"
            else ""
        )
        resources[result.probe.action + suffix].append(result.probe.resource)
    actions_by_resources: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for action, arns in resources.items():
        actions_by_resources[tuple(arns)].append(action)
    return [
        f"{listed(actions)} on {arns[0]}"
        if len(arns) == 1
        else f"{listed(actions)} on {len(arns)} resources (e.g. {arns[0]})"
        for arns, actions in actions_by_resources.items()
    ]


@check("FINOUT-IAM-005", Severity.HIGH, "The role can list the bucket and read every folder")
def can_read(ctx: EndpointContext) -> Finding | None:
    if ctx.access is None:
        return None
    reads = [r for r in ctx.access.results if r.probe.expect == "allow"]
    denied = [r for r in reads if not r.as_expected]
    role, bucket = ctx.endpoint.role_name, ctx.endpoint.bucket
    method = f"Checked with {ctx.access.method}.{ctx.access.unread_in_words()}"
    if denied:
        return failed(
            ctx.role_arn,
            f"Role {role} is not allowed {listed(_by_action(denied))}, so Finout cannot read "
            f"those telemetry files. {method} {ctx.access.scps}",
            ctx.deploy("restore the read-only policy"),
        )
    folders = len(ctx.endpoint.telemetries)
    return passed(
        ctx.role_arn,
        f"Role {role} can list bucket {bucket} and read all {folders} telemetry folders. {method} "
        f"{ctx.access.scps}",
    )


@check("FINOUT-IAM-006", Severity.CRITICAL, "The role can write or delete nothing")
def cannot_write(ctx: EndpointContext) -> Finding | None:
    if ctx.access is None:
        return None
    writes = [r for r in ctx.access.results if r.probe.expect == "deny"]
    allowed = [r for r in writes if not r.as_expected]
    role, bucket = ctx.endpoint.role_name, ctx.endpoint.bucket
    method = f"Checked with {ctx.access.method}.{ctx.access.unread_in_words()}"
    if allowed:
        return failed(
            ctx.role_arn,
            f"Role {role} is allowed {listed(_by_action(allowed))}; Finout must only read. "
            f"{method}",
            f"{ctx.deploy('restore the read-only policy')} Remove any other policy on the role "
            "that grants these actions.",
        )
    actions = len({r.probe.action for r in writes})
    return passed(
        ctx.role_arn,
        f"Role {role} can write or delete nothing in bucket {bucket} and cannot change its own "
        f"policies ({len(writes)} write and delete requests of {actions} kinds refused). {method}",
    )


CHECKS = (can_read, cannot_write)
