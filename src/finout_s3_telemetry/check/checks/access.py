"""FINOUT-IAM-005 the role can list the bucket and read every folder (by access mode: a scoped role
nothing beside its prefix, a read_write role also upload under its write prefix); FINOUT-IAM-006
it can write or delete nothing (a read_write role: nothing outside its write prefix). Both name
the method that answered (IAM's simulator or the local evaluator)."""

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
        arns = resources[result.probe.action + suffix]
        # Listings with different s3:prefix values share their resource, the bucket: said once.
        if result.probe.resource not in arns:
            arns.append(result.probe.resource)
    actions_by_resources: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for action, arns in resources.items():
        actions_by_resources[tuple(arns)].append(action)
    return [
        f"{listed(actions)} on {arns[0]}"
        if len(arns) == 1
        else f"{listed(actions)} on {len(arns)} resources (e.g. {arns[0]})"
        for arns, actions in actions_by_resources.items()
    ]


_POLICY_WORDS = {
    "read_only": "the read-only policy",
    "read_only_scoped": "the scoped read-only policy",
    "read_write": "the read-and-write policy",
}


def _restore(ctx: EndpointContext) -> str:
    return ctx.deploy(f"restore {_POLICY_WORDS[ctx.endpoint.access]}")


@check("FINOUT-IAM-005", Severity.HIGH, "The role can list the bucket and read every folder")
def can_read(ctx: EndpointContext) -> Finding | None:
    """Finout's reads are allowed; by mode also a read_write role's uploads under its write
    prefix, and a scoped role's reads beside its prefix are refused."""
    if ctx.access is None:
        return None
    results = ctx.access.results
    denied = [r for r in results if r.probe.kind in ("read", "export") and not r.as_expected]
    outside = [r for r in results if r.probe.kind == "outside_read" and not r.as_expected]
    role, bucket, endpoint = ctx.endpoint.role_name, ctx.endpoint.bucket, ctx.endpoint
    method = f"Checked with {ctx.access.method}.{ctx.access.unread_in_words()}"
    problems = []
    if denied:
        problems.append(
            f"Role {role} is not allowed {listed(_by_action(denied))}, so Finout cannot "
            + (
                "read those telemetry files or write its exports."
                if any(r.probe.kind == "export" for r in denied)
                else "read those telemetry files."
            )
        )
    if outside:
        problems.append(
            f"Role {role} is allowed {listed(_by_action(outside))}, outside prefix "
            f"{endpoint.prefix}/; access read_only_scoped reads under it only."
        )
    if problems:
        return failed(
            ctx.role_arn,
            f"{' '.join(problems)} {method} {ctx.access.scps}",
            _restore(ctx)
            + (" Remove any other policy that grants these reads." if outside else ""),
        )
    folders = len(endpoint.telemetries)
    scope = {
        "read_only_scoped": f", and nothing outside prefix {endpoint.prefix}/",
        "read_write": f", and may upload under {endpoint.write_prefix}/ (access read_write)",
    }.get(endpoint.access, "")
    return passed(
        ctx.role_arn,
        f"Role {role} can list bucket {bucket} and read all {folders} telemetry folders{scope}. "
        f"{method} {ctx.access.scps}",
    )


@check("FINOUT-IAM-006", Severity.CRITICAL, "The role can write or delete nothing")
def cannot_write(ctx: EndpointContext) -> Finding | None:
    """Every write and delete is refused, except a read_write role's uploads under its write
    prefix (FINOUT-IAM-005 proves those allowed): the same uploads beside it are refused."""
    if ctx.access is None:
        return None
    writes = [r for r in ctx.access.results if r.probe.kind == "write"]
    allowed = [r for r in writes if not r.as_expected]
    role, bucket, endpoint = ctx.endpoint.role_name, ctx.endpoint.bucket, ctx.endpoint
    method = f"Checked with {ctx.access.method}.{ctx.access.unread_in_words()}"
    read_write = endpoint.access == "read_write"
    if allowed:
        must = (
            f"Finout may only upload under {endpoint.write_prefix}/"
            if read_write
            else "Finout must only read"
        )
        return failed(
            ctx.role_arn,
            f"Role {role} is allowed {listed(_by_action(allowed))}; {must}. {method}",
            f"{_restore(ctx)} Remove any other policy on the role that grants these actions.",
        )
    actions = len({r.probe.action for r in writes})
    nothing = (
        f"can write or delete nothing in bucket {bucket} outside {endpoint.write_prefix}/ "
        "(and delete nothing under it)"
        if read_write
        else f"can write or delete nothing in bucket {bucket}"
    )
    return passed(
        ctx.role_arn,
        f"Role {role} {nothing} and cannot change its own policies ({len(writes)} write and "
        f"delete requests of {actions} kinds refused). {method}",
    )


CHECKS = (can_read, cannot_write)
