"""The summary as GitHub-flavoured markdown for a pull request comment.

Starts with a hidden marker so a CI job can find and update its own comment instead of adding a
new one on every push. Details sit in collapsible sections; the whole stays under the comment
limit (see budget.py).
"""

from __future__ import annotations

import html
import re

from finout_s3_telemetry.plan_summary import wording
from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT, Block, fit
from finout_s3_telemetry.plan_summary.finout_form import FinoutForm
from finout_s3_telemetry.plan_summary.phrases import Code, Phrase, plain, value
from finout_s3_telemetry.plan_summary.policy_diff import PolicyChange
from finout_s3_telemetry.plan_summary.summary import PlanSummary, StackSummary
from finout_s3_telemetry.terminal_text import printable, shorten

MARKER = "<!-- finout-plan-summary -->"
# Markdown's punctuation, and `&` where it would start an entity such as `&#8238;` (which GitHub
# turns back into the bidirectional control the escaping below removed).
_ESCAPED = re.compile(r"([\\`*\[\]<>|~]|&(?=#?[0-9A-Za-z]+;))")
DIFF_LINE_LIMIT = 2_000
"""Characters of one line of a policy diff shown; a policy that is not JSON can be one line."""

# Drop order under the limit: the highest number goes first; warnings and headlines (0) go last,
# the later in the document the sooner.
_RESOURCES, _DIFFS, _UNCHANGED, _LISTS, _CALLOUTS = 5, 4, 3, 2, 1


def escape(text: str) -> str:
    """Running text: control, format and line-separator characters written as escapes (so no
    value can start a line, forge a heading or reorder what is shown), then markdown's own
    punctuation escaped."""
    return _ESCAPED.sub(r"\\\1", printable(text))


def code(text: str) -> str:
    """A code span holding `text` (shortened and escaped) literally: delimited by a run of
    backticks longer than any inside it, padded when it starts or ends with one."""
    shown = printable(value(text))
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def md(words: Phrase) -> str:
    return "".join(code(p.text) if isinstance(p, Code) else escape(p) for p in words)


def _fence(lines: tuple[str, ...]) -> str:
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)


class MarkdownRenderer:
    """Markdown for a pull request comment, at most `limit` characters long."""

    def __init__(self, limit: int = GITHUB_COMMENT_LIMIT) -> None:
        self.limit = limit

    def render(self, summary: PlanSummary) -> str:
        blocks = [
            Block(
                text=f"{MARKER}\n## {wording.TITLE}\n\n{wording.overview(summary)}\n\n", keep=True
            )
        ]
        blocks += _warnings(summary)
        for stack in summary.changed:
            blocks += _stack(stack)
        blocks += _unchanged(summary)
        return fit(blocks, self.limit, self._note).rstrip("\n") + "\n"

    def _note(self, items: list[tuple[str, int, list[str]]]) -> str:
        text = wording.left_out_note(items, self.limit)
        return f"> [!NOTE]\n> {escape(text)} {md(wording.FULL_SUMMARY_HINT)}\n\n"


def _warnings(summary: PlanSummary) -> list[Block]:
    found = [(s.stack, w) for s in summary.stacks for w in s.warnings]
    if not found:
        return []
    title = wording.warnings_title(summary)
    blocks = [Block(text=f"> [!WARNING]\n> **{title}**\n>\n", keep=True)]
    blocks += [
        Block(text=f"> - {code(stack)}: {md(warning)}\n", category="warnings", stack=stack)
        for stack, warning in found
    ]
    blocks.append(Block(text="\n", keep=True))
    return blocks


def _headline(stack: StackSummary) -> str:
    sign = "⚠️ " if stack.warnings else ""
    lines = [f"### {sign}{code(stack.stack)}: {wording.counts(stack.counts)}\n\n"]
    if stack.errored:
        lines.append(f"**{wording.ERRORED}**\n\n")
    if not any(stack.counts.values()) and stack.outputs_change:
        lines.append(f"{wording.OUTPUTS_ONLY}\n\n")
    return "".join(lines)


