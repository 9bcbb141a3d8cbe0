"""`finout-telemetry`: validate, synthesize, deploy and check Finout S3 telemetry endpoints.

Exit codes: 0 ok, 1 a check or validation found problems, 2 bad config, usage, or AWS unreachable.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from finout_s3_telemetry.terminal_text import printable, shorten

# Each module in finout_s3_telemetry.commands registers one subcommand with `register(sub)`.
COMMAND_MODULES = [
    "validate",
    "synth",
    "external_id",
    "terraform_env",
    "demo",
    "scan",
    "check",
    "plan_summary",
    "plan",
    "csv_validate",
    "upload",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line like every other error (`--help` shows the
    usage), and the values it quotes escaped and shortened: an argument can hold a terminal
    escape sequence or a megabyte of text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {printable(shorten(message, 400))}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="finout-telemetry",
        description=(
            "Provision and verify everything Finout needs to read daily telemetry CSV files "
            "from S3: bucket, folders, cross-account role and its read-only policy."
        ),
        epilog="Exit codes: 0 ok, 1 problems found, 2 bad config or usage.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"finout_s3_telemetry.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
