"""The renderers behind one interface, by format name."""

from __future__ import annotations

from typing import Protocol

from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT
from finout_s3_telemetry.plan_summary.render_markdown import MarkdownRenderer
from finout_s3_telemetry.plan_summary.render_text import TextRenderer
from finout_s3_telemetry.plan_summary.summary import PlanSummary

FORMATS = ("markdown", "text")


class Renderer(Protocol):
    def render(self, summary: PlanSummary) -> str: ...


def renderer(format: str, *, limit: int = GITHUB_COMMENT_LIMIT) -> Renderer:
    """`markdown` (kept under `limit` characters) or `text` (complete)."""
    if format == "markdown":
        return MarkdownRenderer(limit)
    if format == "text":
        return TextRenderer()
    raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
