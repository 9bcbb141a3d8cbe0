"""Build the cdktf app: one FinoutEndpointStack per endpoint in the config."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from finout_s3_telemetry.constructs.cdktf_core import App
from finout_s3_telemetry.stacks.endpoint_stack import FinoutEndpointStack

from finout_s3_telemetry.config.model import Config
from finout_s3_telemetry.naming import endpoint_name_problem
from finout_s3_telemetry.targets import Target

STATE_DIR_ENV = "FINOUT_TELEMETRY_STATE_DIR"
MANIFEST = "manifest.json"  # cdktf's list of the stacks it synthesized into an outdir
WARNING_LEVEL = "@cdktf/warn"


def build_app(
    config: Config,
    target: Target,
    *,
    outdir: Path,
    state_dir: Path | None = None,
    endpoints: list[str] | None = None,
) -> App:
    """An App holding a stack per endpoint (or per name in `endpoints`), not yet synthesized."""
    outdir = outdir.absolute()
    # Local state files go to $FINOUT_TELEMETRY_STATE_DIR, else the current folder.
    state_dir = (state_dir or Path(os.environ.get(STATE_DIR_ENV) or ".")).absolute()
    outdir.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(outdir))
    for endpoint in config.endpoints:
        if endpoints and endpoint.name not in endpoints:
            continue
        FinoutEndpointStack(
            app,
            config,
            endpoint,
            target,
            state_dir=str(state_dir),
            stack_dir=str(outdir / "stacks" / endpoint.name),
        )
    return app


def synthesize(
    config: Config,
    target: Target,
    *,
    outdir: Path,
    state_dir: Path | None = None,
) -> list[Path]:
    """Write `<outdir>/stacks/<endpoint>/cdk.tf.json` for every endpoint; return those folders.

    Stack folders of endpoints no longer in the config are removed, so `cdktf.out` never offers
    a stale stack to deploy, but only those that the previous synth's manifest lists as its own
    stacks: an `--outdir` may be a folder that holds other things. Their state files are kept.
    """
    previous = synthesized_stacks(outdir)
    build_app(config, target, outdir=outdir, state_dir=state_dir).synth()
    stacks_dir = outdir / "stacks"
    wanted = {endpoint.name for endpoint in config.endpoints}
    for name in sorted(previous - wanted):
        stale = stacks_dir / name
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
    return [stacks_dir / endpoint.name for endpoint in config.endpoints]


def synth_warnings(outdir: Path) -> list[str]:
    """The warnings the constructs added at synth (a weakened secure default, say), from the
    manifest cdktf just wrote: `<construct path>: <message>`."""
    try:
        manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        stacks = manifest["stacks"].values()
    except (OSError, ValueError, KeyError, AttributeError):
        return []
    return [
        f"{note.get('constructPath', '')}: {note.get('message', '')}"
        for stack in stacks
        for note in stack.get("annotations", [])
        if note.get("level") == WARNING_LEVEL
    ]


def synthesized_stacks(outdir: Path) -> set[str]:
    """The stacks a previous synth into `outdir` wrote, from its `manifest.json`.

    Only names that could be an endpoint's, in the folder this app gives them, count: the
    manifest is a file on disk, and a hand-edited one must not steer a removal elsewhere.
    """
    try:
        manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        stacks = manifest["stacks"]
        entries = list(stacks.items()) if isinstance(stacks, dict) else []
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return set()
    return {
        name
        for name, entry in entries
        if isinstance(name, str)
        and endpoint_name_problem(name) is None
        and isinstance(entry, dict)
        and entry.get("workingDirectory") == f"stacks/{name}"
    }
