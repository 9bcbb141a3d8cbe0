"""Plan summaries a reviewer can read: `terraform show -json` plans in, markdown or text out.

parse.py reads the plan files, summary.py works out what matters (destructive changes, policy
diffs, new folders, Finout's form values), and the renderers word it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from finout_s3_telemetry.plan_summary.parse import PlanFileError, load_plan, parse_plan
from finout_s3_telemetry.plan_summary.renderers import FORMATS, Renderer, renderer
from finout_s3_telemetry.plan_summary.summary import PlanSummary, summarize

__all__ = [
    "FORMATS",
    "PlanFileError",
    "PlanSummary",
    "Renderer",
    "load_plan",
    "parse_plan",
    "render_files",
    "renderer",
    "summarize",
]


def render_files(paths: Sequence[Path], format: str = "markdown") -> str:
    """The summary of plan files in `format`. Raises PlanFileError."""
    return renderer(format).render(summarize([load_plan(path) for path in paths]))
