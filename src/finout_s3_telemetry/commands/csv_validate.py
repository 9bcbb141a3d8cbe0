"""`finout-telemetry csv validate`: check telemetry CSV files against Finout's format."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from finout_s3_telemetry.commands.common import error
from finout_s3_telemetry.csv_files import (
    STDIN,
    FileReport,
    UnreadableFile,
    validate_path,
    validate_stdin,
)
from finout_s3_telemetry.csv_files.render import render_json, render_text
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.terminal_text import is_invisible, quoted

MAX_TELEMETRY_BYTES = 1024
"""A telemetry names a folder in S3 object keys, which hold at most 1,024 bytes."""


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "csv",
        help="work with telemetry CSV files",
        description="Work with the daily telemetry CSV files Finout reads.",
    )
    actions = parser.add_subparsers(dest="csv_action", metavar="ACTION", required=True)
    validate = actions.add_parser(
        "validate",
        help="check telemetry CSV files against Finout's format",
        description="Check each file: a header, one `date` column (YYYY-MM-DD calendar days), "
        "0-10 metadata columns and one telemetry column of positive numbers. Every problem is "
        "listed with its line, column, rule and a fix (the first 100 per file, then a count). "
        "FILE - reads standard input. Exit 0 when all files are valid, 1 when any is invalid, "
        "2 on a usage error or an unreadable file (or one that is not a regular file).",
    )
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="CSV files to check (- for standard input)"
    )
    validate.add_argument(
        "--telemetry",
        metavar="NAME",
        help="the telemetry column's header (default: the one column holding a number on every "
        "row)",
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    usage = _argument_problem(args)
    if usage is not None:
        error(usage)
        return ExitCode.USAGE
    reports: list[FileReport] = []
    unreadable: list[dict[str, Any]] = []
    for path in args.files:
        try:
            if path == STDIN:
                report = validate_stdin(getattr(sys.stdin, "buffer", None), args.telemetry)
            else:
                report = validate_path(path, args.telemetry)
        except UnreadableFile as problem:
            error(problem.shown())
            unreadable.append(unreadable_entry(problem.path, str(problem), problem.hint))
            continue
        reports.append(report)
        if args.format == "text":
            print(render_text(report), flush=True)
    if args.format == "json":
        print(render_json(reports, unreadable))
    if unreadable:
        return ExitCode.USAGE
    return ExitCode.OK if all(report.ok for report in reports) else ExitCode.PROBLEMS


def _argument_problem(args: argparse.Namespace) -> str | None:
    """The first argument that cannot work, as one line naming it and the fix; else None."""
    if args.files.count(STDIN) > 1:
        return "- (standard input) is given more than once; it can be read only once"
    telemetry: str | None = args.telemetry
    if telemetry is None:
        return None
    fix = "pass the telemetry column's header exactly as the file's first line writes it"
    if telemetry == "":
        return f"--telemetry is empty; {fix}"
    size = len(telemetry.encode("utf-8", "surrogateescape"))
    if size > MAX_TELEMETRY_BYTES:
        return (
            f"--telemetry is {size:,} bytes long, and a telemetry names a folder in S3 keys of "
            f"at most {MAX_TELEMETRY_BYTES:,} bytes; {fix}"
        )
    if any(is_invisible(char) or char.isspace() for char in telemetry):
        return (
            f"--telemetry {quoted(telemetry)} holds a space or a control character, which no "
            f"valid header holds; {fix}"
        )
    return None


def unreadable_entry(
    path: str, message: str, hint: str = "check the path and the file's permissions"
) -> dict[str, Any]:
    problem = {
        "line": None,
        "column": None,
        "rule": "unreadable",
        "message": message,
        "hint": hint,
    }
    return {
        "path": path,
        "ok": False,
        "rows": None,
        "telemetry": None,
        "first_date": None,
        "last_date": None,
        "errors": [problem],
        "errors_omitted": 0,
        "warnings": [],
        "warnings_omitted": 0,
    }
