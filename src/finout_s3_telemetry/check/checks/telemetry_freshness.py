"""FINOUT-CSV-002: every telemetry folder holds a file, and its newest is at most N days old.

A warning, not a failure: right after a deploy every folder is empty, and a late upload is not a
broken endpoint. But an empty or stale folder feeds Finout nothing, which is worth saying. Ages
come from the listing's LastModified (no extra call), judged against the run's `now`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.newest_files import newest_files
from finout_s3_telemetry.check.registry import Finding, check, listed, passed, warned
from finout_s3_telemetry.check.snapshot import S3Object


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def _age(age: timedelta) -> str:
    """`2 days 3 hours`: whole days alone would say "2 days" of a file past a 2-day limit."""
    hours = age.seconds // 3600
    return _days(age.days) + (f" {hours} hour{'' if hours == 1 else 's'}" if hours else "")


def _stale(ctx: EndpointContext, obj: S3Object) -> str:
    """`s3://b/k (last modified 2024-06-01 10:00 UTC, 5 days 2 hours ago)`."""
    when = obj.last_modified.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"s3://{ctx.endpoint.bucket}/{obj.key} "
        f"(last modified {when}, {_age(ctx.now - obj.last_modified)} ago)"
    )


@check("FINOUT-CSV-002", Severity.MEDIUM, "Every telemetry folder has a recent file")
def folders_have_recent_files(ctx: EndpointContext) -> Finding | None:
    newest = newest_files(ctx)
    if newest is None:
        return None
    where = ctx.bucket_url
    folders = ctx.endpoint.folder_keys
    limit = ctx.max_age_days
    oldest_allowed: datetime = ctx.now - timedelta(days=limit)
    empty = [folders[t] for t, obj in newest.items() if obj is None]
    stale = [
        obj for obj in newest.values() if obj is not None and obj.last_modified < oldest_allowed
    ]
    if not empty and not stale:
        return passed(
            where,
            f"All {len(folders)} telemetry folders under {where} hold a file modified within "
            f"the last {_days(limit)}.",
        )
    sentences = []
    if empty:
        sentences.append(
            f"{len(empty)} of {len(folders)} telemetry folders under {where} hold no file yet: "
            f"{listed(empty)}."
        )
    if stale:
        sentences.append(
            f"The newest file in {len(stale)} of {len(folders)} telemetry folders under {where} "
            f"is older than {_days(limit)}: {listed([_stale(ctx, obj) for obj in stale])}."
        )
    return warned(
        where,
        " ".join(sentences),
        f"Upload each day's file with `finout-telemetry upload --endpoint {ctx.endpoint.name} "
        "FILE`: Finout reads only what is in the folders. Empty folders are expected until the "
        f"first upload after a deploy; pass --max-age-days to allow files older than "
        f"{_days(limit)}.",
    )


CHECKS = (folders_have_recent_files,)
