"""`finout-telemetry plan-summary PLAN_JSON...`: a plan a reviewer can read, per stack.

Each PLAN_JSON is `terraform show -json` of one stack's plan. The stack is named after the file:
`<stack>.plan.json` (what `finout-telemetry plan` writes) or `<stack>.json`; a file named
`plan.json` takes its folder's name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from finout_s3_telemetry.commands.common import error
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.plan_summary import FORMATS, PlanFileError, load_plan, renderer, summarize
from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT
from finout_s3_telemetry.terminal_text import printable, quoted, shorten

MIN_CHARS = 200
"""The smallest --max-chars: the title and the note of what was left out need about that much."""


def _max_chars(value: str) -> int:
    try:
        limit = int(value)
    except ValueError:
        # int() also refuses a number of over 4300 digits; the value is shortened when shown.
        raise argparse.ArgumentTypeError(
            f"{quoted(value)} is not a whole number; pass a number of characters of at least "
            f"{MIN_CHARS:,} (default {GITHUB_COMMENT_LIMIT:,}, GitHub's comment limit)"
        ) from None
    if limit < MIN_CHARS:
        raise argparse.ArgumentTypeError(
            f"must be at least {MIN_CHARS:,} (got {quoted(value, 20)}); pass a larger number "
            f"(default {GITHUB_COMMENT_LIMIT:,}, GitHub's comment limit)"
        )
    return limit


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "plan-summary",
        help="summarize Terraform plan JSON files for a pull request comment",
        description="Summarize `terraform show -json` plans, one file per stack: counts per "
        "action, warnings for deleting or replacing a bucket, role or policy, policy diffs, "
        "external ID and principal changes, new telemetry folders and Finout's form values. "
        "The stack is named after the file: <stack>.plan.json, <stack>.json, or the folder of "
        "a plan.json. Exit 0 ok, 2 when a file is unreadable or not a plan (each such file "
        "is named on a line of its own).",
    )
    parser.add_argument("plans", nargs="+", metavar="PLAN_JSON", help="plan JSON files")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="markdown",
        help="markdown (default; for a pull request comment) or text",
    )
    parser.add_argument(
        "--max-chars",
        type=_max_chars,
        default=GITHUB_COMMENT_LIMIT,
        metavar="N",
        help=f"markdown only: shorten to at most N characters (default {GITHUB_COMMENT_LIMIT:,}, "
        "GitHub's comment limit), saying what was left out",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    plans = []
    seen: dict[str, str] = {}
    failed = False
    # Every file is read before giving up, so one run names every bad file (one line each).
    for name in args.plans:
        try:
            plan = load_plan(Path(name))
        except PlanFileError as problem:
            error(printable(str(problem)))
            failed = True
            continue
        if plan.stack in seen:
            error(
                printable(
                    f"{shorten(name)} and {shorten(seen[plan.stack])} are both plans of stack "
                    f"{quoted(plan.stack)}; pass one plan per stack"
                )
            )
            failed = True
            continue
        seen[plan.stack] = name
        plans.append(plan)
    if failed:
        return ExitCode.USAGE
    text = renderer(args.format, limit=args.max_chars).render(summarize(plans))
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as problem:
            reason = printable(problem.strerror or str(problem))
            error(
                f"cannot write {quoted(args.output)} ({reason}); pass -o a file in a folder "
                "that exists and is writable, or leave -o out for stdout"
            )
            return ExitCode.USAGE
    else:
        sys.stdout.write(text)
    return ExitCode.OK
