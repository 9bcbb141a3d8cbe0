"""`finout-telemetry synth`: write one Terraform stack per endpoint into cdktf.out/.

This is also the app command in cdktf.json, so `npx cdktf synth` runs exactly this code.
"""

from __future__ import annotations

import argparse
import json
import os
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
from finout_s3_telemetry.commands.engine_start import (
    EngineStart,
    EngineStartTimeout,
    start_engine,
    terminated_as_exit,
)
from finout_s3_telemetry.engines import (
    MINIMUM_NODE,
    EngineError,
    chosen_engine,
    node_environment,
    node_problem,
)
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.terminal_text import printable, quoted, shorten
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
    with terminated_as_exit(), start_engine() as engine:
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
        engine_name = chosen_engine()  # cheap: finds the engine without starting it
    except EngineError as engine_problem:
        error(str(engine_problem))
        return ExitCode.USAGE
    if bad_node := node_problem(node_environment(os.environ, engine_name)):
        error(bad_node)
        return ExitCode.USAGE
    # Needs no engine: done while Node.js still loads it.
    from finout_s3_telemetry.policy_documents import load_templates

    load_templates()
    try:
        engine.wait()
    except (OSError, RuntimeError, ImportError, ValueError) as failure:
        # Node.js that crashes, hangs or is damaged: one line, not jsii's traceback.
        node = node_environment(os.environ, engine_name).get("JSII_NODE") or "node"
        error(
            f"the CDK engine ({engine_name}) did not start on Node.js {quoted(node, 200)}: "
            f"{_start_failure(failure)}; check that it runs as Node.js {MINIMUM_NODE} or newer "
            "(unset $JSII_NODE to use the one installed with this package)"
        )
        return ExitCode.USAGE
    outdir = outdir_or_report(args.outdir)  # created only once the rest is known to be good
    if outdir is None:
        return ExitCode.USAGE
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


def _start_failure(failure: BaseException) -> str:
    if isinstance(failure, json.JSONDecodeError):  # what jsii reads when Node.js is gone
        return "it exited, or answered something other than jsii's runtime"
    if isinstance(failure, EngineStartTimeout):
        return str(failure)
    return shorten(str(failure) or type(failure).__name__, 400)
