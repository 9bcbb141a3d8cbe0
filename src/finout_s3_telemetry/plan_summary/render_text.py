"""The summary as plain text for a terminal: everything, no length limit.

Every line is escaped whole before it is printed (`terminal_text.printable`): addresses, keys,
policies and stack names come from plan files, and an escape sequence or a line break in one must
not reach the terminal or start a line of its own. Only the breaks between lines put here remain.
Values from the plan are shortened when absurdly long (`phrases.value`).
"""

from __future__ import annotations

from finout_s3_telemetry.plan_summary import wording
from finout_s3_telemetry.plan_summary.phrases import Code, Phrase, value
from finout_s3_telemetry.plan_summary.summary import PlanSummary, StackSummary
from finout_s3_telemetry.terminal_text import printable, shorten

INDENT = "  "
DIFF_LINE_LIMIT = 2_000
"""Characters of one line of a policy diff shown; a policy that is not JSON can be one line."""


def _words(words: Phrase) -> str:
    return "".join(value(part.text) if isinstance(part, Code) else part for part in words)


class TextRenderer:
    """Plain text; `make plan` prints it after writing the markdown file."""

    def render(self, summary: PlanSummary) -> str:
        lines = [wording.TITLE, wording.overview(summary)]
        warnings = [(s.stack, w) for s in summary.stacks for w in s.warnings]
        if warnings:
            lines += ["", f"WARNING: {wording.warnings_title(summary)}:"]
            lines += [f"{INDENT}- {value(stack)}: {_words(w)}" for stack, w in warnings]
        for stack in summary.changed:
            lines += ["", *_stack(stack)]
        unchanged = [value(s.stack) for s in summary.unchanged]
        if unchanged:
            label = "Unchanged stack" if len(unchanged) == 1 else "Unchanged stacks"
            lines += ["", f"{label}: {', '.join(unchanged)}"]
        return "\n".join(printable(line) for line in lines) + "\n"


def _stack(stack: StackSummary) -> list[str]:
    lines = [f"== {value(stack.stack)}: {wording.counts(stack.counts)}"]
    if stack.errored:
        lines.append(wording.ERRORED)
    if not any(stack.counts.values()) and stack.outputs_change:
        lines.append(wording.OUTPUTS_ONLY)
    if stack.callouts:
        lines.append(f"{wording.CALLOUTS_TITLE}:")
        lines += [f"{INDENT}- {_words(c)}" for c in stack.callouts]
    if stack.decrypt_callouts:
        lines.append(f"{wording.DECRYPT_CALLOUTS_TITLE}:")
        lines += [f"{INDENT}- {_words(c)}" for c in stack.decrypt_callouts]
    if stack.new_folders:
        lines.append(_words(wording.folders_intro(stack.new_folders)))
        lines += [f"{INDENT}{value(f.key)}" for f in stack.new_folders]
    if stack.removed_folders:
        lines.append(wording.REMOVED_FOLDERS)
        lines += [f"{INDENT}{value(f.key)}" for f in stack.removed_folders]
    if stack.form is not None:
        lines.append(wording.form_intro(stack.form))
        for row in stack.form.rows:
            shown = _words(wording.KNOWN_AFTER_APPLY) if row.value is None else value(row.value)
            was = f" (was {value(row.previous)})" if row.previous is not None else ""
            lines.append(f"{INDENT}{row.label:<15} {shown}{was}")
    for change in stack.policy_changes:
        lines.append(
            _words(wording.policy_title(change.label, change.address, change.action)) + ":"
        )
        lines += [f"{INDENT}{shorten(line, DIFF_LINE_LIMIT)}" for line in change.diff]
    if stack.resources:
        lines.append("Resource changes:")
        lines += [f"{INDENT}{r.action:<8} {value(r.address)}" for r in stack.resources]
    return lines
