"""Build the cdktf app: one FinoutEndpointStack per endpoint in the config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from finout_s3_telemetry.constructs.cdktf_core import App
from finout_s3_telemetry.stacks.endpoint_stack import FinoutEndpointStack
from finout_s3_telemetry.stacks.removed_endpoints import (
    RemovedStacksError,
    read_json,
    stack_document,
    still_deployed,
)

from finout_s3_telemetry.config.model import Config, RolePurpose
from finout_s3_telemetry.naming import endpoint_name_problem
from finout_s3_telemetry.provider_mirror import write_lock_files
from finout_s3_telemetry.targets import Target

STATE_DIR_ENV = "FINOUT_TELEMETRY_STATE_DIR"
CLI_CONTEXT_ENV = "CDKTF_CONTEXT_JSON"  # set by the cdktf and cdktn CLIs for their app
MANIFEST = "manifest.json"  # cdktf's list of the stacks it synthesized into an outdir
LEVELS = {"@cdktf/warn": "warning", "@cdktf/info": "note"}
FOLDERS_LOGICAL_ID = "telemetry_folders"  # FinoutTelemetryEndpoint's folders, no name prefix


def build_app(
    config: Config,
    target: Target,
    *,
    outdir: Path,
    state_dir: Path | None = None,
    endpoints: list[str] | None = None,
    previous_folders: dict[str, set[str]] | None = None,
    role_purpose: RolePurpose = "deploy",
) -> App:
    """An App holding a stack per endpoint (or per name in `endpoints`), not yet synthesized.

    `previous_folders` (endpoint name -> folder keys of its last synthesized stack) lets a stack
    remind, at synth and deploy, which folders are new and must be sent to Finout support.
    """
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
            previous_folders=(previous_folders or {}).get(endpoint.name),
            role_purpose=role_purpose,
        )
    return app


def synthesize(
    config: Config,
    target: Target,
    *,
    outdir: Path,
    state_dir: Path | None = None,
    keep_deployed: bool = False,
    role_purpose: RolePurpose = "deploy",
) -> list[Path]:
    """Write `<outdir>/stacks/<endpoint>/cdk.tf.json` for every endpoint; return those folders.

    A removed endpoint whose state (local, or in the S3 backend) still holds resources, or could
    not be read, raises RemovedStacksError, or with `keep_deployed` keeps its stack folder (for
    `plan` to plan its destroy). `role_purpose` picks the role each stack's provider assumes
    in its account (`plan` synthesizes with the read-only plan role).

    Stack folders of endpoints no longer in the config are removed, so `cdktf.out` never offers
    a stale stack to deploy, but only those that the previous synth's manifest lists as its own
    stacks: an `--outdir` may be a folder that holds other things. Their state files are kept.
    """
    previous = synthesized_stacks(outdir)
    wanted = {endpoint.name for endpoint in config.endpoints}
    state_root = (state_dir or Path(os.environ.get(STATE_DIR_ENV) or ".")).absolute()
    deployed = still_deployed(
        config, outdir, previous - wanted, state_dir=state_root, target=target
    )
    if deployed and not keep_deployed:
        raise RemovedStacksError(list(deployed.values()))
    kept = set(deployed)
    folders = {name: keys for name in previous if (keys := folder_keys(outdir, name)) is not None}
    build_app(
        config,
        target,
        outdir=outdir,
        state_dir=state_dir,
        previous_folders=folders,
        role_purpose=role_purpose,
    ).synth()
    stacks_dir = outdir / "stacks"
    # Run as the app of the cdktf (or cdktn) CLI, the CLI removes the stale stack folders itself
    # once the app is done, and fails on one that is already gone: leave them to it.
    by_cli = CLI_CONTEXT_ENV in os.environ
    for name in sorted(previous - wanted - kept):
        stale = stacks_dir / name
        if not by_cli and stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
    written = [stacks_dir / endpoint.name for endpoint in config.endpoints]
    write_lock_files(written)  # so the cdktf CLI works air-gapped (see provider_mirror)
    return written


def folder_keys(outdir: Path, stack: str) -> set[str] | None:
    """The telemetry folder keys a synthesized stack creates, or None when it cannot be read."""
    try:
        objects = stack_document(outdir, stack).get("resource", {}).get("aws_s3_object", {})
        keys = objects[FOLDERS_LOGICAL_ID]["for_each"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return {str(key) for key in keys.values()} if isinstance(keys, dict) else None


def synth_notes(outdir: Path) -> list[str]:
    """What the constructs said at synth, from the manifest cdktf just wrote, as
    `warning: <construct path>: <message>` (a weakened secure default) or `note: …` (a new
    folder to send to Finout support)."""
    try:
        stacks = read_json(outdir / MANIFEST)["stacks"].values()
    except (KeyError, TypeError, AttributeError):
        return []
    return [
        f"{LEVELS[note.get('level')]}: {note.get('constructPath', '')}: {note.get('message', '')}"
        for stack in stacks
        for note in stack.get("annotations", [])
        if note.get("level") in LEVELS
    ]


def synthesized_stacks(outdir: Path) -> set[str]:
    """The stacks a previous synth into `outdir` wrote, from its `manifest.json`.

    Only names that could be an endpoint's, in the folder this app gives them, count: the
    manifest is a file on disk, and a hand-edited one must not steer a removal elsewhere.
    """
    try:
        stacks = read_json(outdir / MANIFEST)["stacks"]
        entries = list(stacks.items()) if isinstance(stacks, dict) else []
    except (KeyError, TypeError):
        return set()
    return {
        name
        for name, entry in entries
        if isinstance(name, str)
        and endpoint_name_problem(name) is None
        and isinstance(entry, dict)
        and entry.get("workingDirectory") == f"stacks/{name}"
    }
