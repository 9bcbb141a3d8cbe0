"""FINOUT-IAM-007: a permissions boundary on the role allows Finout's reads.

A boundary caps what the role's own policies can grant: an action the boundary does not allow is
refused however the role's policies read. The boundary is evaluated for each read Finout makes
(s3:ListBucket, s3:GetObject in each folder) and, where files are encrypted with SSE-KMS, for
kms:Decrypt on each key.
"""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.finout_session import s3_request
from finout_s3_telemetry.check.key_uses import decrypt_requests, key_uses
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.probes import access_probes, finout_reads
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed, warned
from finout_s3_telemetry.check.shared_answers import SharedAnswers
from finout_s3_telemetry.iam_evaluation import Policy, Request


def _requests(ctx: EndpointContext) -> list[tuple[str, Request]]:
    """(what, request) for every read Finout needs."""
    requests = [
        (
            f"{p.action} on {p.resource}",
            s3_request(p, ctx.role_arn, ctx.bucket_account, ctx.endpoint.prefix, ctx.session),
        )
        for p in finout_reads(access_probes(ctx.endpoint, ctx.role_arn))
    ]
    for reference, uses in key_uses(ctx.endpoint, ctx.snapshot)[0].items():
        read = ctx.snapshot.kms_keys.get(reference)
        if read is None or not read.is_found:
            continue  # FINOUT-KMS-001 reports a key it could not read
        arn = read.get().arn
        for request in decrypt_requests(arn, uses, ctx.role_arn, ctx.session):
            requests.append((f"kms:Decrypt on {arn}", request))
    return requests


@check("FINOUT-IAM-007", Severity.HIGH, "A permissions boundary on the role allows Finout's reads")
def boundary_allows_reads(ctx: EndpointContext) -> Finding | None:
    if not ctx.snapshot.role.is_found:
        return None
    role = ctx.snapshot.role.get()
    if not role.boundary_arn:
        return passed(ctx.role_arn, f"Role {role.name} has no permissions boundary.")
    read = ctx.snapshot.boundary
    if read is None or not read.is_found:
        why = read.why() if read is not None else "not read"
        return warned(
            ctx.role_arn,
            f"The permissions boundary {role.boundary_arn} of role {role.name} could not be read "
            f"({why}), so whether it allows Finout's reads was not evaluated.",
            f"Let the checker call iam:GetPolicy and iam:GetPolicyVersion on {role.boundary_arn}.",
        )
    boundary = Policy(f"permissions boundary {role.boundary_arn}", read.get())
    refused, unsure = [], []
    answers = SharedAnswers(identity=[boundary])
    for what, request in _requests(ctx):
        answer = answers.evaluate(request)
        if answer.decision in ("explicitDeny", "implicitDeny"):
            refused.append(what)
        elif answer.decision == "undecided":
            unsure.append(what)
    refused, unsure = list(dict.fromkeys(refused)), list(dict.fromkeys(unsure))
    if refused:
        return failed(
            ctx.role_arn,
            f"The permissions boundary {role.boundary_arn} of role {role.name} does not allow "
            f"{listed(refused, 5)}, so Finout cannot read those files whatever the role's "
            "policies say.",
            f"Allow those actions in {role.boundary_arn}, or remove the boundary from role "
            f"{role.name}.",
        )
    if unsure:
        return warned(
            ctx.role_arn,
            f"The permissions boundary {role.boundary_arn} of role {role.name} allows "
            f"{listed(unsure, 5)} only under conditions the checker cannot evaluate for "
            "Finout's session.",
            f"Review the conditions of {role.boundary_arn}.",
        )
    return passed(
        ctx.role_arn,
        f"The permissions boundary {role.boundary_arn} of role {role.name} allows all of "
        "Finout's reads.",
    )


CHECKS = (boundary_allows_reads,)
