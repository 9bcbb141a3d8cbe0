"""Put validated telemetry files where Finout reads them: `<prefix>/<telemetry>/<YYYY-MM-DD>.csv`.

Safety, in order: nothing is uploaded unless every file is valid and has a place; a file is stored
only as the one day its rows hold (`--date` must agree with them), and a day that has not begun
anywhere yet only when asked (`allow_future`); an existing day is never overwritten unless asked
(`replace`); what is sent is exactly what was validated (the checksums come from the validating
read, and a file changed since is refused); each upload is checked against those checksums.

The no-overwrite guard is a conditional put (`If-None-Match: *`): S3 refuses the write with 412
when the key exists, so a file written by someone else between our look and our write is never
replaced. The moto emulator the tests run on honours the same header, so there is no separate
head-then-put path. The look beforehand (`existing_keys`) only lets a batch stop before its first
upload instead of midway.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.csv_files.digests import Digests, FileIdentity, file_digests
from finout_s3_telemetry.csv_files.progress import ProgressBar, ProgressReader
from finout_s3_telemetry.csv_files.render import shown_path
from finout_s3_telemetry.csv_files.report import FileReport
from finout_s3_telemetry.csv_files.validate import UnreadableFile, ValidatedFile, open_regular
from finout_s3_telemetry.terminal_text import printable, quoted

SINGLE_PUT_LIMIT = 5 * 1024**3
"""S3 takes at most 5 GiB in one PUT; a daily telemetry file is far smaller."""
ALLOW_FUTURE_FLAG = "--allow-future-date"
_PLAIN_MD5_ETAG = re.compile(r"[0-9a-f]{32}")
_KMS = ("aws:kms", "aws:kms:dsse")
# What S3 answers when the body it received does not have the checksum we sent along.
_BODY_CHANGED_CODES = frozenset({"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"})


@dataclass(frozen=True)
class PlannedUpload:
    path: Path
    key: str
    day: date
    report: FileReport
    digests: Digests | None = None
    """The validated bytes' checksums; None to compute them when uploading."""
    identity: FileIdentity | None = None
    """The file as validated; when set, a file changed since is not uploaded."""


@dataclass(frozen=True)
class PlanProblem:
    path: str
    message: str
    usage: bool
    """True when a flag would fix it (exit 2), False when the file does not fit (exit 1)."""


class UploadFailed(Exception):
    """The upload was refused or could not be verified."""

    def __init__(self, message: str, exists: bool = False, usage: bool = False) -> None:
        super().__init__(message)
        self.exists = exists
        self.usage = usage
        """The file changed or went away after it was validated: run the upload again (exit 2)."""


def object_key(endpoint: EndpointConfig, telemetry: str, day: date) -> str:
    return f"{endpoint.folder_key(telemetry)}{day.isoformat()}.csv"


def days_held(report: FileReport) -> str:
    """The days a file's rows hold, for a message: all of a few, else the earliest and a count."""
    if report.first_day is None or report.last_day is None:
        return "no day"
    if report.single_day is not None:
        return report.single_day.isoformat()
    shown = [day.isoformat() for day in report.days]
    count = report.day_count
    if not shown:  # a report made without the list of days
        return f"the days {report.first_day} to {report.last_day}"
    if count <= len(shown):
        return f"{count} days ({', '.join(shown[:-1])} and {shown[-1]})"
    return (
        f"{count:,} days ({', '.join(shown)} and {count - len(shown):,} more, up to "
        f"{report.last_day})"
    )


def future_day_problem(day: date, latest_day: date, given: bool) -> str:
    """Why `day` is refused without the flag; `given`: it is --date's, else the rows'."""
    source = f"--date {day} is" if given else f"the rows hold {day},"
    return (
        f"{source} a day that has not begun anywhere yet (the latest that has is {latest_day}, "
        f"at UTC+14); pass {ALLOW_FUTURE_FLAG} to upload a future day on purpose"
    )


def plan_uploads(
    endpoint: EndpointConfig,
    files: Sequence[ValidatedFile | FileReport],
    day: date | None,
    *,
    latest_day: date | None = None,
    allow_future: bool = False,
) -> tuple[list[PlannedUpload], list[PlanProblem]]:
    """Where each valid file goes; problems for files with no single place.

    A file goes to the one day its rows hold; `day` (`--date`) must be that day (a file with no
    rows goes only to a `day` given). A day later than `latest_day` needs `allow_future`.
    """
    planned: list[PlannedUpload] = []
    problems: list[PlanProblem] = []
    for file in files:
        checked = file if isinstance(file, ValidatedFile) else None
        report = checked.report if checked else file
        assert isinstance(report, FileReport)
        telemetry = report.telemetry
        if telemetry is None or telemetry not in endpoint.telemetries:
            known = ", ".join(endpoint.telemetries)
            column = "could not be told" if telemetry is None else quoted(telemetry)
            problems.append(
                PlanProblem(
                    report.path,
                    f"the telemetry column {column} is "
                    f"not a telemetry of endpoint {quoted(endpoint.name)} ({known}); rename "
                    "the column, or add the telemetry to the config and deploy",
                    False,
                )
            )
            continue
        placed = _day_of(report, day)
        if isinstance(placed, PlanProblem):
            problems.append(placed)
            continue
        if latest_day is not None and placed > latest_day and not allow_future:
            message = future_day_problem(placed, latest_day, given=day is not None)
            problems.append(PlanProblem(report.path, message, True))
            continue
        size = _size(checked, report)
        if isinstance(size, PlanProblem):
            problems.append(size)
            continue
        if size > SINGLE_PUT_LIMIT:
            problems.append(
                PlanProblem(
                    report.path,
                    "the file is larger than 5 GiB, which one S3 upload cannot hold; split it",
                    False,
                )
            )
            continue
        planned.append(
            PlannedUpload(
                Path(report.path),
                object_key(endpoint, telemetry, placed),
                placed,
                report,
                checked.digests if checked else None,
                checked.identity if checked else None,
            )
        )
    seen: dict[str, str] = {}
    for upload in planned:
        if upload.key in seen:
            problems.append(
                PlanProblem(
                    str(upload.path),
                    f"{shown_path(seen[upload.key])} is also to be "
                    f"stored as {printable(upload.key)}; upload one file per telemetry and day",
                    True,
                )
            )
        seen.setdefault(upload.key, str(upload.path))
    return planned, problems


