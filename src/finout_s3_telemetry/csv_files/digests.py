"""Checksums of a local file, to prove an upload arrived intact, and what tells that the file is
still the one that was validated."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_BLOCK = 1 << 20


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True)
class Digests:
    size: int
    sha256: bytes
    md5_hex: str

    @property
    def sha256_base64(self) -> str:
        """The form S3 uses in `x-amz-checksum-sha256`."""
        return base64.b64encode(self.sha256).decode("ascii")


class DigestingReader:
    """Reads through to `stream`, hashing what passes: the validator's one read of a file also
    yields the checksums its upload is sent and verified with."""

    def __init__(self, stream: _Readable) -> None:
        self._stream = stream
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)  # S3's ETag of a single-part, non-KMS object
        self._size = 0

    def read(self, size: int, /) -> bytes:
        block = self._stream.read(size)
        self._sha256.update(block)
        self._md5.update(block)
        self._size += len(block)
        return block

    def digests(self) -> Digests:
        return Digests(self._size, self._sha256.digest(), self._md5.hexdigest())


def file_digests(path: Path) -> Digests:
    with path.open("rb") as stream:
        reader = DigestingReader(stream)
        while reader.read(_BLOCK):
            pass
    return reader.digests()


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named, and its state: a file replaced, rewritten or truncated since
    differs in one of these."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileIdentity:
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
