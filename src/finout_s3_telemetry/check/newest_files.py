"""The newest file in each telemetry folder, picked from the endpoint's one listing.

Shared by the content checks (FINOUT-CSV-001 validates it, FINOUT-CSV-002 judges its age), so
neither lists a folder again.
"""

from __future__ import annotations

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.snapshot import Listing, S3Object


def newest_file(listing: Listing, folder_key: str) -> S3Object | None:
    """The most recently modified file under `folder_key`, or None when it holds none.

    A key ending in `/` is a folder marker, not a file. S3 keeps LastModified to the second, so
    files written within the same second are told apart by key: the later name wins, which for
    files named by day (`2024-06-08.csv`) is the later day.
    """
    files = [obj for obj in listing.files_in(folder_key) if not obj.key.endswith("/")]
    return max(files, key=lambda obj: (obj.last_modified, obj.key), default=None)


def newest_files(ctx: EndpointContext) -> dict[str, S3Object | None] | None:
    """Telemetry -> the newest file in its folder, in config order; None when the bucket could not
    be listed (FINOUT-S3-001 or FINOUT-S3-003 reports that, once)."""
    listing = ctx.snapshot.listing
    if listing is None or not listing.is_found:
        return None
    objects = listing.get()
    return {
        telemetry: newest_file(objects, folder_key)
        for telemetry, folder_key in ctx.endpoint.folder_keys.items()
    }
