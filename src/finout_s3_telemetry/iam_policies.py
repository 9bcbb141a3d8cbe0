"""IAM policy documents, read the way IAM reads them: statements, principals, the external ID a
trust policy demands, comparison by meaning, one-line descriptions and diffs. The one home of
these helpers: the checker and the plan summaries both use them.

IAM accepts a single string or a list for Action/Resource/Principal values, a single statement
or a list of them, any statement order, and ignores Sid when deciding access; two documents that
differ only that way are equal here.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from finout_s3_telemetry.policy_documents import PolicyDocument

Statement = dict[str, Any]
ASSUME_ROLE = "sts:assumerole"
EXTERNAL_ID_KEY = "sts:externalid"
"""Condition keys and actions are case-insensitive in IAM: compare lowercased."""
_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: Mapping[str, Any]) -> list[Statement]:
    raw = document.get("Statement")
    return [s for s in as_list(raw) if isinstance(s, dict)]


def strings(value: Any) -> list[str]:
    """A value IAM accepts as one string or a list of them, as strings (None dropped)."""
    return [str(item) for item in as_list(value) if item is not None]


def external_ids(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Every value the Allow statements accept for `sts:ExternalId`, under any operator."""
    found: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for values in condition.values():
            if not isinstance(values, dict):
                continue
            for key, expected in values.items():
                if str(key).lower() == EXTERNAL_ID_KEY:
                    found.update(strings(expected))
    return tuple(sorted(found))


def principals(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Every principal the Allow statements name; AWS principals bare, others as `Type:value`."""
    found: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") == "Allow":
            found.update(principals_of(statement))
    return tuple(sorted(found))


def principals_of(statement: Statement) -> set[str]:
    """The principals one statement names; AWS principals bare, others as `Type:value`."""
    if "Principal" not in statement:
        return set()
    principal = statement["Principal"]
    if not isinstance(principal, dict):
        return set(strings(principal))
    found: set[str] = set()
    for kind, values in principal.items():
        prefix = "" if kind == "AWS" else f"{kind}:"
        found.update(prefix + value for value in strings(values))
    return found


def normalize_statement(statement: Statement) -> Statement:
    normal: Statement = {}
    for key, value in statement.items():
        if key == "Sid":
            continue
        if key in _LIST_KEYS:
            normal[key] = sorted(set(map(str, as_list(value))))
        elif key in _PRINCIPAL_KEYS and isinstance(value, dict):
            normal[key] = {k: sorted(set(map(str, as_list(v)))) for k, v in value.items()}
        elif key == "Condition" and isinstance(value, dict):
            normal[key] = {
                operator: {k: sorted(set(map(str, as_list(v)))) for k, v in block.items()}
                if isinstance(block, dict)
                else block
                for operator, block in value.items()
            }
        else:
            normal[key] = value
    return normal


def _key(statement: Statement) -> str:
    return json.dumps(statement, sort_keys=True)


def normalize(document: PolicyDocument) -> PolicyDocument:
    """The document with list values sorted, Sids dropped and statements in a stable order."""
    normal = [normalize_statement(s) for s in statements(document)]
    return {"Version": document.get("Version"), "Statement": sorted(normal, key=_key)}


def same_policy(live: PolicyDocument, expected: PolicyDocument) -> bool:
    return normalize(live) == normalize(expected)


def statement_difference(
    live: PolicyDocument, expected: PolicyDocument
) -> tuple[list[Statement], list[Statement]]:
    """(statements only in `live`, statements only in `expected`), both normalized."""
    live_counts = Counter(_key(s) for s in normalize(live)["Statement"])
    expected_counts = Counter(_key(s) for s in normalize(expected)["Statement"])
    extra = [json.loads(k) for k in (live_counts - expected_counts).elements()]
    lacking = [json.loads(k) for k in (expected_counts - live_counts).elements()]
    return extra, lacking


def unified_diff_lines(live: PolicyDocument, expected: PolicyDocument) -> list[str]:
    """A unified diff of the normalized documents, pretty-printed, expected first, by line.

    `json.dumps` escapes line breaks and control characters inside values (ASCII output), so
    each line of the diff is one line of a document.
    """
    before = json.dumps(normalize(expected), indent=2, sort_keys=True).splitlines()
    after = json.dumps(normalize(live), indent=2, sort_keys=True).splitlines()
    return list(
        difflib.unified_diff(before, after, "expected (rendered template)", "live", lineterm="")
    )


def unified_diff(live: PolicyDocument, expected: PolicyDocument) -> str:
    """`unified_diff_lines` as one text."""
    return "\n".join(unified_diff_lines(live, expected))


def describe_statement(statement: Statement) -> str:
    """`Allow s3:Get*, s3:List* on arn:aws:s3:::bucket/*`, in one line."""
    parts = [str(statement.get("Effect", "?"))]
    if "NotAction" in statement:
        parts.append("every action except " + ", ".join(map(str, as_list(statement["NotAction"]))))
    else:
        parts.append(", ".join(map(str, as_list(statement.get("Action")))) or "no action")
    for key, word in (("Principal", "to"), ("NotPrincipal", "to everyone except")):
        if key in statement:
            parts.append(f"{word} {_principal_text(statement[key])}")
    if "NotResource" in statement:
        parts.append(
            "on everything except " + ", ".join(map(str, as_list(statement["NotResource"])))
        )
    elif "Resource" in statement:
        parts.append("on " + ", ".join(map(str, as_list(statement["Resource"]))))
    if statement.get("Condition"):
        parts.append("when " + json.dumps(statement["Condition"], sort_keys=True))
    return " ".join(parts)


def _principal_text(principal: Any) -> str:
    if isinstance(principal, dict):
        return ", ".join(str(v) for values in principal.values() for v in as_list(values))
    return str(principal)


def condition_keys(statement: Statement) -> tuple[str, ...]:
    """The condition keys a statement tests, as written, in order, without repeats."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return ()
    keys = [str(key) for block in condition.values() if isinstance(block, dict) for key in block]
    return tuple(dict.fromkeys(keys))
