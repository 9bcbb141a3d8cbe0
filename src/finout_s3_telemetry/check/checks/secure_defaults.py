"""Secure defaults of a bucket this project created: FINOUT-S3-004 public access block,
FINOUT-S3-005 object ownership, FINOUT-S3-006 default encryption, FINOUT-S3-007 versioning.

An existing bucket (existing_bucket: true) is the customer's: its settings are neither changed nor
judged, so these checks do not apply (no result). (Its ownership controls and encryption are
still read, for what decides whether Finout can read: FINOUT-S3-010 and FINOUT-KMS-001.)
"""

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

PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


@check("FINOUT-S3-004", Severity.HIGH, "Public access is blocked")
def public_access_block(ctx: EndpointContext) -> Finding | None:
    read, name, arn = ctx.snapshot.public_access_block, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if read is None:
        return None
    if read.state == "missing":
        return failed(
            arn,
            f"Bucket {name} has no public access block; all four protections are off.",
            ctx.deploy("restore it"),
        )
    if not read.is_found:
        return bucket_setting_unreadable(
            ctx, "public access block", read.why(), "s3:GetBucketPublicAccessBlock"
        )
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not read.get().get(flag, False)]
    if off:
        return failed(
            arn,
            f"Bucket {name}'s public access block has {listed(off)} turned off.",
            ctx.deploy("restore it"),
        )
    return passed(arn, f"Bucket {name} blocks all public access (all four settings on).")


@check("FINOUT-S3-005", Severity.MEDIUM, "ACLs are disabled (BucketOwnerEnforced)")
def object_ownership(ctx: EndpointContext) -> Finding | None:
    read, name, arn = ctx.snapshot.ownership, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if read is None or ctx.endpoint.existing_bucket:
        return None
    if read.state == "missing":
        return failed(
            arn,
            f"Bucket {name} has no ownership controls, so object ACLs are in effect.",
            ctx.deploy("restore BucketOwnerEnforced"),
        )
    if not read.is_found:
        return bucket_setting_unreadable(
            ctx, "ownership controls", read.why(), "s3:GetBucketOwnershipControls"
        )
    if read.get() != "BucketOwnerEnforced":
        return failed(
            arn,
            f"Bucket {name}'s object ownership is {read.get()}, not BucketOwnerEnforced, so object "
            "ACLs are in effect.",
            ctx.deploy("restore BucketOwnerEnforced"),
        )
    return passed(arn, f"Bucket {name} enforces bucket-owner ownership; ACLs are disabled.")


@check("FINOUT-S3-006", Severity.MEDIUM, "Default encryption is as configured")
def default_encryption(ctx: EndpointContext) -> Finding | None:
    read, name, arn = ctx.snapshot.encryption, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if read is None or ctx.endpoint.existing_bucket:
        return None
    wanted = "SSE-KMS" if ctx.endpoint.uses_kms else "SSE-S3"
    if read.state == "missing" or (read.is_found and not any(read.get().algorithms)):
        return failed(
            arn, f"Bucket {name} has no default encryption.", ctx.deploy(f"restore {wanted}")
        )
    if not read.is_found:
        return bucket_setting_unreadable(
            ctx, "default encryption", read.why(), "s3:GetEncryptionConfiguration"
        )
    rule = read.get()
    algorithms = [a for a in rule.algorithms if a]
    if not ctx.endpoint.uses_kms:
        if "AES256" in algorithms:
            return passed(
                arn, f"Bucket {name} encrypts new objects by default with SSE-S3 (AES256)."
            )
        return warned(
            arn,
            f"Bucket {name} encrypts by default with {listed(algorithms)}, not SSE-S3 as "
            "deployed; FINOUT-KMS-001 says whether Finout's role may decrypt.",
            f"{ctx.deploy('restore SSE-S3')} Or declare the key in the config "
            "(`encryption: sse-kms`, `kms_key: <key ARN>`).",
        )
    configured = ctx.endpoint.kms_key or ""
    named = configured if configured.startswith("arn:") else ""
    if "aws:kms" not in algorithms or (named and rule.kms_key not in (named, named.split("/")[-1])):
        found = f"{listed(algorithms)}" + (f" with key {rule.kms_key}" if rule.kms_key else "")
        return failed(
            arn,
            f"Bucket {name} encrypts by default with {found}, not with the configured "
            f"SSE-KMS key {named or '(the key the stack created)'}.",
            ctx.deploy("restore it"),
        )
    if not rule.bucket_key:
        return warned(
            arn,
            f"Bucket {name} encrypts by default with SSE-KMS but S3 Bucket Keys are off, so "
            "every read calls KMS (slower and billed per request).",
            ctx.deploy("turn Bucket Keys on again"),
        )
    return passed(
        arn,
        f"Bucket {name} encrypts new objects by default with SSE-KMS under key "
        f"{rule.kms_key} (Bucket Keys on).",
    )


@check("FINOUT-S3-007", Severity.LOW, "Versioning is enabled")
def versioning(ctx: EndpointContext) -> Finding | None:
    read, name, arn = ctx.snapshot.versioning, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if read is None:
        return None
    if not read.is_found:
        return bucket_setting_unreadable(
            ctx, "versioning status", read.why(), "s3:GetBucketVersioning"
        )
    if read.get() != "Enabled":
        state = read.get() or "never enabled"
        return failed(
            arn,
            f"Bucket {name}'s versioning is {state}, so an overwritten or deleted telemetry file "
            "cannot be recovered.",
            ctx.deploy("enable it again"),
        )
    return passed(arn, f"Bucket {name} keeps object versions.")


CHECKS = (public_access_block, object_ownership, default_encryption, versioning)
