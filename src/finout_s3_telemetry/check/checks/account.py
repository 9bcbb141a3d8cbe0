"""FINOUT-ACCT-001: the credentials belong to the account the endpoint is configured for."""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, passed


@check("FINOUT-ACCT-001", Severity.HIGH, "The checked account is the configured one")
def checked_account(ctx: EndpointContext) -> Finding:
    expected = ctx.endpoint.account_id
    resource = f"arn:{ctx.endpoint.partition}:iam::{ctx.account}:root"
    if not expected:
        return passed(
            resource,
            f"Endpoint {ctx.endpoint.name} sets no account_id; checking account {ctx.account}.",
        )
    if expected == ctx.account:
        return passed(
            resource,
            f"Checking account {ctx.account}, the account endpoint {ctx.endpoint.name} is "
            "configured for.",
        )
    return failed(
        resource,
        f"The credentials belong to account {ctx.account}, but endpoint {ctx.endpoint.name} is "
        f"configured for account {expected}; the other results describe the wrong account.",
        f"Use credentials for account {expected} (for example AWS_PROFILE) and check again.",
    )


CHECKS = (checked_account,)
