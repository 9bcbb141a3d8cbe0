"""A progress bar on stderr for long uploads, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import BinaryIO, TextIO

MIN_SIZE = 8 << 20
"""Smaller files upload in a blink: no bar."""
_INTERVAL = 0.1
_WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = total >= MIN_SIZE and self._stream.isatty()
        self._label = label
        self._total = total
        self._started = time.monotonic()
        self._shown_at = 0.0

    def show(self, done: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._shown_at < _INTERVAL:
            return
        self._shown_at = now
        fraction = min(1.0, done / self._total) if self._total else 1.0
        filled = int(fraction * _WIDTH)
        rate = done / max(now - self._started, 1e-6) / (1 << 20)
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {fraction:4.0%} "
            f"{done / (1 << 20):,.0f}/{self._total / (1 << 20):,.0f} MiB {rate:,.1f} MiB/s"
        )
        self._stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.show(self._total, force=True)
            self._stream.write("\n")
            self._stream.flush()


class ProgressReader:
    """A file object for botocore's request body that moves the bar as it is read.

    botocore may read the body twice (to sign it over plain HTTP) and seeks back to retry, so
    the bar follows the read position rather than adding up reads.
    """

    def __init__(self, stream: BinaryIO, bar: ProgressBar) -> None:
        self._stream = stream
        self._bar = bar

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._bar.show(self._stream.tell())
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()
