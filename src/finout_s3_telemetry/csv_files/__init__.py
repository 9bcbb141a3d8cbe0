"""Telemetry CSV files: a streaming validator of Finout's format, and a safe uploader to S3.

`validate_bytes_stream` is the reusable entry point (the post-deploy checker validates S3 object
bodies with it); `validate_path` opens a local file (a regular file only), `validate_local_file`
also returns its identity and checksums, `validate_stdin` reads standard input.
"""

from finout_s3_telemetry.csv_files.problems import HINTS, Problem
from finout_s3_telemetry.csv_files.report import FileReport
from finout_s3_telemetry.csv_files.validate import (
    STDIN,
    ByteStream,
    UnreadableFile,
    ValidatedFile,
    validate_bytes_stream,
    validate_local_file,
    validate_path,
    validate_stdin,
)

__all__ = [
    "HINTS",
    "STDIN",
    "ByteStream",
    "FileReport",
    "Problem",
    "UnreadableFile",
    "ValidatedFile",
    "validate_bytes_stream",
    "validate_local_file",
    "validate_path",
    "validate_stdin",
]
