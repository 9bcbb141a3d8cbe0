"""FINOUT-S3-001 the bucket exists; FINOUT-S3-002 it is in the configured region."""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, passed


def _arn(ctx: EndpointContext) -> str:
    return ctx.endpoint.bucket_arn


@check("FINOUT-S3-001", Severity.CRITICAL, "The bucket exists")
def bucket_exists(ctx: EndpointContext) -> Finding:
    name, region = ctx.endpoint.bucket, ctx.snapshot.bucket_region
    if region.is_found:
        return passed(_arn(ctx), f"Bucket {name} exists.")
    if region.state == "missing":
        if ctx.endpoint.existing_bucket:
            fix = (
                f"Create bucket {name}, or correct `bucket` for endpoint {ctx.endpoint.name} in "
                "the config (it is marked existing_bucket, so a deploy will not create it)."
            )
        else:
            fix = ctx.deploy("create it")
        return failed(_arn(ctx), f"Bucket {name} does not exist.", fix)
    return failed(
        _arn(ctx),
        f"Bucket {name} could not be read with these credentials ({region.why()}); it may "
        "belong to another account.",
        f"Check that bucket {name} is in account {ctx.endpoint.account_id or ctx.account} and "
        "that the checker may call s3:GetBucketLocation on it.",
    )


@check("FINOUT-S3-002", Severity.HIGH, "The bucket is in the configured region")
def bucket_region(ctx: EndpointContext) -> Finding | None:
    region = ctx.snapshot.bucket_region
    if not region.is_found:
        return None
    name, actual, expected = ctx.endpoint.bucket, region.get(), ctx.endpoint.region
    if actual == expected:
        return passed(_arn(ctx), f"Bucket {name} is in {actual}, as configured.")
    return failed(
        _arn(ctx),
        f"Bucket {name} is in {actual}, not in {expected} as configured; Finout would be given "
        "the wrong region.",
        f"Set `region: {actual}` for endpoint {ctx.endpoint.name} in the config (a bucket cannot "
        "move between regions).",
    )


CHECKS = (bucket_exists, bucket_region)
