"""Options and error handling shared by the subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from finout_s3_telemetry.config.errors import ConfigError
from finout_s3_telemetry.config.location import CONFIG_ENV_VAR, DEFAULT_CONFIG_FILE, config_path
from finout_s3_telemetry.output_dirs import OutputDirError, chosen_outdir
from finout_s3_telemetry.targets import (
    ENDPOINT_URL_ENV,
    TARGET_ENV,
    Target,
    TargetError,
    resolve_target,
)
from finout_s3_telemetry.terminal_text import printable, quoted

if TYPE_CHECKING:
    from finout_s3_telemetry.config import Config


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        metavar="PATH",
        help=f"config file (default: ${CONFIG_ENV_VAR}, else ./{DEFAULT_CONFIG_FILE})",
    )


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=("aws", "local"),
        help=f"where to deploy or look (default: ${TARGET_ENV}, else aws; an endpoint URL "
        "implies local)",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help=f"the local AWS emulator's URL (default: ${ENDPOINT_URL_ENV})",
    )


def error(message: str) -> None:
    # Messages quote values from files, flags and AWS: nothing in them may act on the terminal.
    print(f"finout-telemetry: error: {printable(message)}", file=sys.stderr)


def load_or_report(args: argparse.Namespace) -> Config | None:
    """The validated config, or None after printing every problem to stderr."""
    # Imported here: the schema (pydantic) is paid for only by commands that read a config.
    from finout_s3_telemetry.config.load import load_config

    try:
        path: Path = config_path(getattr(args, "config", None))
        return load_config(path)
    except ConfigError as problem:
        print(problem.render(), file=sys.stderr)
        return None


def outdir_or_report(flag: str | None) -> Path | None:
    """The output folder (see `chosen_outdir`), or None after one line on stderr."""
    try:
        return chosen_outdir(flag)
    except OutputDirError as problem:
        error(str(problem))
        return None


def target_or_report(args: argparse.Namespace) -> Target | None:
    try:
        return resolve_target(getattr(args, "target", None), getattr(args, "endpoint_url", None))
    except TargetError as problem:
        error(str(problem))
        return None


def unknown_accounts_reported(config: Config, names: Sequence[str]) -> bool:
    """One error line for each of `names` (an `--account`) that the config's `accounts:` lacks,
    naming the accounts it has; True when there was one."""
    from finout_s3_telemetry.config.cross_checks import listed_names

    unknown = [name for name in dict.fromkeys(names) if name not in config.accounts]
    # Bounded: a config of 10,000 accounts must not print them all once per unknown name.
    known = listed_names(config.accounts)
    for name in unknown:
        error(
            f"--account {quoted(name)} is not an account of the config's `accounts:`; "
            + (f"use one of: {known}" if known else "the config has no `accounts:`")
        )
    return bool(unknown)
