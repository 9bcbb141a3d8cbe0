"""IAM trust, inline, bucket and KMS key policy changes as pretty-printed JSON and a unified diff.

Terraform shows a policy as one long JSON string; a reviewer needs the statements line by line.
Keys are sorted before diffing so that AWS's own reordering never shows up as a change.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finout_s3_telemetry.plan_summary.key_policy_callouts import key_policy_callouts
from finout_s3_telemetry.plan_summary.parse import nested_deeper
from finout_s3_telemetry.plan_summary.phrases import Phrase
from finout_s3_telemetry.plan_summary.plan_model import Action, ResourceChange
from finout_s3_telemetry.plan_summary.trust_callouts import trust_callouts

TRUST_POLICY = "trust policy"
KEY_POLICY = "key policy"
# resource type -> (policy attribute, what the summary calls it)
POLICY_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "aws_iam_role": ("assume_role_policy", TRUST_POLICY),
    "aws_iam_role_policy": ("policy", "inline policy"),
    "aws_s3_bucket_policy": ("policy", "bucket policy"),
    "aws_kms_key": ("policy", KEY_POLICY),
}
KNOWN_AFTER_APPLY = "(known after apply)"
SENSITIVE = "(sensitive value)"


@dataclass(frozen=True, kw_only=True)
class PolicyChange:
    address: str
    attribute: str
    label: str
    """`trust policy`, `inline policy`, `bucket policy` or `key policy`."""
    action: Action
    diff: tuple[str, ...]
    """Unified diff lines of the pretty-printed documents (the whole document as context)."""
    callouts: tuple[Phrase, ...] = ()
    """For trust policies: the external ID and principal changes in words; for key policies:
    who may decrypt."""


def pretty(text: str) -> str:
    """The document indented with sorted keys; text that is not JSON is returned unchanged."""
    document = _parse(text)
    if document is None:
        return text
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)


MAX_POLICY_DEPTH = 32
"""IAM's grammar nests a policy 6 levels deep at most. A deeper "policy" is shown as the text it
is: pretty-printing it recurses once per level and could hit Python's recursion limit."""


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    return None if nested_deeper(document, MAX_POLICY_DEPTH) else document


def _side(change: ResourceChange, attribute: str, after: bool) -> str | None:
    if change.sensitive(attribute):
        return SENSITIVE
    if after:
        if change.action == "delete":
            return None
        if change.unknown_after(attribute):
            return KNOWN_AFTER_APPLY
        value = change.after_value(attribute)
    else:
        if change.action == "create":
            return None
        value = change.before_value(attribute)
    return pretty(value) if isinstance(value, str) else None


def _document(text: str | None) -> Mapping[str, Any] | None:
    document = _parse(text) if text not in (None, KNOWN_AFTER_APPLY, SENSITIVE) else None
    return document if isinstance(document, dict) else None


def policy_change(change: ResourceChange) -> PolicyChange | None:
    """The policy change a resource change carries, or None when its policy stays the same."""
    if change.type not in POLICY_ATTRIBUTES or not change.managed:
        return None
    if change.action not in ("create", "update", "replace", "delete"):
        return None
    attribute, label = POLICY_ATTRIBUTES[change.type]
    before, after = _side(change, attribute, False), _side(change, attribute, True)
    if before == after:
        return None
    before_lines = before.splitlines() if before is not None else []
    after_lines = after.splitlines() if after is not None else []
    diff = difflib.unified_diff(
        before_lines,
        after_lines,
        fromfile=f"{change.address} (before)",
        tofile=f"{change.address} (after)",
        lineterm="",
        n=max(len(before_lines), len(after_lines)),
    )
    callouts: list[Phrase] = []
    if label == TRUST_POLICY and after not in (KNOWN_AFTER_APPLY, SENSITIVE):
        callouts = trust_callouts(_document(before), _document(after))
    elif label == KEY_POLICY and change.action != "delete":
        callouts = key_policy_callouts(
            _document(before), _document(after), after_known=after != KNOWN_AFTER_APPLY
        )
    return PolicyChange(
        address=change.address,
        attribute=attribute,
        label=label,
        action=change.action,
        diff=tuple(diff),
        callouts=tuple(callouts),
    )
