"""The summary's recurring sentences, each written once as a `Phrase` (see `phrases.py`), so that
markdown and text always say the same thing."""

from __future__ import annotations

from collections.abc import Mapping

from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT
from finout_s3_telemetry.plan_summary.finout_form import (
    ROLE_ARN,
    TELEMETRY_FOLDERS,
    FinoutForm,
    FormStatus,
)
from finout_s3_telemetry.plan_summary.phrases import Code, Phrase, phrase
from finout_s3_telemetry.plan_summary.plan_model import COUNTED_ACTIONS, Action
from finout_s3_telemetry.plan_summary.summary import Folder, PlanSummary

TITLE = "Terraform plan summary"
WARNINGS_TITLE = "Deletes and replacements of a bucket, role or policy"
WARNINGS_TITLE_WITH_KEYS = "Deletes and replacements of a bucket, KMS key, role or policy"
ACCESS_WARNING_TITLE = "changes of an endpoint's access mode"
CALLOUTS_TITLE = "Who can assume Finout's role"
DECRYPT_CALLOUTS_TITLE = "Who can decrypt the bucket's files"
ERRORED = "The plan is incomplete: Terraform reported errors while planning this stack."
OUTPUTS_ONLY = "Only the stack outputs change."
REMOVED_FOLDERS = (
    "Telemetry folders removed (only the empty folder objects: files under them stay). "
    "Tell Finout support to stop reading them:"
)
FORM_INTRO: Mapping[FormStatus, str] = {
    "new": "New endpoint: add it in Finout under Settings → Endpoints → Add Amazon S3 "
    "(access: {access}):",
    "changed": "Endpoint values change: edit this endpoint in Finout (Settings → Endpoints):",
    "removed": "Endpoint removed: delete it in Finout too (Settings → Endpoints).",
}
KNOWN_AFTER_APPLY: Phrase = phrase("known after apply: the deploy prints it as ", Code(ROLE_ARN))
FULL_SUMMARY_HINT: Phrase = phrase(
    "For everything, run ", Code("finout-telemetry plan-summary --format text PLAN_JSON..."), "."
)


def warnings_title(summary: PlanSummary) -> str:
    """The warnings' title; it names KMS keys only when one is deleted or replaced, and access
    modes only when one changes."""
    title = WARNINGS_TITLE
    if any(stack.warns_of_kms_key for stack in summary.stacks):
        title = WARNINGS_TITLE_WITH_KEYS
    if any(stack.warns_of_access for stack in summary.stacks):
        title += f", and {ACCESS_WARNING_TITLE}"
    return title


def form_intro(form: FinoutForm) -> str:
    """The sentence before the form's values; a new endpoint's names the access to pick."""
    return FORM_INTRO[form.status].format(access=form.access)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def counts(numbers: Mapping[Action, int]) -> str:
    return ", ".join(f"{numbers.get(action, 0)} to {action}" for action in COUNTED_ACTIONS)


def overview(summary: PlanSummary) -> str:
    total, changed = len(summary.stacks), len(summary.changed)
    if total == 0:
        return "No plans given."
    if changed == 0:
        return f"No changes in {plural(total, 'stack')}."
    return f"{plural(total, 'stack')}: {changed} with changes, {total - changed} unchanged."


def folders_intro(folders: tuple[Folder, ...]) -> Phrase:
    buckets = sorted({f.bucket for f in folders if f.bucket})
    where: Phrase = phrase()
    if len(buckets) == 1 and all(f.bucket for f in folders):
        where = phrase(" in bucket ", Code(buckets[0]))
    one = len(folders) == 1
    return phrase(
        f"New telemetry {'folder' if one else 'folders'}",
        *where,
        f": send {'this prefix' if one else 'these prefixes'} to Finout support:",
    )


def folders_left_out(count: int) -> Phrase:
    return phrase(
        f"New telemetry folders: {count} (the list was left out; after the deploy it is the ",
        Code(TELEMETRY_FOLDERS),
        " output).",
    )


def policy_title(label: str, address: str, action: Action) -> Phrase:
    return phrase(f"{label.capitalize()} of ", Code(address), f" ({action})")


def left_out_note(items: list[tuple[str, int, list[str]]], limit: int) -> str:
    """`Left out ...: policy diffs: 3 (main, cur); ...` (plain text; renderers decorate it)."""
    parts = []
    for category, count, stacks in items:
        names = f" ({', '.join(stacks)})" if stacks else ""
        parts.append(f"{category}: {count}{names}")
    whose = "GitHub's " if limit == GITHUB_COMMENT_LIMIT else "the "
    return (
        f"Left out to stay under {whose}{limit:,}-character comment limit: "
        + "; ".join(parts)
        + "."
    )
