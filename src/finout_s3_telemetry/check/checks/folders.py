"""FINOUT-S3-003: every telemetry folder exists, judged from the endpoint's one listing."""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed, warned


@check("FINOUT-S3-003", Severity.HIGH, "Every telemetry folder exists")
def telemetry_folders(ctx: EndpointContext) -> Finding | None:
    listing = ctx.snapshot.listing
    if listing is None:
        return None
    where = ctx.bucket_url
    if not listing.is_found:
        return failed(
            where,
            f"The objects under {where} could not be listed ({listing.why()}).",
            f"Let the checker call s3:ListBucket on bucket {ctx.endpoint.bucket}.",
        )
    objects = listing.get()
    folders = ctx.endpoint.folder_keys
    absent = [key for key in folders.values() if key not in objects.keys]
    gone = [key for key in absent if not objects.files_in(key)]
    markerless = [key for key in absent if key not in gone]
    if gone:
        return failed(
            where,
            f"{len(gone)} of {len(folders)} telemetry folders are missing in bucket "
            f"{ctx.endpoint.bucket}: {listed(gone)}.",
            ctx.deploy("recreate them"),
        )
    if markerless:
        return warned(
            where,
            f"The folder objects {listed(markerless)} are missing in bucket {ctx.endpoint.bucket}, "
            "but files exist under them, so Finout still reads them.",
            ctx.deploy("recreate the folder objects"),
        )
    return passed(where, f"All {len(folders)} telemetry folders exist under {where}.")


CHECKS = (telemetry_folders,)
