"""Reports as text for people and as JSON for programs.

Text goes to a terminal, so everything in it that came from a file or a command line (a path, a
header, a value quoted in a message) is escaped and shortened; JSON keeps every value exact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from finout_s3_telemetry.csv_files.problems import Problem
from finout_s3_telemetry.csv_files.report import FileReport
from finout_s3_telemetry.terminal_text import printable, shorten

PATH_SHOWN = 400
"""Characters of a file name shown; a longer one is cut (a real path is rarely this long)."""


def shown_path(path: str) -> str:
    """A file's path or URL for a line of text: escaped, and cut when absurdly long."""
    return printable(shorten(path, PATH_SHOWN))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _facts(report: FileReport) -> str:
    facts = [_count(report.rows, "row")]
    if report.telemetry:
        facts.append(f"telemetry {printable(shorten(report.telemetry))}")
    if report.first_day and report.last_day:
        days = str(report.first_day)
        if report.last_day != report.first_day:
            days += f" to {report.last_day}"
        facts.append(days)
    return ", ".join(facts)


def _problem_lines(problem: Problem, prefix: str) -> list[str]:
    where = f"line {problem.line}"
    if problem.column is not None:
        where += f", column {problem.column}"
    # Messages quote file values escaped already; escaping again costs nothing when they did.
    message = printable(problem.message)
    return [f"  {prefix}{where}: [{problem.rule}] {message}", f"      fix: {problem.hint}"]


def render_text(report: FileReport) -> str:
    errors = len(report.errors) + report.errors_omitted
    warnings = len(report.warnings) + report.warnings_omitted
    if report.ok:
        verdict = "valid" + (f", with {_count(warnings, 'warning')}" if warnings else "")
    else:
        verdict = f"INVALID: {_count(errors, 'error')}"
        if warnings:
            verdict += f", {_count(warnings, 'warning')}"
    lines = [f"{shown_path(report.path)}: {verdict} ({_facts(report)})"]
    for problem in report.errors:
        lines += _problem_lines(problem, "")
    if report.errors_omitted:
        lines.append(f"  ... and {_count(report.errors_omitted, 'more error')}")
    for problem in report.warnings:
        lines += _problem_lines(problem, "warning: ")
    if report.warnings_omitted:
        lines.append(f"  ... and {_count(report.warnings_omitted, 'more warning')}")
    return "\n".join(lines)


def render_json(reports: Sequence[FileReport], extra: Sequence[dict[str, Any]] = ()) -> str:
    """`{"ok": ..., "files": [...]}`; `extra` holds entries for files that could not be read."""
    files = [report.to_dict() for report in reports] + list(extra)
    return json.dumps({"ok": all(entry["ok"] for entry in files), "files": files}, indent=2)