def _stack(stack: StackSummary) -> list[Block]:
    name = stack.stack
    blocks = [Block(text=_headline(stack), category="stack sections", stack=name)]
    if stack.callouts:
        items = "".join(f"- {md(c)}\n" for c in stack.callouts)
        blocks.append(
            Block(
                text=f"**{wording.CALLOUTS_TITLE}**\n\n{items}\n",
                priority=_CALLOUTS,
                category="trust policy call-outs",
                stack=name,
            )
        )
    if stack.decrypt_callouts:
        items = "".join(f"- {md(c)}\n" for c in stack.decrypt_callouts)
        blocks.append(
            Block(
                text=f"**{wording.DECRYPT_CALLOUTS_TITLE}**\n\n{items}\n",
                priority=_CALLOUTS,
                category="key policy call-outs",
                stack=name,
            )
        )
    if stack.new_folders:
        items = "".join(f"- {code(f.key)}\n" for f in stack.new_folders)
        blocks.append(
            Block(
                text=f"**{md(wording.folders_intro(stack.new_folders))}**\n\n{items}\n",
                priority=_LISTS,
                category="new folder lists",
                stack=name,
                fallback=f"{md(wording.folders_left_out(len(stack.new_folders)))}\n\n",
            )
        )
    if stack.removed_folders:
        items = "".join(f"- {code(f.key)}\n" for f in stack.removed_folders)
        blocks.append(
            Block(
                text=f"{escape(wording.REMOVED_FOLDERS)}\n\n{items}\n",
                priority=_LISTS,
                category="removed folder lists",
                stack=name,
            )
        )
    if stack.form is not None:
        blocks.append(
            Block(
                text=_form(stack.form),
                priority=_LISTS,
                category="Finout form values",
                stack=name,
            )
        )
    blocks += [
        Block(text=_policy(change), priority=_DIFFS, category="policy diffs", stack=name)
        for change in stack.policy_changes
    ]
    if stack.resources:
        items = "".join(f"- {r.action} {code(r.address)}\n" for r in stack.resources)
        summary = f"Resource changes ({len(stack.resources)})"
        blocks.append(
            Block(
                text=f"<details><summary>{summary}</summary>\n\n{items}\n</details>\n\n",
                priority=_RESOURCES,
                category="resource change lists",
                stack=name,
            )
        )
    return blocks


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _form(form: FinoutForm) -> str:
    intro = f"**{escape(wording.form_intro(form))}**\n\n"
    if not form.rows:
        return intro
    rows = ["| Field | Value |", "| --- | --- |"]
    for row in form.rows:
        value = md(wording.KNOWN_AFTER_APPLY) if row.value is None else code(row.value)
        if row.previous is not None:
            value += f" (was {code(row.previous)})"
        rows.append(f"| {row.label} | {_cell(value)} |")
    return intro + "\n".join(rows) + "\n\n"


def _policy(change: PolicyChange) -> str:
    words = wording.policy_title(change.label, value(change.address), change.action)
    title = html.escape(printable(plain(words)))
    # Escaped line by line: inside the fence nothing is markdown, but a terminal or a bidi
    # control would still act on the text, and no line may become a line break.
    lines = tuple(printable(shorten(line, DIFF_LINE_LIMIT)) for line in change.diff)
    fence = _fence(lines)
    body = "\n".join(lines)
    return f"<details><summary>{title}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>\n\n"


def _unchanged(summary: PlanSummary) -> list[Block]:
    names = [s.stack for s in summary.unchanged]
    if not names:
        return []
    label = "Unchanged stack" if len(names) == 1 else "Unchanged stacks"
    return [
        Block(
            text=f"**{label}:** {', '.join(code(n) for n in names)}.\n",
            priority=_UNCHANGED,
            category="unchanged stack list",
            fallback=f"**{label}:** {len(names)}.\n",
            fallback_priority=-1,
        )
    ]
