"""Put validated telemetry files where Finout reads them: `<prefix>/<telemetry>/<YYYY-MM-DD>.csv`.

Safety, in order: nothing is uploaded unless every file is valid and has a place; an existing day
is never overwritten unless asked (`replace`); each upload is checked against local checksums.

The no-overwrite guard is a conditional put (`If-None-Match: *`): S3 refuses the write with 412
when the key exists, so a file written by someone else between our look and our write is never
replaced. The moto emulator the tests run on honours the same header, so there is no separate
head-then-put path. The look beforehand (`existing_keys`) only lets a batch stop before its first
upload instead of midway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.csv_files.digests import Digests, file_digests
from finout_s3_telemetry.csv_files.progress import ProgressBar, ProgressReader
from finout_s3_telemetry.csv_files.report import FileReport

SINGLE_PUT_LIMIT = 5 * 1024**3
"""S3 takes at most 5 GiB in one PUT; a daily telemetry file is far smaller."""
_PLAIN_MD5_ETAG = re.compile(r"[0-9a-f]{32}")
_KMS = ("aws:kms", "aws:kms:dsse")


@dataclass(frozen=True)
class PlannedUpload:
    path: Path
    key: str
    day: date
    report: FileReport


@dataclass(frozen=True)
class PlanProblem:
    path: str
    message: str
    usage: bool
    """True when a flag would fix it (exit 2), False when the file does not fit (exit 1)."""


class UploadFailed(Exception):
    """The upload was refused or could not be verified."""

    def __init__(self, message: str, exists: bool = False) -> None:
        super().__init__(message)
        self.exists = exists


def object_key(endpoint: EndpointConfig, telemetry: str, day: date) -> str:
    return f"{endpoint.folder_key(telemetry)}{day.isoformat()}.csv"


def plan_uploads(
    endpoint: EndpointConfig, reports: Sequence[FileReport], day: date | None
) -> tuple[list[PlannedUpload], list[PlanProblem]]:
    """Where each valid file goes; problems for files with no single place."""
    planned: list[PlannedUpload] = []
    problems: list[PlanProblem] = []
    for report in reports:
        telemetry = report.telemetry
        if telemetry is None or telemetry not in endpoint.telemetries:
            known = ", ".join(endpoint.telemetries)
            problems.append(
                PlanProblem(
                    report.path,
                    f"the telemetry column {telemetry!r} is "
                    f"not a telemetry of endpoint {endpoint.name!r} ({known}); rename "
                    "the column, or add the telemetry to the config and deploy",
                    False,
                )
            )
            continue
        file_day = day or report.single_day
        if file_day is None:
            held = (
                f"holds {report.first_day} to {report.last_day}"
                if report.first_day
                else "holds no rows"
            )
            problems.append(
                PlanProblem(
                    report.path,
                    f"the file {held}; pass --date YYYY-MM-DD to name the day it is stored as",
                    True,
                )
            )
            continue
        path = Path(report.path)
        if path.stat().st_size > SINGLE_PUT_LIMIT:
            problems.append(
                PlanProblem(
                    report.path,
                    "the file is larger than 5 GiB, which one S3 upload cannot hold; split it",
                    False,
                )
            )
            continue
        planned.append(
            PlannedUpload(path, object_key(endpoint, telemetry, file_day), file_day, report)
        )
    seen: dict[str, str] = {}
    for upload in planned:
        if upload.key in seen:
            problems.append(
                PlanProblem(
                    str(upload.path),
                    f"{seen[upload.key]} is also to be "
                    f"stored as {upload.key}; upload one file per telemetry and day",
                    True,
                )
            )
        seen.setdefault(upload.key, str(upload.path))
    return planned, problems


def existing_keys(client: Any, bucket: str, keys: Sequence[str]) -> list[str]:
    """The keys that already hold an object (a key we may not look at counts as free: the
    conditional put still guards it)."""
    from botocore.exceptions import ClientError

    found = []
    for key in keys:
        try:
            client.head_object(Bucket=bucket, Key=key)
        except ClientError as problem:
            if _status(problem) in (403, 404):
                continue
            raise
        found.append(key)
    return found


def upload_verified(
    client: Any, bucket: str, upload: PlannedUpload, replace: bool, bar: ProgressBar
) -> Digests:
    """Upload one file and prove S3 holds exactly its bytes; raises UploadFailed otherwise."""
    from botocore.exceptions import ClientError

    digests = file_digests(upload.path)
    # With a checksum sent along, S3 itself refuses a body that arrives altered (BadDigest).
    conditions = {} if replace else {"IfNoneMatch": "*"}
    try:
        with upload.path.open("rb") as stream:
            response = client.put_object(
                Bucket=bucket,
                Key=upload.key,
                Body=ProgressReader(stream, bar),
                ContentLength=digests.size,
                ContentType="text/csv; charset=utf-8",
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=digests.sha256_base64,
                **conditions,
            )
    except ClientError as problem:
        if _status(problem) == 412:
            raise UploadFailed(
                f"s3://{bucket}/{upload.key} was written meanwhile; not "
                "replaced (pass --replace to overwrite it)",
                exists=True,
            ) from None
        raise
    finally:
        bar.close()
    verify_upload(client, bucket, upload.key, digests, response.get("VersionId"))
    return digests


def verify_upload(
    client: Any, bucket: str, key: str, digests: Digests, version_id: str | None = None
) -> None:
    """Compare the stored object (this very version, on a versioned bucket) with the local file.

    Size always; SHA-256 when S3 kept the checksum; the ETag when it is a plain MD5 (single-part
    uploads not encrypted with KMS), which is also what catches an emulator that stores a
    checksum without checking it.
    """
    request: dict[str, Any] = {"Bucket": bucket, "Key": key, "ChecksumMode": "ENABLED"}
    if version_id and version_id != "null":
        request["VersionId"] = version_id
    head = client.head_object(**request)
    where = f"s3://{bucket}/{key}"
    if head["ContentLength"] != digests.size:
        raise UploadFailed(f"{where} holds {head['ContentLength']} bytes, the file {digests.size}")
    stored_sha = head.get("ChecksumSHA256")
    if stored_sha is not None and stored_sha != digests.sha256_base64:
        raise UploadFailed(
            f"{where}: SHA-256 {stored_sha} differs from the file's {digests.sha256_base64}"
        )
    etag = str(head.get("ETag", "")).strip('"')
    plain = _PLAIN_MD5_ETAG.fullmatch(etag) and head.get("ServerSideEncryption") not in _KMS
    if plain and etag != digests.md5_hex:
        raise UploadFailed(f"{where}: MD5 {etag} differs from the file's {digests.md5_hex}")
    if stored_sha is None and not plain:
        raise UploadFailed(
            f"{where}: S3 returned neither a SHA-256 checksum nor a plain MD5 "
            "ETag, so the upload cannot be verified"
        )


def _status(problem: Exception) -> int | None:
    response = getattr(problem, "response", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None
