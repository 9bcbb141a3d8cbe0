"""`finout-telemetry`: validate, synthesize, deploy and check Finout S3 telemetry endpoints.

Exit codes: 0 ok, 1 a check or validation found problems, 2 bad config, usage, or AWS unreachable.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.terminal_text import printable, shorten

# Each module in finout_s3_telemetry.commands registers one subcommand with `register(sub)`:
# the command's name, then its module.
COMMANDS = {
    "validate": "validate",
    "synth": "synth",
    "stacks": "stacks",
    "external-id": "external_id",
    "terraform-env": "terraform_env",
    "demo": "demo",
    "scan": "scan",
    "check": "check",
    "plan-summary": "plan_summary",
    "plan": "plan",
    "csv": "csv_validate",
    "upload": "upload",
    "permissions": "permissions",
}
COMMAND_MODULES = list(COMMANDS.values())


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line like every other error (`--help` shows the
    usage), and the values it quotes escaped and shortened: an argument can hold a terminal
    escape sequence or a megabyte of text."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {printable(shorten(message, 400))}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with `only` the one command of that name: a command's run
    then imports nothing of the others (synth is cdktf.json's app command, run on every
    `cdktf synth`, `diff` and `deploy`)."""
    parser = _Parser(
        prog="finout-telemetry",
        description=(
            "Provision and verify everything Finout needs to read daily telemetry CSV files "
            "from S3: bucket, folders, cross-account role and its read-only policy."
        ),
        epilog="Exit codes: 0 ok, 1 problems found, 2 bad config, bad usage, or AWS not reachable.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = [COMMANDS[only]] if only in COMMANDS else COMMAND_MODULES
    for name in modules:
        module = importlib.import_module(f"finout_s3_telemetry.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
