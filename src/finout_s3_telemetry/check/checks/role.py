"""FINOUT-IAM-001 the role exists; FINOUT-IAM-004 nothing besides the configured policy is on it."""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed, warned
from finout_s3_telemetry.naming import kms_policy_name


@check("FINOUT-IAM-001", Severity.CRITICAL, "The role exists")
def role_exists(ctx: EndpointContext) -> Finding:
    role, name = ctx.snapshot.role, ctx.endpoint.role_name
    if role.is_found:
        return passed(ctx.role_arn, f"Role {name} exists ({ctx.role_arn}).")
    if role.state == "missing":
        return failed(ctx.role_arn, f"Role {name} does not exist.", ctx.deploy("create it"))
    return failed(
        ctx.role_arn,
        f"Role {name} could not be read ({role.why()}).",
        f"Let the checker call iam:GetRole on {ctx.role_arn}.",
    )


@check("FINOUT-IAM-004", Severity.HIGH, "The role carries no other policies")
def no_other_policies(ctx: EndpointContext) -> Finding | None:
    inline, attached = ctx.snapshot.other_inline_policies, ctx.snapshot.attached_policies
    if inline is None or attached is None:
        return None
    name = ctx.endpoint.role_name
    for read, permission in (
        (inline, "iam:ListRolePolicies"),
        (attached, "iam:ListAttachedRolePolicies"),
    ):
        if not read.is_found:
            return failed(
                ctx.role_arn,
                f"The policies of role {name} could not be listed ({read.why()}).",
                f"Let the checker call {permission} on {ctx.role_arn}.",
            )
    managed = {kms_policy_name(ctx.endpoint.policy_name)} if ctx.endpoint.uses_kms else set()
    others = [f"inline policy {n}" for n in sorted(inline.get()) if n not in managed]
    others += [f"managed policy {p.arn}" for p in attached.get()]
    if others:
        # Warn, not fail: a customer may add e.g. kms:Decrypt for a KMS-encrypted existing bucket.
        # Whether they grant writes is FINOUT-IAM-006's verdict.
        return warned(
            ctx.role_arn,
            f"Role {name} also carries {listed(others)}, which the stack does not manage.",
            "Remove them unless they are needed (FINOUT-IAM-006 says whether they allow writes).",
        )
    ours = listed([ctx.endpoint.policy_name, *sorted(managed)])
    return passed(ctx.role_arn, f"Role {name} carries no policy besides {ours}.")


CHECKS = (role_exists, no_other_policies)
