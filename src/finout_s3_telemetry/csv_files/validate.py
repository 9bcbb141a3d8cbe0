"""Validate a telemetry CSV file from any byte stream (a local file, an S3 object body)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Protocol

from finout_s3_telemetry.csv_files.dates import latest_day_now
from finout_s3_telemetry.csv_files.duplicates import DUPLICATE_CHECK_ROWS
from finout_s3_telemetry.csv_files.report import FileReport
from finout_s3_telemetry.csv_files.scanner import Scanner

CHUNK_SIZE = 4 << 20


class ByteStream(Protocol):
    """Anything with `read(size) -> bytes`: an open binary file, botocore's StreamingBody."""

    def read(self, size: int, /) -> bytes: ...


class UnreadableFile(OSError):
    """The file could not be opened or read (exit code 2, not a validation failure)."""


def validate_bytes_stream(
    stream: ByteStream,
    name: str,
    telemetry: str | None = None,
    *,
    known_telemetries: Collection[str] = (),
    latest_day: date | None = None,
    chunk_size: int = CHUNK_SIZE,
    fast: bool = True,
    duplicate_limit: int = DUPLICATE_CHECK_ROWS,
) -> FileReport:
    """Read `stream` to its end in chunks and report every problem, in memory that stays bounded.

    `name` is shown in the report; a name like `2022-06-07.csv` (any folder) also warns about
    rows of other days. `telemetry` names the telemetry column; otherwise a header that is one of
    `known_telemetries` is taken, else the one column that holds a number on every row.
    `latest_day` is the last day not in the future (default: today at UTC+14). `fast=False`
    checks every row on the precise path (same results, for tests). Read errors propagate.
    """
    scanner = Scanner(
        name,
        telemetry,
        known_telemetries,
        latest_day or latest_day_now(),
        fast=fast,
        duplicate_limit=duplicate_limit,
    )
    while chunk := stream.read(chunk_size):
        scanner.feed(chunk)
    return scanner.finish()


def validate_path(
    path: str | Path,
    telemetry: str | None = None,
    *,
    known_telemetries: Collection[str] = (),
    latest_day: date | None = None,
) -> FileReport:
    """Validate a local file; raises `UnreadableFile` when it cannot be opened or read."""
    try:
        with open(path, "rb") as stream:
            return validate_bytes_stream(
                stream,
                str(path),
                telemetry,
                known_telemetries=known_telemetries,
                latest_day=latest_day,
            )
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise UnreadableFile(f"{path}: cannot read the file: {reason}") from problem
