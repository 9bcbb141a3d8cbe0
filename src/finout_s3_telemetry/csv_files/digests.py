"""Checksums of a local file, to prove an upload arrived intact."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Digests:
    size: int
    sha256: bytes
    md5_hex: str

    @property
    def sha256_base64(self) -> str:
        """The form S3 uses in `x-amz-checksum-sha256`."""
        return base64.b64encode(self.sha256).decode("ascii")


def file_digests(path: Path) -> Digests:
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)  # S3's ETag of a single-part, non-KMS object
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            sha256.update(block)
            md5.update(block)
            size += len(block)
    return Digests(size, sha256.digest(), md5.hexdigest())
