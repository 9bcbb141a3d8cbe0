"""A small IAM policy evaluator for identity policies, used where iam:SimulatePrincipalPolicy is
not available (the local emulator has no such API).

Covers what the checker needs to decide "can this role do X on Y": Allow/Deny, Action and NotAction
with `*`/`?` wildcards (case-insensitive), Resource and NotResource ARN wildcards (case-sensitive,
per ARN segment). It does not evaluate Condition blocks: a statement with a condition makes the
answer `conditional`, which a caller treats as "might be allowed". Policy variables, permission
boundaries, SCPs and resource policies are out of scope and documented as such in the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from finout_s3_telemetry.check.snapshot import Decision
from finout_s3_telemetry.iam_policies import as_list, statements
from finout_s3_telemetry.policy_documents import PolicyDocument

_ARN_SEGMENTS = 6


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """`s3:Get*` matches `s3:GetObject`; action names are case-insensitive in IAM."""
    return _glob(pattern, True).fullmatch(action) is not None


def resource_matches(pattern: str, arn: str) -> bool:
    """`arn:aws:s3:::bucket/*` matches `arn:aws:s3:::bucket/a/b.csv`; `*` matches every ARN.

    Wildcards do not cross the colons between ARN segments, as in IAM.
    """
    if pattern == "*":
        return True
    pattern_parts = pattern.split(":", _ARN_SEGMENTS - 1)
    arn_parts = arn.split(":", _ARN_SEGMENTS - 1)
    if len(pattern_parts) != len(arn_parts):
        return False
    return all(
        _glob(p, False).fullmatch(a) is not None
        for p, a in zip(pattern_parts, arn_parts, strict=True)
    )


def statement_applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    """Whether the statement's action and resource parts cover the request (conditions aside)."""
    if "NotAction" in statement:
        if any(action_matches(str(p), action) for p in as_list(statement["NotAction"])):
            return False
    elif not any(action_matches(str(p), action) for p in as_list(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        return not any(
            resource_matches(str(p), resource) for p in as_list(statement["NotResource"])
        )
    return any(resource_matches(str(p), resource) for p in as_list(statement.get("Resource")))


def evaluate(documents: Iterable[PolicyDocument], action: str, resource: str) -> Decision:
    """IAM's rule for one principal's identity policies: an explicit Deny wins, then an Allow,
    otherwise the request is implicitly denied."""
    allow = conditional_allow = conditional_deny = False
    for document in documents:
        for statement in statements(document):
            if not statement_applies(statement, action, resource):
                continue
            conditional = bool(statement.get("Condition"))
            effect = statement.get("Effect")
            if effect == "Deny":
                if not conditional:
                    return "explicitDeny"
                conditional_deny = True
            elif effect == "Allow":
                if conditional:
                    conditional_allow = True
                else:
                    allow = True
    if allow and not conditional_deny:
        return "allowed"
    if allow or conditional_allow:
        return "conditional"
    return "implicitDeny"
