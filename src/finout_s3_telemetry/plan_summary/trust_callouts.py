"""Say in words what a trust policy change does to who may assume Finout's role.

A reviewer can miss a changed external ID in a JSON diff; these sentences cannot be missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finout_s3_telemetry.plan_summary.phrases import Phrase, joined, phrase, value

EXTERNAL_ID_KEY = "sts:externalid"


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else []


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if item is not None]


def external_ids(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Every value the Allow statements accept for `sts:ExternalId`, under any operator."""
    found: set[str] = set()
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for values in condition.values():
            if not isinstance(values, dict):
                continue
            for key, expected in values.items():
                if key.lower() == EXTERNAL_ID_KEY:
                    found.update(_strings(expected))
    return tuple(sorted(found))


def principals(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Every principal the Allow statements name; AWS principals bare, others as `Type:value`."""
    found: set[str] = set()
    for statement in _statements(document):
        if statement.get("Effect") != "Allow" or "Principal" not in statement:
            continue
        principal = statement["Principal"]
        if not isinstance(principal, dict):
            found.update(_strings(principal))
            continue
        for kind, values in principal.items():
            prefix = "" if kind == "AWS" else f"{kind}:"
            found.update(prefix + value for value in _strings(values))
    return tuple(sorted(found))


def _change(label: str, plural: str, before: tuple[str, ...], after: tuple[str, ...]) -> Phrase:
    if len(before) == 1 and len(after) == 1:
        return phrase(f"{label} changes from {value(before[0])} to {value(after[0])}.")
    if not before:
        return phrase(f"{label} added: {joined(after)}.")
    return phrase(f"{plural} change from {joined(before)} to {joined(after)}.")


def trust_callouts(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[Phrase]:
    """Sentences about the external ID and the principal; none when neither changes."""
    if after is None:
        return []
    ids_after, principals_after = external_ids(after), principals(after)
    callouts: list[Phrase] = []
    if before is None:
        callouts.append(
            phrase(
                f"New trust: {joined(principals_after)} may assume the role with external ID "
                f"{joined(ids_after)}."
            )
        )
    else:
        ids_before, principals_before = external_ids(before), principals(before)
        if ids_before != ids_after and ids_after:
            callouts.append(_change("External ID", "External IDs", ids_before, ids_after))
            callouts.append(
                phrase(
                    f"Finout must present {joined(ids_after)} from now on: make sure the Finout "
                    "console shows it for this endpoint, or Finout can no longer assume the role."
                )
            )
        elif ids_before != ids_after:
            callouts.append(phrase(f"External ID condition removed (was {joined(ids_before)})."))
        if principals_before != principals_after:
            callouts.append(
                _change("Principal", "Principals", principals_before, principals_after)
                if principals_after
                else phrase(f"Principal removed: {joined(principals_before)}.")
            )
    if not ids_after:
        callouts.append(
            phrase(
                "No external ID condition: any caller from the trusted principals can assume "
                "the role (Finout requires sts:ExternalId)."
            )
        )
    if "*" in principals_after:
        callouts.append(phrase("Principal * lets any AWS account assume the role."))
    return callouts
