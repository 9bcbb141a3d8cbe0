"""`finout-telemetry synth`: write one Terraform stack per endpoint into cdktf.out/.

This is also the app command in cdktf.json, so `npx cdktf synth` runs exactly this code.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    add_target_options,
    error,
    load_or_report,
    outdir_or_report,
    target_or_report,
)
from finout_s3_telemetry.commands.engine_start import EngineStart, start_engine
from finout_s3_telemetry.engines import EngineError, chosen_engine
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.terminal_text import printable
from finout_s3_telemetry.terraform_version import installed_version, version_problem


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "synth",
        help="synthesize one Terraform stack per endpoint",
        description="Validate the config and write cdktf.out/stacks/<endpoint>/cdk.tf.json for "
        "each endpoint. Nothing is written when the config has a problem (exit 2).",
    )
    add_config_option(parser)
    add_target_options(parser)
    parser.add_argument(
        "--outdir",
        metavar="DIR",
        help="output folder (default: $CDKTF_OUTDIR, else cdktf.out)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # The engine starts while the config is validated (see engine_start); a bad config or
    # target still fails before anything is written.
    with start_engine() as engine:
        return _run(args, engine)


def _run(args: argparse.Namespace, engine: EngineStart) -> int:
    config = load_or_report(args)
    target = target_or_report(args)
    if config is None or target is None:
        return ExitCode.USAGE
    # Only where a version matters beyond the documented minimum (S3-native locking): asking
    # terraform costs a process start on every synth, which is cdktf's app command.
    locking = config.state.backend == "s3" and config.state.use_lockfile
    if locking and (problem := version_problem(config.state, installed_version())):
        error(problem)
        return ExitCode.USAGE
    try:
        chosen_engine()  # cheap: finds the engine without starting it
    except EngineError as problem:
        error(str(problem))
        return ExitCode.USAGE
    outdir = outdir_or_report(args.outdir)  # created only once the rest is known to be good
    if outdir is None:
        return ExitCode.USAGE
    # Needs no engine: done while Node.js still loads it.
    from finout_s3_telemetry.policy_documents import load_templates

    load_templates()
    engine.wait()
    from finout_s3_telemetry.stacks.app import synth_notes, synthesize
    from finout_s3_telemetry.stacks.removed_endpoints import RemovedStacksError

    try:
        stacks = synthesize(config, target, outdir=outdir)
    except RemovedStacksError as removed:
        for sentence in removed.problems:
            error(sentence)
        error("nothing was synthesized")
        return ExitCode.USAGE
    if not args.quiet:
        # Under the cdktf CLI (`synth --quiet`, its app command) the CLI prints them itself.
        for note in synth_notes(outdir):
            print(f"finout-telemetry: {printable(note)}", file=sys.stderr)
        for stack in stacks:
            print(f"synthesized {stack / 'cdk.tf.json'} (target: {target.describe()})")
    return ExitCode.OK
