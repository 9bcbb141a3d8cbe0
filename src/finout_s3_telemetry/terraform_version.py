"""Whether the installed terraform can run the stacks with the chosen state backend.

S3-native state locking (`use_lockfile`, our default for the s3 backend) needs Terraform 1.10:
an older one stops at `init` with an error about an unknown argument, after the user has done
everything else. Said at `validate` and `synth` instead, with the version found.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the schema's import (pydantic) is paid only by commands that read a config
    from finout_s3_telemetry.config.model import StateSettings

MINIMUM = (1, 6, 0)
"""The oldest terraform the stacks run on (the local backend, or S3 with DynamoDB-free locking
off)."""
MINIMUM_FOR_S3_LOCKFILE = (1, 10, 0)
"""S3-native locking (`use_lockfile`) arrived in Terraform 1.10."""


def installed_version() -> tuple[int, int, int] | None:
    """The version of `terraform` on PATH, or None when there is none or it does not say."""
    binary = shutil.which("terraform")
    if binary is None:
        return None
    try:
        output = subprocess.run(
            [binary, "version", "-json"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={"CHECKPOINT_DISABLE": "1", "PATH": ""},
        ).stdout
        text = json.loads(output)["terraform_version"]
        major, minor, patch = (int(part) for part in text.split("-")[0].split(".")[:3])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return None
    return major, minor, patch


def required_version(state: StateSettings) -> tuple[int, int, int]:
    if state.backend == "s3" and state.use_lockfile:
        return MINIMUM_FOR_S3_LOCKFILE
    return MINIMUM


def version_problem(state: StateSettings, found: tuple[int, int, int] | None) -> str | None:
    """Why `found` cannot run stacks with this state backend; None when it can, or when no
    terraform is installed here (synth and validate need none; deploying needs one)."""
    if found is None:
        return None
    needed = required_version(state)
    if found >= needed:
        return None
    shown, wanted = ".".join(map(str, found)), ".".join(map(str, needed))
    why = (
        "S3-native state locking (state.use_lockfile, the default for the s3 backend) needs "
        f"Terraform {wanted}"
        if needed == MINIMUM_FOR_S3_LOCKFILE
        else f"the stacks need Terraform {wanted}"
    )
    fix = f"install Terraform {wanted} or newer" + (
        ", or set state.use_lockfile: false" if needed == MINIMUM_FOR_S3_LOCKFILE else ""
    )
    return f"terraform {shown} is on PATH, but {why}; {fix}"
