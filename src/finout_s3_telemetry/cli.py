"""`finout-telemetry`: validate, synthesize, deploy and check Finout S3 telemetry endpoints.

Exit codes: 0 ok, 1 a check or validation found problems, 2 bad config, usage, or AWS unreachable.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn, TextIO

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


GC_ALLOCATIONS = 100_000
"""Allocations between two runs of the youngest generation's garbage collection (Python: 700)."""


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
    its temporary files). When that cannot be done cleanly (an output that cannot be written, a
    thread still at work), the interpreter exits as usual.

    A reader that goes away (`finout-telemetry stacks | head -1`) ends the command quietly with
    141, as a shell reports a command stopped by SIGPIPE."""
    # The cyclic garbage collector ran some 130 times in a synth, a twentieth of a second spent
    # over objects that live until the end anyway (imported classes and functions). It now runs
    # after 100,000 allocations instead of 700, as mypy does for the same reason; reference
    # counting still frees everything that is not in a cycle at once.
    gc.set_threshold(GC_ALLOCATIONS, 50, 50)
    try:
        code = main()
        _flush(sys.stdout)
    except BrokenPipeError:
        _discard_stdout()
        code = ExitCode.OUTPUT_CLOSED
    # A Node.js that never answered: jsii's exit handler would wait forever for it.
    abandoned = _engine_abandoned()
    if not abandoned and any(t.is_alive() and not t.daemon for t in _other_threads()):
        sys.exit(code)
    try:
        _flush(sys.stdout)
        _flush(sys.stderr)
    except (OSError, ValueError):
        if not abandoned:
            sys.exit(code)  # reported by the interpreter's own exit, as without this
    if not abandoned:
        atexit._run_exitfuncs()
    with contextlib.suppress(OSError, ValueError):
        _flush(sys.stderr)  # what an exit handler wrote
    os._exit(code)


def _engine_abandoned() -> bool:
    engine_start = sys.modules.get("finout_s3_telemetry.commands.engine_start")
    return engine_start is not None and bool(engine_start.engine_abandoned())


def _flush(stream: TextIO | None) -> None:
    if stream is not None:  # None: the descriptor was closed when Python started
        stream.flush()


def _discard_stdout() -> None:
    """Point stdout at the null device, so that nothing tries to write the rest again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _other_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread is not threading.main_thread()]


if __name__ == "__main__":
    entry()
