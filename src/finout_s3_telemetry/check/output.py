"""Report formats behind one interface: `render(report, "table" | "json")`."""

from __future__ import annotations

import json
from typing import Protocol

from finout_s3_telemetry.check.model import CheckResult, Report, Status
from finout_s3_telemetry.terminal_text import printable

_MARKS = {Status.PASS: "PASS", Status.WARN: "WARN", Status.FAIL: "FAIL"}


class Renderer(Protocol):
    def __call__(self, report: Report) -> str: ...


def render_json(report: Report) -> str:
    """`{"ok": bool, "endpoints": [{"name": str, "account": str | null, "checks": [{id, status,
    severity, resource, detail, remediation}]}]}` and nothing else, so consumers can rely on
    the shape. `account` is the name of the config's account, null for the caller's own."""
    document = {
        "ok": report.ok,
        "endpoints": [
            {
                "name": e.name,
                "account": e.account,
                "checks": [r.as_json() for r in e.results],
            }
            for e in report.endpoints
        ],
    }
    return json.dumps(document, indent=2)


def _row(result: CheckResult) -> list[str]:
    # Every line is escaped whole: S3 keys, policies, error messages and CSV content are chosen
    # by whoever can write them, and an escape sequence or line break in one must not clear the
    # screen or print a forged PASS line. Only the breaks between `shown_lines` stay breaks.
    first, *rest = [printable(line) for line in result.shown_lines()]
    status, check_id = _MARKS[result.status], printable(result.id)
    lines = [f"  {status}  {check_id:<15} {result.severity.value:<8}  {first}"]
    pad = " " * 8
    lines += [pad + line for line in rest]
    if result.remediation:
        lines.append(f"{pad}fix: {printable(result.remediation)}")
    return lines


def render_table(report: Report) -> str:
    """One line per check (a failure adds its fix, and any diff, indented below), then a summary.

    Human output: every value is escaped (`terminal_text.printable`), so the only line breaks
    are the ones put here. `render_json` stays exact instead.
    """
    lines: list[str] = []
    for endpoint in report.endpoints:
        verdict = "ok" if endpoint.ok else "FAILED"
        name = printable(endpoint.name)
        if report.accounts_named:
            account = endpoint.account
            name += f" (account {printable(account)})" if account else " (caller's account)"
        lines.append(f"{name}: {verdict} ({endpoint.api_calls} API calls)")
        for result in endpoint.results:
            lines += _row(result)
        lines.append("")
    passed, warned, failed = (report.count(s) for s in (Status.PASS, Status.WARN, Status.FAIL))
    target = printable(report.target)
    where = f"account {printable(report.account)}"
    if report.accounts_named:
        where = f"{report.account_count} account(s)"
    lines.append(
        f"{'OK' if report.ok else 'FAILED'}: {passed} passed, {warned} warnings, {failed} failed "
        f"in {len(report.endpoints)} endpoint(s) of {where} on {target}; "
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
