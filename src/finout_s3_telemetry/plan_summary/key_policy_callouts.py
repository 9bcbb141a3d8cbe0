"""Say in words what a KMS key policy change does to who may decrypt the bucket's files.

With SSE-KMS, reading a file takes kms:Decrypt on the bucket's key: a principal dropped from the
key policy can no longer read the bucket, Finout's role included, and one added can read it if
its IAM policies let it. A JSON diff hides that; these sentences cannot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finout_s3_telemetry.iam_evaluation import covers_action
from finout_s3_telemetry.iam_policies import principals_of, statements
from finout_s3_telemetry.plan_summary.phrases import Phrase, joined, phrase

DECRYPT = "kms:Decrypt"


def decrypt_principals(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Who the key policy's Allow statements let decrypt (by `Action`, wildcards included, or
    by leaving it out of `NotAction`), whatever the conditions (kms:ViaService and such)."""
    found: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") == "Allow" and covers_action(statement, DECRYPT):
            found.update(principals_of(statement))
    return tuple(sorted(found))


def key_policy_callouts(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, after_known: bool
) -> list[Phrase]:
    """Sentences about the principals allowed kms:Decrypt; none when they stay the same.

    `before` is None for a new key; `after` is None for a deleted key (warned about as such) or
    a policy known only after apply (`after_known` false).
    """
    if after is None:
        if not after_known and before is not None:
            return [
                phrase(
                    "Who may decrypt with the key is known only after apply; until now: "
                    f"{joined(decrypt_principals(before))}."
                )
            ]
        return []
    now = decrypt_principals(after)
    callouts: list[Phrase] = []
    if before is None:
        callouts.append(phrase(f"New key: {joined(now)} may decrypt with it."))
    else:
        was = decrypt_principals(before)
        if was == now:
            return []
        callouts.append(
            phrase(f"Who may decrypt with the key changes from {joined(was)} to {joined(now)}.")
        )
        if lost := [p for p in was if p not in now]:
            callouts.append(
                phrase(
                    f"No longer allowed to decrypt: {joined(lost)}. Without kms:Decrypt a "
                    "principal cannot read the bucket's files: if it is Finout's role, Finout "
                    "stops reading this endpoint."
                )
            )
        if gained := [p for p in now if p not in was]:
            callouts.append(
                phrase(
                    f"Newly allowed to decrypt: {joined(gained)}; with read access to the "
                    "bucket, it can read every file."
                )
            )
    if "*" in now:
        callouts.append(phrase("Principal * lets any AWS account decrypt with the key."))
    return callouts
