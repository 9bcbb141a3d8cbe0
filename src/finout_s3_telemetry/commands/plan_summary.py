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
from finout_s3_telemetry.plan_summary import FORMATS, PlanFileError, load_plan, renderer, summarize
from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "plan-summary",
        help="summarize Terraform plan JSON files for a pull request comment",
        description="Summarize `terraform show -json` plans, one file per stack: counts per "
        "action, warnings for deleting or replacing a bucket, role or policy, policy diffs, "
        "external ID and principal changes, new telemetry folders and Finout's form values. "
        "The stack is named after the file: <stack>.plan.json, <stack>.json, or the folder of "
        "a plan.json. Exit 0 ok, 2 when a file is unreadable or not a plan.",
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
        type=int,
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
    for name in args.plans:
        try:
            plan = load_plan(Path(name))
        except PlanFileError as problem:
            error(str(problem))
            return 2
        if plan.stack in seen:
            error(f"{name} and {seen[plan.stack]} are both plans of stack {plan.stack!r}")
            return 2
        seen[plan.stack] = name
        plans.append(plan)
    text = renderer(args.format, limit=args.max_chars).render(summarize(plans))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
