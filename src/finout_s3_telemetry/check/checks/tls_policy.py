"""FINOUT-S3-008: a created bucket's policy still refuses requests made without TLS."""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import (
    Finding,
    bucket_setting_unreadable,
    check,
    failed,
    listed,
    passed,
    warned,
)
from finout_s3_telemetry.iam_policies import (
    describe_statement,
    normalize_statement,
    statements,
)


@check("FINOUT-S3-008", Severity.MEDIUM, "The bucket policy denies requests without TLS")
def tls_only_policy(ctx: EndpointContext) -> Finding | None:
    read, name, arn = ctx.snapshot.bucket_policy, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if read is None or ctx.endpoint.existing_bucket:
        return None
    if read.state == "missing":
        return failed(
            arn,
            f"Bucket {name} has no bucket policy, so it accepts requests made without TLS.",
            ctx.deploy("restore the TLS-only policy"),
        )
    if not read.is_found:
        return bucket_setting_unreadable(ctx, "policy", read.why(), "s3:GetBucketPolicy")
    live = [normalize_statement(s) for s in statements(read.get())]
    wanted = [normalize_statement(s) for s in statements(ctx.expected_tls_policy)]
    lacking = [s for s in wanted if s not in live]
    if lacking:
        return failed(
            arn,
            f"Bucket {name}'s policy lacks the TLS-only statement "
            f"({listed([describe_statement(s) for s in lacking])}), so it accepts requests made "
            "without TLS.",
            ctx.deploy("restore the TLS-only policy"),
        )
    others = [s for s in live if s not in wanted]
    if others:
        return warned(
            arn,
            f"Bucket {name}'s policy denies requests without TLS but also has "
            f"{len(others)} statement(s) the stack did not deploy: "
            f"{listed([describe_statement(s) for s in others])}.",
            f"Review them; {ctx.deploy('replace the policy with the deployed one')}",
        )
    return passed(arn, f"Bucket {name}'s policy denies every request made without TLS.")


CHECKS = (tls_only_policy,)
