"""The newest file in each telemetry folder, picked from the endpoint's one listing.

Shared by the content checks (FINOUT-CSV-001 validates it, FINOUT-CSV-002 judges its age), so
neither lists a folder again.
"""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.snapshot import S3Object


def newest_files(ctx: EndpointContext) -> dict[str, S3Object | None] | None:
    """Telemetry -> the newest file in its folder, in config order; None when the bucket could not
    be listed (FINOUT-S3-001 or FINOUT-S3-003 reports that, once)."""
    listing = ctx.snapshot.listing
    if listing is None or not listing.is_found:
        return None
    objects = listing.get()
    return {
        telemetry: objects.newest_in(folder_key)
        for telemetry, folder_key in ctx.endpoint.folder_keys.items()
    }
