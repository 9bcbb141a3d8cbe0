"""`finout-telemetry validate`: check the config file and report every problem at once."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from finout_s3_telemetry.commands.common import add_config_option, error, load_or_report
from finout_s3_telemetry.config import config_path
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.terraform_version import installed_version, version_problem


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check the config file",
        description="Validate the config file; every problem is listed with its field and fix. "
        "Exit 0 when valid, 2 otherwise.",
    )
    add_config_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    if config is None:
        return ExitCode.USAGE
    if problem := version_problem(config.state, installed_version()):
        error(problem)
        return ExitCode.USAGE
    if config.state.backend == "local" and os.environ.get("CI", "").lower() in ("true", "1"):
        # A CI job's files vanish with the job: a deploy from CI would forget what it made.
        print(
            "finout-telemetry: warning: state.backend is local (the default), so each stack's "
            "state is a file ./terraform.<endpoint>.tfstate on this CI machine, gone when the "
            "job ends, and no teammate sees it; set state.backend: s3 (see README, The config) "
            "before deploying from CI",
            file=sys.stderr,
        )
    names = ", ".join(endpoint.name for endpoint in config.endpoints)
    folders = sum(len(endpoint.telemetries) for endpoint in config.endpoints)
    print(
        f"{config_path(args.config)}: valid: {len(config.endpoints)} endpoint(s) ({names}), "
        f"{folders} telemetry folder(s)"
    )
    return ExitCode.OK
