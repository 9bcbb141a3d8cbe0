"""FINOUT-IAM-002: the role trusts only Finout's principal, only for sts:AssumeRole, only with the
configured external ID; anything that widens that is named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.registry import Finding, check, failed, passed, warned
from finout_s3_telemetry.iam_policies import (
    ASSUME_ROLE,
    EXTERNAL_ID_KEY,
    as_list,
    describe_statement,
    statements,
)
from finout_s3_telemetry.naming import principal_arn
from finout_s3_telemetry.policy_documents import PolicyDocument


@dataclass
class TrustAnalysis:
    widening: list[str] = field(default_factory=list)
    """What lets someone else in, or Finout in without the external ID."""
    notes: list[str] = field(default_factory=list)
    """What only narrows trust but may stop Finout (extra conditions, Deny statements)."""
    finout_trusted: bool = False
    """Some statement lets Finout's principal assume the role with the external ID."""


def analyze(
    document: PolicyDocument, principal: str, external_id: str, partition: str
) -> TrustAnalysis:
    result = TrustAnalysis()
    found = statements(document)
    if not found:
        result.widening.append("the trust policy has no statements")
    for index, statement in enumerate(found, 1):
        sid = statement.get("Sid")
        label = f"statement {index}" + (f" ({sid})" if sid else "")
        effect = statement.get("Effect")
        if effect == "Deny":
            result.notes.append(
                f"{label} denies {describe_statement(statement)}, which may stop Finout"
            )
            continue
        if effect != "Allow":
            result.widening.append(f"{label} has Effect {effect!r}")
            continue
        problems, notes = _allow_statement(statement, principal, external_id, partition)
        result.widening += [f"{label} {p}" for p in problems]
        result.notes += [f"{label} {n}" for n in notes]
        if not problems:
            result.finout_trusted = True
    if found and not result.finout_trusted and not result.widening:
        result.widening.append(f"no statement lets {principal} assume the role")
    return result


def _allow_statement(
    statement: dict[str, Any], principal: str, external_id: str, partition: str
) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    if "NotPrincipal" in statement:
        problems.append("uses NotPrincipal, which trusts every principal it does not list")
    raw_principal = statement.get("Principal")
    if raw_principal is None and "NotPrincipal" not in statement:
        problems.append("has no Principal")
    elif raw_principal == "*":
        problems.append("trusts any principal (*)")
    elif isinstance(raw_principal, dict):
        for kind, values in raw_principal.items():
            for value in map(str, as_list(values)):
                if value == "*":
                    problems.append("trusts any principal (*)")
                elif kind != "AWS":
                    problems.append(f"trusts the {kind} principal {value}")
                elif principal_arn(value, partition) != principal:
                    problems.append(f"trusts {value}, which is not Finout's principal {principal}")
    if "NotAction" in statement:
        problems.append("uses NotAction, which allows every action it does not list")
    actions = [str(a) for a in as_list(statement.get("Action"))]
    if not actions and "NotAction" not in statement:
        problems.append("has no Action")
    extra = [a for a in actions if a.lower() != ASSUME_ROLE]
    if extra:
        problems.append(f"allows {', '.join(extra)} besides sts:AssumeRole")
    condition_problems, notes = _condition(statement.get("Condition"), external_id)
    return problems + condition_problems, notes


def _condition(condition: Any, external_id: str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    notes: list[str] = []
    required = False
    blocks = condition.items() if isinstance(condition, dict) else []
    for operator, block in blocks:
        for key, value in block.items() if isinstance(block, dict) else []:
            values = [str(v) for v in as_list(value)]
            if key.lower() != EXTERNAL_ID_KEY:
                notes.append(f"also requires {operator} {key} {values}, which may stop Finout")
            elif operator != "StringEquals":
                problems.append(f"tests sts:ExternalId with {operator} instead of StringEquals")
            elif values == [external_id]:
                required = True
            elif external_id in values:
                others = [v for v in values if v != external_id]
                problems.append(f"also accepts the external ID(s) {', '.join(others)}")
            else:
                problems.append(
                    f"requires the external ID {', '.join(values)}, not the configured "
                    f"{external_id}"
                )
    if not required and not problems:
        problems.append(
            "has no StringEquals sts:ExternalId condition, so the principal needs no external ID"
        )
    return problems, notes


@check(
    "FINOUT-IAM-002", Severity.CRITICAL, "Only Finout, with the external ID, may assume the role"
)
def trust_policy(ctx: EndpointContext) -> Finding | None:
    role = ctx.snapshot.role
    if not role.is_found:
        return None
    name, external_id = ctx.endpoint.role_name, ctx.endpoint.external_id
    analysis = analyze(
        role.get().trust_policy, ctx.principal_arn, external_id, ctx.endpoint.partition
    )
    fix = ctx.deploy("restore the trust policy")
    if analysis.widening:
        return failed(
            ctx.role_arn,
            f"Role {name}'s trust policy is not limited to {ctx.principal_arn} with external ID "
            f"{external_id}: " + "; ".join(analysis.widening) + ".",
            fix,
        )
    summary = f"Role {name} trusts only {ctx.principal_arn} with external ID {external_id}"
    if analysis.notes:
        return warned(ctx.role_arn, f"{summary}, but " + "; ".join(analysis.notes) + ".", fix)
    return passed(ctx.role_arn, f"{summary}.")


CHECKS = (trust_policy,)
