"""`finout-telemetry csv validate`: check telemetry CSV files against Finout's format."""

from __future__ import annotations

import argparse
from typing import Any

from finout_s3_telemetry.commands.common import error
from finout_s3_telemetry.csv_files import FileReport, UnreadableFile, validate_path
from finout_s3_telemetry.csv_files.render import render_json, render_text

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


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
        "Exit 0 when all files are valid, 1 when any is invalid, 2 on a usage error or an "
        "unreadable file.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="CSV files to check")
    validate.add_argument(
        "--telemetry",
        metavar="NAME",
        help="the telemetry column's header (default: the one column holding a number on every "
        "row)",
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reports: list[FileReport] = []
    unreadable: list[dict[str, Any]] = []
    for path in args.files:
        try:
            report = validate_path(path, args.telemetry)
        except UnreadableFile as problem:
            error(str(problem))
            unreadable.append(unreadable_entry(path, str(problem)))
            continue
        reports.append(report)
        if args.format == "text":
            print(render_text(report), flush=True)
    if args.format == "json":
        print(render_json(reports, unreadable))
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_OK if all(report.ok for report in reports) else EXIT_INVALID


def unreadable_entry(path: str, message: str) -> dict[str, Any]:
    problem = {
        "line": None,
        "column": None,
        "rule": "unreadable",
        "message": message,
        "hint": "check the path and the file's permissions",
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
