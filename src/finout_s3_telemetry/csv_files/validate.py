"""Validate a telemetry CSV file from any byte stream (a local file, an S3 object body)."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, BinaryIO, Protocol, runtime_checkable

from finout_s3_telemetry.csv_files.dates import latest_day_now
from finout_s3_telemetry.csv_files.digests import DigestingReader, Digests, FileIdentity
from finout_s3_telemetry.csv_files.duplicates import UNDECIDED_HASHES, Reopen
from finout_s3_telemetry.csv_files.report import FileReport
from finout_s3_telemetry.csv_files.scanner import Scanner

CHUNK_SIZE = 4 << 20
COPY_IN_MEMORY = 8 << 20
"""A stream that cannot be read twice is copied, for the duplicate check to re-read rows from:
in memory up to this size, then in a temporary file deleted with the report done."""
STDIN = "-"
"""The FILE argument that means standard input."""
STDIN_NAME = "<stdin>"
"""How standard input is named in reports."""
_READABLE_HINT = "check the path and the file's permissions"
_REGULAR_HINT = "pass a regular CSV file, or - to read standard input (a pipe, for instance)"
# What a path may name besides a regular file; reading one would never end (/dev/zero), block
# (a FIFO with no writer) or fail obscurely (a directory, a socket).
_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class ByteStream(Protocol):
    """Anything with `read(size) -> bytes`: an open binary file, botocore's StreamingBody."""

    def read(self, size: int, /) -> bytes: ...


class UnreadableFile(OSError):
    """The file could not be opened or read (exit code 2, not a validation failure).

    `str()` is `<path>: <reason>` with the path exact (for JSON); `shown()` is the same line safe
    for a terminal.
    """

    def __init__(self, path: str, reason: str, hint: str = _READABLE_HINT) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.hint = hint

    def shown(self) -> str:
        from finout_s3_telemetry.csv_files.render import shown_path

        return f"{shown_path(self.path)}: {self.reason}"


@dataclass(frozen=True)
class ValidatedFile:
    """A local file's report, which file it was, and its checksums when asked for."""

    report: FileReport
    identity: FileIdentity
    digests: Digests | None = None


def validate_bytes_stream(
    stream: ByteStream,
    name: str,
    telemetry: str | None = None,
    *,
    known_telemetries: Collection[str] = (),
    latest_day: date | None = None,
    chunk_size: int = CHUNK_SIZE,
    fast: bool = True,
    duplicate_limit: int = UNDECIDED_HASHES,
) -> FileReport:
    """Read `stream` to its end in chunks and report every problem, in memory that stays bounded.

    `name` is shown in the report; a name like `2022-06-07.csv` (any folder) also warns about
    rows of other days. `telemetry` names the telemetry column; otherwise a header that is one of
    `known_telemetries` is taken, else the one column that holds a number on every row.
    `latest_day` is the last day not in the future (default: today at UTC+14). `fast=False`
    checks every row on the precise path (same results, for tests). The duplicate check reads
    again the rows that may repeat others: from `stream` itself when it can seek, else from a
    copy kept while reading it (`COPY_IN_MEMORY`); `duplicate_limit` is the keys it holds while
    several columns may be the telemetry (`duplicates.UNDECIDED_HASHES`). Read errors propagate.
    """
    return _validate(
        stream,
        stream,
        Scanner(
            name,
            telemetry,
            known_telemetries,
            latest_day or latest_day_now(),
            fast=fast,
            duplicate_limit=duplicate_limit,
        ),
        chunk_size,
    )


def _validate(stream: ByteStream, again: object, scanner: Scanner, chunk_size: int) -> FileReport:
    """Feed `stream` to `scanner`; `again` is where its bytes can be read a second time (a
    seekable file, at the position `stream` starts from), or anything else to keep a copy."""
    with ExitStack() as cleanup:
        reopen = _seeking(again)
        copy: _StreamCopy | None = None
        if reopen is None:
            copy = _StreamCopy(cleanup.enter_context(_copy_file()))
            reopen = copy.reopen
        while chunk := stream.read(chunk_size):
            if copy is not None:
                copy.write(chunk)
            scanner.feed(chunk)
        return scanner.finish(reopen)


