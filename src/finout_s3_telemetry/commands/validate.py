"""`finout-telemetry validate`: check the config file and report every problem at once."""

from __future__ import annotations

import argparse
from typing import Any

from finout_s3_telemetry.commands.common import add_config_option, load_or_report
from finout_s3_telemetry.config import config_path
from finout_s3_telemetry.exit_codes import ExitCode


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
    names = ", ".join(endpoint.name for endpoint in config.endpoints)
    folders = sum(len(endpoint.telemetries) for endpoint in config.endpoints)
    print(
        f"{config_path(args.config)}: valid: {len(config.endpoints)} endpoint(s) ({names}), "
        f"{folders} telemetry folder(s)"
    )
    return ExitCode.OK
