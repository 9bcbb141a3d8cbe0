"""Build the cdktf app: one FinoutEndpointStack per endpoint in the config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from finout_s3_telemetry.constructs.cdktf_core import App
from finout_s3_telemetry.stacks.endpoint_stack import FinoutEndpointStack

from finout_s3_telemetry.config.model import Config
from finout_s3_telemetry.targets import Target

DEFAULT_OUTDIR = "cdktf.out"
OUTDIR_ENV = "CDKTF_OUTDIR"  # set by the cdktf CLI when it runs the app
STATE_DIR_ENV = "FINOUT_TELEMETRY_STATE_DIR"


def default_outdir() -> Path:
    return Path(os.environ.get(OUTDIR_ENV) or DEFAULT_OUTDIR)


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
    a stale stack to deploy. Their state files are kept.
    """
    build_app(config, target, outdir=outdir, state_dir=state_dir).synth()
    stacks_dir = outdir / "stacks"
    wanted = {endpoint.name for endpoint in config.endpoints}
    for stale in stacks_dir.iterdir():
        if stale.is_dir() and stale.name not in wanted:
            shutil.rmtree(stale)
    return [stacks_dir / endpoint.name for endpoint in config.endpoints]