@runtime_checkable
class _Rewindable(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def seekable(self) -> bool: ...
    def tell(self) -> int: ...
    def seek(self, offset: int, /) -> int: ...


def _seeking(stream: object) -> Reopen | None:
    """A way to read `stream` again from where it is now, when it can seek."""
    if not isinstance(stream, _Rewindable):
        return None
    rewindable = stream
    try:
        if not rewindable.seekable():
            return None
        start = rewindable.tell()
    except (OSError, ValueError):
        return None

    def reopen() -> ByteStream:
        rewindable.seek(start)
        return rewindable

    return reopen


def _copy_file() -> IO[bytes]:
    """Where a stream that cannot seek is copied; the caller closes it, which deletes it."""
    return tempfile.SpooledTemporaryFile(max_size=COPY_IN_MEMORY)


class _StreamCopy:
    """Everything read from a stream, kept in `file` to read it again. A copy that cannot be
    kept (a full disk) only means the duplicate check cannot confirm what it found."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file: IO[bytes] | None = file
        self._failed = ""

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            return
        try:
            self._file.write(chunk)
        except OSError as problem:
            why = problem.strerror or str(problem)
            self._failed = f"the copy of the input could not be kept: {why}"
            self._file = None

    def reopen(self) -> ByteStream:
        if self._file is None:
            raise OSError(self._failed)
        self._file.seek(0)
        return self._file


def validate_path(
    path: str | Path,
    telemetry: str | None = None,
    *,
    known_telemetries: Collection[str] = (),
    latest_day: date | None = None,
) -> FileReport:
    """Validate a local file; raises `UnreadableFile` when it cannot be opened or read, or is no
    regular file."""
    return validate_local_file(
        path, telemetry, known_telemetries=known_telemetries, latest_day=latest_day
    ).report


def validate_local_file(
    path: str | Path,
    telemetry: str | None = None,
    *,
    known_telemetries: Collection[str] = (),
    latest_day: date | None = None,
    digests: bool = False,
) -> ValidatedFile:
    """`validate_path`, with the file's identity and, with `digests`, its checksums from the
    same read (so an upload can prove it sends exactly the bytes that were validated)."""
    with open_regular(path) as stream:
        identity = FileIdentity.of(os.fstat(stream.fileno()))
        reader = DigestingReader(stream) if digests else None
        scanner = Scanner(str(path), telemetry, known_telemetries, latest_day or latest_day_now())
        try:
            # Rows are read again from the file itself, past the checksums of the first read.
            report = _validate(reader or stream, stream, scanner, CHUNK_SIZE)
        except OSError as problem:
            raise _unreadable(path, problem) from problem
    return ValidatedFile(report, identity, reader.digests() if reader else None)


def validate_stdin(
    stream: BinaryIO | None, telemetry: str | None = None, *, latest_day: date | None = None
) -> FileReport:
    """Validate standard input (`stream`: `sys.stdin.buffer`, None when it is closed).

    A pipe, a redirected file, a socket or a terminal is read; a device that never ends
    (`< /dev/zero`) or a directory is refused like such a FILE.
    """
    if stream is None:
        raise UnreadableFile(STDIN_NAME, "standard input is closed", _REGULAR_HINT)
    try:
        mode: int | None = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # no descriptor (an in-memory stream): nothing that can hang
        mode = None
    if mode is not None:
        kind = _not_regular(mode)
        if kind is not None and not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stream.isatty()):
            raise UnreadableFile(
                STDIN_NAME, f"standard input is {kind}, not a file or a pipe", _REGULAR_HINT
            )
    try:
        return validate_bytes_stream(stream, STDIN_NAME, telemetry, latest_day=latest_day)
    except OSError as problem:
        raise _unreadable(STDIN_NAME, problem) from problem


def open_regular(path: str | Path) -> BinaryIO:
    """`path` opened for reading, or `UnreadableFile` when it cannot be or is no regular file.

    The kind is looked at before opening (a FIFO would block the open itself) and again on the
    open file, which is opened non-blocking, so a path swapped in between cannot hang us either.
    """
    name = str(path)
    try:
        kind = _not_regular(os.stat(path).st_mode)
        if kind is None:
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
            descriptor = os.open(path, flags)
    except (OSError, ValueError) as problem:  # ValueError: a NUL byte in the path
        raise _unreadable(name, problem) from problem
    if kind is None:
        try:
            kind = _not_regular(os.fstat(descriptor).st_mode)
            if kind is None:
                os.set_blocking(descriptor, True)
                return os.fdopen(descriptor, "rb")
        except OSError as problem:
            os.close(descriptor)
            raise _unreadable(name, problem) from problem
        os.close(descriptor)
    raise UnreadableFile(
        name, f"is {kind}, not a regular file; pass the path of a CSV file", _REGULAR_HINT
    )


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), "a special file")


def _unreadable(path: str | Path, problem: Exception) -> UnreadableFile:
    reason = (problem.strerror if isinstance(problem, OSError) else None) or str(problem)
    return UnreadableFile(str(path), f"cannot read the file: {reason}")
