"""Warnings for deleting or replacing what Finout depends on: the bucket, its KMS key, the role,
the policies.

Each warning says what goes and what follows from it, so a reviewer can judge it without reading
the provider's documentation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from finout_s3_telemetry.plan_summary.phrases import Code, Part, Phrase, phrase, value
from finout_s3_telemetry.plan_summary.plan_model import ResourceChange

KMS_KEY_TYPE = "aws_kms_key"
# resource type -> (what the warning calls it, the attribute naming it, the words before the name)
GUARDED_TYPES: dict[str, tuple[str, str, str]] = {
    "aws_s3_bucket": ("bucket", "bucket", "The bucket "),
    KMS_KEY_TYPE: ("KMS key", "arn", "The KMS key "),
    "aws_iam_role": ("role", "name", "The role "),
    "aws_iam_role_policy": ("inline policy", "name", "The inline policy "),
    "aws_s3_bucket_policy": ("bucket policy", "bucket", "The bucket policy of bucket "),
}


def _scalar(found: Any) -> str | None:
    if isinstance(found, bool):
        return str(found).lower()
    if isinstance(found, str | int | float):
        return value(str(found))
    return None


def _path_text(path: tuple[str | int, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _reasons(change: ResourceChange) -> list[Part]:
    """`because bucket changes from a to b`, for each attribute that forces the replacement."""
    parts: list[Part] = []
    for number, path in enumerate(change.replace_paths):
        parts.append(" because " if number == 0 else " and ")
        attribute = path[0] if len(path) == 1 and isinstance(path[0], str) else None
        parts.append(Code(_path_text(path)))
        if attribute is None:
            parts.append(" changes")
            continue
        old = _scalar(change.before_value(attribute))
        new = (
            "a value known after apply"
            if change.unknown_after(attribute)
            else _scalar(change.after_value(attribute))
        )
        parts.append(f" changes from {old} to {new}" if old and new else " changes")
    return parts


def _consequence(change: ResourceChange, kind: str) -> str:
    replaced = change.action == "replace"
    if kind == "bucket":
        if change.before_value("force_destroy") is True:
            lost = " force_destroy is on: every file in the bucket is deleted with it."
        else:
            lost = (
                " force_destroy is off, so the apply fails while the bucket holds files: move "
                "or delete them first."
            )
        moved = " Files are not copied to the new bucket." if replaced else ""
        return moved + lost
    if kind == "KMS key":
        days = change.before_value("deletion_window_in_days")
        wait = f"its {days}-day waiting period" if isinstance(days, int) else "its waiting period"
        deleted = (
            f" KMS deletes it after {wait} (`aws kms cancel-key-deletion` stops that until "
            "then), and files encrypted with it become unreadable to everyone, Finout included, "
            "once the key is deleted."
        )
        return (
            " The new key cannot decrypt the files the old one encrypted." + deleted
            if replaced
            else deleted
        )
    if kind == "role":
        return (
            " Finout cannot assume it between the delete and the create."
            if replaced
            else " Finout can no longer read this endpoint: remove the endpoint in Finout too."
        )
    if kind == "inline policy":
        return (
            " Finout's role cannot read the bucket between the delete and the create."
            if replaced
            else " Finout's role loses its read access."
        )
    return (
        " The bucket has no policy between the delete and the create."
        if replaced
        else " The bucket's policy (TLS only) is removed."
    )


def destructive_warning(change: ResourceChange) -> Phrase | None:
    """A warning when `change` deletes or replaces a bucket, role or policy; else None."""
    if change.action not in ("delete", "replace") or not change.managed:
        return None
    guarded = GUARDED_TYPES.get(change.type)
    if guarded is None:
        return None
    kind, name_attribute, opening = guarded
    name = _scalar(change.before_value(name_attribute))
    verb = "replaced (destroyed, then created again)" if change.action == "replace" else "DELETED"
    parts: list[Part] = [opening]
    if name:
        parts += [Code(name), " (", Code(change.address), ")"]
    else:
        parts.append(Code(change.address))
    parts.append(f" will be {verb}")
    if change.action == "replace":
        parts += _reasons(change)
    parts.append(".")
    parts.append(_consequence(change, kind))
    return phrase(*parts)


def destructive_warnings(changes: Iterable[ResourceChange]) -> list[Phrase]:
    """The warnings for `changes`: the bucket first, then its KMS key, the role and the
    policies, the order of what is hardest to undo."""
    order = list(GUARDED_TYPES)
    guarded = sorted(
        (c for c in changes if c.type in GUARDED_TYPES), key=lambda c: order.index(c.type)
    )
    return [w for w in map(destructive_warning, guarded) if w is not None]
