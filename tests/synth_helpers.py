"""Synthesize configs into temporary folders for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finout_s3_telemetry.stacks.app import synthesize

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.targets import Target


def synth_to(config: Config, root: Path, target: Target | None = None) -> dict[str, Path]:
    """Synthesize into `<root>/cdktf.out` with state files in `root`; stack name -> folder."""
    stacks = synthesize(config, target or Target("aws"), outdir=root / "cdktf.out", state_dir=root)
    return {stack.name: stack for stack in stacks}


def stack_json(stack_dir: Path) -> dict[str, Any]:
    return json.loads((stack_dir / "cdk.tf.json").read_text())  # type: ignore[no-any-return]
