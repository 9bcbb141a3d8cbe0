"""Folders the commands write into (`--outdir`, `--workdir`, `--keep`), checked before any work.

A folder that is a file, sits under a file, or cannot be written is one line and exit 2 before
cdktf, terraform or the emulator start, instead of a traceback halfway through.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from finout_s3_telemetry.terminal_text import quoted

DEFAULT_OUTDIR = "cdktf.out"
OUTDIR_ENV = "CDKTF_OUTDIR"  # set by the cdktf CLI when it runs the app


def default_outdir() -> Path:
    return Path(os.environ.get(OUTDIR_ENV) or DEFAULT_OUTDIR)


def chosen_outdir(flag: str | None) -> Path:
    """`--outdir`, else $CDKTF_OUTDIR, else cdktf.out, created and proven writable.

    An empty `--outdir ''` is refused rather than read as the default: a script whose variable
    came out empty must not write somewhere else.
    """
    if flag is not None:
        path, option = flag, "--outdir"
    elif os.environ.get(OUTDIR_ENV):
        path, option = os.environ[OUTDIR_ENV], f"${OUTDIR_ENV}"
    else:
        path, option = DEFAULT_OUTDIR, "the output folder"
    if path == "":
        raise OutputDirError(f"{option} is empty; name the output folder, e.g. {DEFAULT_OUTDIR}")
    return ensure_output_dir(Path(path), option)


class OutputDirError(ValueError):
    """The folder cannot hold the output (exit code 2)."""


def ensure_output_dir(path: Path, option: str) -> Path:
    """Create `path` if needed and prove it can be written; raise OutputDirError otherwise.

    `option` names where the path came from (`--outdir`, `$CDKTF_OUTDIR`), for the message.
    """
    shown = quoted(str(path), 200)
    if path.exists() and not path.is_dir():
        raise OutputDirError(f"{option} {shown} is a file, not a folder; name a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        # Permissions alone do not tell (root ignores them, a read-only mount does not): write.
        descriptor, probe = tempfile.mkstemp(prefix=".write-test-", dir=path)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OutputDirError(
            f"{option} {shown} cannot be written ({reason}); name a folder you can write to"
        ) from None
    return path
