"""FINOUT-S3-010: on a bucket with ACLs enabled, the newest file of each folder is owned by the
bucket owner.

With ACLs enabled (Object Ownership other than BucketOwnerEnforced, or no ownership controls on a
bucket made before April 2023), a file written by another account belongs to that account; the
bucket owner's policies, Finout's role included, do not reach it. One GetObjectAcl per non-empty
folder, on its newest file: what a recent upload looks like is what Finout reads next.
"""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed, warned
from finout_s3_telemetry.check.snapshot import BUCKET_OWNER_ENFORCED, acls_enabled


@check("FINOUT-S3-010", Severity.HIGH, "Files are owned by the bucket owner")
def files_owned_by_bucket_owner(ctx: EndpointContext) -> Finding | None:
    ownership, name, arn = ctx.snapshot.ownership, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if ownership is None:
        return None
    enforce = (
        f"Set Object Ownership of bucket {name} to {BUCKET_OWNER_ENFORCED} (`aws s3api "
        f"put-bucket-ownership-controls --bucket {name} --ownership-controls "
        f"Rules=[{{ObjectOwnership={BUCKET_OWNER_ENFORCED}}}]`), which disables ACLs and makes "
        "the bucket owner own every file"
    )
    if not acls_enabled(ownership):
        if ownership.is_found:
            return passed(
                arn,
                f"Bucket {name} has ACLs disabled ({BUCKET_OWNER_ENFORCED}), so the bucket owner "
                "owns every file.",
            )
        return warned(
            arn,
            f"Whether bucket {name} has ACLs enabled could not be read ({ownership.why()}), so "
            "the owners of its files were not checked.",
            f"Let the checker call s3:GetBucketOwnershipControls on bucket {name}.",
        )
    listing = ctx.snapshot.listing
    if listing is None or not listing.is_found:
        why = listing.why() if listing is not None else "not read"
        return warned(
            arn,
            f"Bucket {name} has ACLs enabled and its files could not be listed ({why}), so "
            "their owners were not checked.",
            f"Let the checker call s3:ListBucket on bucket {name}; or: {enforce}.",
        )
    if not ctx.snapshot.newest_heads:
        return passed(
            arn,
            f"Bucket {name} has ACLs enabled, but no telemetry folder holds a file yet; files "
            "that another account uploads will not be readable by Finout.",
        )
    owner = ctx.snapshot.bucket_owner
    if owner is None or not owner.is_found:
        why = owner.why() if owner is not None else "not read"
        return warned(
            arn,
            f"Bucket {name} has ACLs enabled and its owner could not be read ({why}).",
            f"Let the checker call s3:GetBucketAcl on bucket {name}.",
        )
    foreign, unreadable = [], []
    for folder, read in ctx.snapshot.newest_owners.items():
        head = ctx.snapshot.newest_heads.get(folder)
        key = head.get().key if head is not None and head.is_found else folder
        if not read.is_found:
            unreadable.append(f"s3://{name}/{key} ({read.why()})")
        elif read.get() != owner.get():
            foreign.append(f"s3://{name}/{key}")
    if foreign:
        return failed(
            arn,
            f"Bucket {name} has ACLs enabled and {len(foreign)} newest file(s) belong to another "
            f"account than the bucket's, so Finout cannot read them: {listed(foreign)}.",
            f"{enforce}; or upload the files again from the bucket owner's account.",
        )
    if unreadable:
        return warned(
            arn,
            f"Bucket {name} has ACLs enabled and the owner of {listed(unreadable)} could not be "
            "read; a file another account owns cannot be read by Finout.",
            f"Let the checker call s3:GetObjectAcl in bucket {name}; or: {enforce}.",
        )
    return passed(
        arn,
        f"Bucket {name} has ACLs enabled, and the newest file of each of "
        f"{len(ctx.snapshot.newest_owners)} non-empty folders is owned by the bucket owner.",
    )


CHECKS = (files_owned_by_bucket_owner,)
