"""`finout-telemetry`: validate, synthesize, deploy and check Finout S3 telemetry endpoints.

Exit codes: 0 ok, 1 a check or validation found problems, 2 bad config, usage, or AWS unreachable.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
import threading
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


def entry() -> NoReturn:
    """The `finout-telemetry` command: `main`, then the process ends without tearing the
    interpreter down.

    Python's own exit clears every module and object it loaded, which took a tenth of a second of
    each synth (the cdktf and cdktn CLIs run `finout-telemetry synth` on every synth, diff and
    deploy) and does nothing a finished command needs. What an exit must still do is done first:
    the output is flushed and the exit handlers run (jsii stops its Node.js process and removes
    its temporary files). When that cannot be done cleanly (a closed pipe, a thread still at
    work), the interpreter exits as usual."""
    code = main()
    if any(thread.is_alive() and not thread.daemon for thread in _other_threads()):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # reported by the interpreter's own exit, as without this
    atexit._run_exitfuncs()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()  # what an exit handler wrote
    os._exit(code)


def _other_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread is not threading.main_thread()]


if __name__ == "__main__":
    entry()
