"""Policy evaluation for many requests that differ only in their resource.

The checker asks the same question for every telemetry folder (may the role read, write or
delete there?). Two requests with the same action and context whose resources are matched by
exactly the same Resource/NotResource patterns of every statement get the same answer, so the
answer is computed once per such group: the number of evaluations follows the number of distinct
policy shapes, not of folders. Policies with variables in their resources (`${aws:username}`)
make the resource itself matter, and are evaluated request by request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from finout_s3_telemetry.iam_evaluation import (
    Evaluation,
    Policy,
    Request,
    ResourceKind,
    ResourcePatterns,
    evaluate,
)
from finout_s3_telemetry.iam_policies import as_list, statements

_RESOURCE_ELEMENTS = ("Resource", "NotResource")


def _patterns(policies: Sequence[Policy | None]) -> Iterator[str]:
    for policy in policies:
        if policy is None or not isinstance(policy.document, Mapping):
            continue
        for statement in statements(policy.document):
            for element in _RESOURCE_ELEMENTS:
                yield from (str(p) for p in as_list(statement.get(element)))


class SharedAnswers:
    """`evaluate` with the same policies for many requests, each distinct answer computed once."""

    def __init__(
        self,
        *,
        identity: Sequence[Policy] = (),
        resource_policy: Policy | None = None,
        boundary: Policy | None = None,
        scps: Sequence[Sequence[Policy]] | None = None,
        resource_kind: ResourceKind = "other",
    ) -> None:
        self._policies: dict[str, Any] = {
            "identity": identity,
            "resource_policy": resource_policy,
            "boundary": boundary,
            "scps": scps,
            "resource_kind": resource_kind,
        }
        everything = [*identity, resource_policy, boundary, *(p for lv in scps or () for p in lv)]
        patterns = tuple(dict.fromkeys(_patterns(everything)))
        self._patterns = ResourcePatterns(patterns)
        self._exact = any("${" in pattern for pattern in patterns)
        self._answers: dict[tuple[Any, ...], Evaluation] = {}
        self._matches: dict[str, tuple[bool | None, ...]] = {}
        """Resource -> how each pattern matches it: asked once per resource, not per request
        (every action on a folder's file shares it)."""

    def _matched(self, resource: str) -> tuple[bool | None, ...]:
        # Three-valued: a pattern that may or may not match one resource (a `*` that might span
        # colons) must not share the answer of a resource it certainly misses.
        found = self._matches.get(resource)
        if found is None:
            found = self._patterns.verdicts(resource)
            self._matches[resource] = found
        return found

    def evaluate(self, request: Request) -> Evaluation:
        if self._exact:
            return evaluate(request, **self._policies)
        shape = (
            request.action.lower(),
            request.principal_arn,
            request.session_arn,
            request.resource_account,
            tuple(sorted(request.context.items())),
            self._matched(request.resource),
        )
        answer = self._answers.get(shape)
        if answer is None:
            answer = self._answers[shape] = evaluate(request, **self._policies)
        return answer
