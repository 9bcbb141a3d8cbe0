"""Where the moto emulator behaves unlike AWS, and what the local harness does about it.

Kept to the minimum; DEVELOPERS.md lists every difference. Nothing here changes what is deployed:
the stacks sent to the emulator are the ones sent to AWS.

* Bucket policies: moto applies a `Deny` statement whatever its `Condition` says (it ignores
  operators it does not know, such as `Bool`). Our TLS-only policy (`Deny` unless
  `aws:SecureTransport`) would then refuse every object read and write. The emulator stands in
  for AWS's HTTPS endpoint, so the harness evaluates `aws:SecureTransport` as true: statements
  conditioned on it being false never match, and those conditioned on it being true always do.
"""

from __future__ import annotations

import json
from typing import Any

SECURE_TRANSPORT = "aws:securetransport"


def _statement_applies_over_tls(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement as AWS would apply it to an HTTPS request, or None if it cannot match."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return statement
    remaining: dict[str, Any] = {}
    for operator, values in condition.items():
        if operator != "Bool" or not isinstance(values, dict):
            remaining[operator] = values
            continue
        others = {}
        for key, expected in values.items():
            if key.lower() != SECURE_TRANSPORT:
                others[key] = expected
                continue
            expected_values = expected if isinstance(expected, list) else [expected]
            if "true" not in [str(value).lower() for value in expected_values]:
                return None
        if others:
            remaining[operator] = others
    patched = dict(statement)
    if remaining:
        patched["Condition"] = remaining
    else:
        patched.pop("Condition")
    return patched


def policy_as_seen_over_tls(policy: str) -> str:
    document = json.loads(policy)
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    kept = [s for s in (_statement_applies_over_tls(s) for s in statements) if s is not None]
    document["Statement"] = kept
    return json.dumps(document)


def apply() -> None:
    """Install the patches into this process's moto."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = policy_as_seen_over_tls(self.policy.decode())
        return IAMPolicy(policy).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
