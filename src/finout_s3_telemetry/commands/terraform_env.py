"""`finout-telemetry terraform-env`: shell exports for running terraform or cdktf by hand."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from finout_s3_telemetry.commands.common import error
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.output_dirs import OutputDirError, ensure_output_dir
from finout_s3_telemetry.provider_mirror import MIRROR_ENV, MirrorError, terraform_environment


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "terraform-env",
        help="print the environment for running terraform/cdktf with the provider mirror",
        description=f"Print `export` lines (eval them) that point terraform at the provider "
        f"mirror found via ${MIRROR_ENV} or the usual places. Prints only the defaults when "
        "Terraform should use your own CLI config or the public registry.",
    )
    parser.add_argument("--workdir", default="cdktf.out", help="where to write the CLI config")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.workdir == "":
        error("--workdir is empty; name the folder for the CLI config, e.g. --workdir cdktf.out")
        return ExitCode.USAGE
    try:
        env = terraform_environment(ensure_output_dir(Path(args.workdir), "--workdir"))
    except (MirrorError, OutputDirError) as problem:
        error(str(problem))
        return ExitCode.USAGE
    for name, value in sorted(env.items()):
        print(f"export {name}={shlex.quote(value)}")
    return ExitCode.OK
