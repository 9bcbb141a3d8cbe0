"""Report formats behind one interface: `render(report, "table" | "json")`."""

from __future__ import annotations

import json
from typing import Protocol

from finout_s3_telemetry.check.model import CheckResult, Report, Status

_MARKS = {Status.PASS: "PASS", Status.WARN: "WARN", Status.FAIL: "FAIL"}


class Renderer(Protocol):
    def __call__(self, report: Report) -> str: ...


def render_json(report: Report) -> str:
    """`{"ok": bool, "endpoints": [{"name": str, "checks": [{id, status, severity, resource,
    detail, remediation}]}]}` and nothing else, so consumers can rely on the shape."""
    document = {
        "ok": report.ok,
        "endpoints": [
            {"name": e.name, "checks": [r.as_json() for r in e.results]} for e in report.endpoints
        ],
    }
    return json.dumps(document, indent=2)


def _row(result: CheckResult) -> list[str]:
    first, *rest = result.detail.splitlines() or [""]
    lines = [f"  {_MARKS[result.status]}  {result.id:<15} {result.severity.value:<8}  {first}"]
    pad = " " * 8
    lines += [pad + line for line in rest]
    if result.remediation:
        lines.append(f"{pad}fix: {result.remediation}")
    return lines


def render_table(report: Report) -> str:
    """One line per check (a failure adds its fix, and any diff, indented below), then a summary."""
    lines: list[str] = []
    for endpoint in report.endpoints:
        verdict = "ok" if endpoint.ok else "FAILED"
        lines.append(f"{endpoint.name}: {verdict} ({endpoint.api_calls} API calls)")
        for result in endpoint.results:
            lines += _row(result)
        lines.append("")
    passed, warned, failed = (report.count(s) for s in (Status.PASS, Status.WARN, Status.FAIL))
    lines.append(
        f"{'OK' if report.ok else 'FAILED'}: {passed} passed, {warned} warnings, {failed} failed "
        f"in {len(report.endpoints)} endpoint(s) of account {report.account} on {report.target}; "
        f"{report.api_calls} AWS API calls."
    )
    return "\n".join(lines)


RENDERERS: dict[str, Renderer] = {"table": render_table, "json": render_json}


def render(report: Report, fmt: str = "table") -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(RENDERERS)}") from None
    return renderer(report)