def _day_of(report: FileReport, day: date | None) -> date | PlanProblem:
    """The day a file is stored as: the one day its rows hold, which `day` must agree with.

    Storing rows under another day's name would file them under the wrong day in Finout and,
    with `replace`, overwrite that day's real file; so a mismatch is the file not fitting (exit
    1), not something a flag overrides.
    """
    if report.first_day is None:
        if day is not None:
            return day  # a header-only file holds no day to disagree with the one given
        return PlanProblem(
            report.path,
            "the file has no rows, so no day to be stored as; pass --date YYYY-MM-DD to "
            "store it as that day anyway",
            True,
        )
    held = days_held(report)
    if report.single_day is not None:
        if day is None or day == report.single_day:
            return report.single_day
        return PlanProblem(
            report.path,
            f"--date {day} does not match the file, whose rows all hold {held}; pass --date "
            f"{held} or leave --date out",
            False,
        )
    told = f"--date {day} does not match the file: " if day is not None else ""
    return PlanProblem(
        report.path,
        f"{told}its rows hold {held}, and a file is stored as one day's file; split it into "
        "one file per day",
        False,
    )


def _size(checked: ValidatedFile | None, report: FileReport) -> int | PlanProblem:
    if checked is not None:
        return checked.identity.size
    try:
        return Path(report.path).stat().st_size
    except OSError as problem:
        return PlanProblem(
            report.path, f"cannot read the file any more: {problem.strerror or problem}", True
        )


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


def changed_since_validation(planned: Sequence[PlannedUpload]) -> list[str]:
    """One line for each planned file that is gone or changed since it was validated, so that a
    batch stops before its first upload rather than midway."""
    lines = []
    for upload in planned:
        if upload.identity is None:
            continue
        shown = shown_path(str(upload.path))
        try:
            current = FileIdentity.of(os.stat(upload.path))
        except OSError as problem:
            lines.append(
                f"{shown} cannot be read any more ({problem.strerror or problem}): it was moved "
                "or deleted after it was validated; put it back and run the upload again"
            )
            continue
        if current != upload.identity:
            lines.append(
                f"{shown} changed after it was validated; run the upload again to validate "
                "what it holds now"
            )
    return lines


def upload_verified(
    client: Any, bucket: str, upload: PlannedUpload, replace: bool, bar: ProgressBar
) -> Digests:
    """Upload one file and prove S3 holds exactly its bytes; raises UploadFailed otherwise.

    With `upload.identity` set, the file must still be the one validated, and its bytes must
    still have the validated checksums (sent along, so S3 refuses any other body).
    """
    from botocore.exceptions import ClientError

    where = f"s3://{bucket}/{upload.key}"
    shown = shown_path(str(upload.path))
    digests = upload.digests or file_digests(upload.path)
    # With a checksum sent along, S3 itself refuses a body that arrives altered (BadDigest).
    conditions = {} if replace else {"IfNoneMatch": "*"}
    try:
        stream = open_regular(upload.path)
    except UnreadableFile as problem:
        bar.close()
        raise UploadFailed(
            f"{shown}: {problem.reason}; it was not uploaded (was it moved or deleted after "
            "it was validated?): put it back and run the upload again",
            usage=True,
        ) from None
    try:
        with stream:
            now = FileIdentity.of(os.fstat(stream.fileno()))
            if upload.identity is not None and now != upload.identity:
                raise UploadFailed(
                    f"{shown} changed after it was validated, and was not uploaded; run "
                    "the upload again to validate what it holds now",
                    usage=True,
                )
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
        code = str(problem.response.get("Error", {}).get("Code", ""))
        if _status(problem) == 412:
            raise UploadFailed(
                f"{printable(where)} was written meanwhile; not "
                "replaced (pass --replace to overwrite it)",
                exists=True,
            ) from None
        if code in _BODY_CHANGED_CODES:
            raise UploadFailed(
                f"{shown} changed while it was uploaded, so S3 refused it ({code}) and "
                f"{printable(where)} was not written; run the upload again",
                usage=True,
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
    where = printable(f"s3://{bucket}/{key}")
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
