"""Say in words what a trust policy change does to who may assume Finout's role.

A reviewer can miss a changed external ID in a JSON diff; these sentences cannot be missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finout_s3_telemetry.iam_policies import external_ids, principals
from finout_s3_telemetry.plan_summary.phrases import Phrase, joined, phrase, value


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
