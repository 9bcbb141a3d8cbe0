"""`finout-telemetry scan`: checkov on the synthesized stacks, suppressions reported first."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from finout_s3_telemetry.commands.common import error
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.suppressions import read_suppressions, report


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="run checkov on the synthesized stacks",
        description="Print the suppressions of the checkov config with their reasons, then run "
        "checkov (terraform_json framework, no remote calls) on the synthesized stacks. The exit "
        "code is checkov's: 0 when no check failed.",
    )
    parser.add_argument("--outdir", default="cdktf.out", help="synthesized stacks (cdktf.out)")
    parser.add_argument("--checkov-config", default=".checkov.yaml", help="checkov config file")
    parser.add_argument("checkov_args", nargs="*", help="more checkov arguments, after --")
    parser.set_defaults(handler=run)


def checkov_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "checkov"
    return str(beside_python) if beside_python.exists() else shutil.which("checkov")


def run(args: argparse.Namespace) -> int:
    config_file = Path(args.checkov_config)
    if not config_file.is_file():
        error(f"checkov config {config_file} not found; run from the project root")
        return ExitCode.USAGE
    if not (Path(args.outdir) / "stacks").is_dir():
        error(f"no stacks in {args.outdir}; run `finout-telemetry synth` first")
        return ExitCode.USAGE
    checkov = checkov_binary()
    if checkov is None:
        error("checkov is not installed; pip install 'finout-s3-telemetry[dev]'")
        return ExitCode.USAGE
    try:
        print(report(read_suppressions(config_file)), flush=True)
    except ValueError as problem:
        error(str(problem))
        return ExitCode.USAGE
    command = [checkov, "-d", args.outdir, "--config-file", str(config_file), *args.checkov_args]
    return subprocess.run(command, check=False).returncode
