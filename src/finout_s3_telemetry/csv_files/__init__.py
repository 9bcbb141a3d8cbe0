"""Telemetry CSV files: a streaming validator of Finout's format, and a safe uploader to S3.

`validate_bytes_stream` is the reusable entry point (the post-deploy checker validates S3 object
bodies with it); `validate_path` opens a local file.
"""

from finout_s3_telemetry.csv_files.problems import HINTS, Problem
from finout_s3_telemetry.csv_files.report import FileReport
from finout_s3_telemetry.csv_files.validate import (
    ByteStream,
    UnreadableFile,
    validate_bytes_stream,
    validate_path,
)

__all__ = [
    "HINTS",
    "ByteStream",
    "FileReport",
    "Problem",
    "UnreadableFile",
    "validate_bytes_stream",
    "validate_path",
]
