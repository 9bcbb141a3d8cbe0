"""The summary as plain text for a terminal: everything, no length limit."""

from __future__ import annotations

from finout_s3_telemetry.plan_summary import wording
from finout_s3_telemetry.plan_summary.phrases import plain
from finout_s3_telemetry.plan_summary.summary import PlanSummary, StackSummary

INDENT = "  "


class TextRenderer:
    """Plain text; `make plan` prints it after writing the markdown file."""

    def render(self, summary: PlanSummary) -> str:
        lines = [wording.TITLE, wording.overview(summary)]
        warnings = [(s.stack, w) for s in summary.stacks for w in s.warnings]
        if warnings:
            lines += ["", f"WARNING: {wording.WARNINGS_TITLE}:"]
            lines += [f"{INDENT}- {stack}: {plain(w)}" for stack, w in warnings]
        for stack in summary.changed:
            lines += ["", *_stack(stack)]
        unchanged = [s.stack for s in summary.unchanged]
        if unchanged:
            label = "Unchanged stack" if len(unchanged) == 1 else "Unchanged stacks"
            lines += ["", f"{label}: {', '.join(unchanged)}"]
        return "\n".join(lines) + "\n"


def _stack(stack: StackSummary) -> list[str]:
    lines = [f"== {stack.stack}: {wording.counts(stack.counts)}"]
    if stack.errored:
        lines.append(wording.ERRORED)
    if not any(stack.counts.values()) and stack.outputs_change:
        lines.append(wording.OUTPUTS_ONLY)
    if stack.callouts:
        lines.append(f"{wording.CALLOUTS_TITLE}:")
        lines += [f"{INDENT}- {plain(c)}" for c in stack.callouts]
    if stack.new_folders:
        lines.append(plain(wording.folders_intro(stack.new_folders)))
        lines += [f"{INDENT}{f.key}" for f in stack.new_folders]
    if stack.removed_folders:
        lines.append(wording.REMOVED_FOLDERS)
        lines += [f"{INDENT}{f.key}" for f in stack.removed_folders]
    if stack.form is not None:
        lines.append(wording.FORM_INTRO[stack.form.status])
        for row in stack.form.rows:
            value = plain(wording.KNOWN_AFTER_APPLY) if row.value is None else row.value
            was = f" (was {row.previous})" if row.previous is not None else ""
            lines.append(f"{INDENT}{row.label:<15} {value}{was}")
    for change in stack.policy_changes:
        lines.append(plain(wording.policy_title(change.label, change.address, change.action)) + ":")
        lines += [f"{INDENT}{line}" for line in change.diff]
    if stack.resources:
        lines.append("Resource changes:")
        lines += [f"{INDENT}{r.action:<8} {r.address}" for r in stack.resources]
    return lines
