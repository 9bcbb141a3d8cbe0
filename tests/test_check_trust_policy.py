"""The trust policy analysis on its own: what widens trust is named, what narrows it is a note."""

from __future__ import annotations

from typing import Any

from finout_s3_telemetry.check.checks.trust_policy import analyze

FINOUT = "arn:aws:iam::123456789012:root"
EXTERNAL_ID = "finout-ab12cd3"


def statement(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Sid": "FinoutAssumeRoleWithExternalId",
        "Effect": "Allow",
        "Principal": {"AWS": FINOUT},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def problems(*statements: dict[str, Any]) -> list[str]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return analyze(document, FINOUT, EXTERNAL_ID, "aws").widening


def test_the_deployed_statement_has_no_problem() -> None:
    assert problems(statement()) == []


def test_account_id_principal_equals_its_root_arn() -> None:
    assert problems(statement(Principal={"AWS": "123456789012"})) == []
    assert problems(statement(Action=["sts:AssumeRole"], Principal={"AWS": [FINOUT]})) == []


def test_missing_external_id_is_named() -> None:
    (problem,) = problems(statement(Condition=None))
    assert "has no StringEquals sts:ExternalId condition" in problem
    assert problem.startswith("statement 1 (FinoutAssumeRoleWithExternalId)")


def test_wrong_or_extra_external_ids_and_operators_are_named() -> None:
    assert (
        "requires the external ID other, not the configured finout-ab12cd3"
        in problems(statement(Condition={"StringEquals": {"sts:ExternalId": "other"}}))[0]
    )
    assert (
        "also accepts the external ID(s) other"
        in problems(
            statement(Condition={"StringEquals": {"sts:ExternalId": [EXTERNAL_ID, "other"]}})
        )[0]
    )
    assert (
        "with StringLike instead of StringEquals"
        in problems(statement(Condition={"StringLike": {"sts:ExternalId": "finout-*"}}))[0]
    )


def test_wildcard_and_foreign_principals_are_named() -> None:
    assert "trusts any principal (*)" in problems(statement(Principal="*"))[0]
    assert "trusts any principal (*)" in problems(statement(Principal={"AWS": "*"}))[0]
    other = "arn:aws:iam::999999999999:root"
    found = problems(statement(Principal={"AWS": [FINOUT, other]}))
    assert found == [
        f"statement 1 (FinoutAssumeRoleWithExternalId) trusts {other}, which is not Finout's "
        f"principal {FINOUT}"
    ]
    assert (
        "trusts the Service principal ec2.amazonaws.com"
        in problems(statement(Principal={"Service": "ec2.amazonaws.com"}))[0]
    )


def test_not_principal_not_action_and_extra_actions_are_named() -> None:
    assert (
        "uses NotPrincipal" in problems(statement(Principal=None, NotPrincipal={"AWS": FINOUT}))[0]
    )
    assert "uses NotAction" in problems(statement(Action=None, NotAction="sts:TagSession"))[0]
    assert (
        "allows sts:TagSession besides sts:AssumeRole"
        in problems(statement(Action=["sts:AssumeRole", "sts:TagSession"]))[0]
    )
    assert "allows sts:* besides sts:AssumeRole" in problems(statement(Action="sts:*"))[0]


def test_an_extra_statement_is_named_by_position() -> None:
    extra = statement(
        Sid=None, Principal={"AWS": "arn:aws:iam::999999999999:role/ci"}, Condition=None
    )
    found = problems(statement(), extra)
    assert len(found) == 2
    assert all(p.startswith("statement 2 ") for p in found)


def test_narrowing_conditions_and_denies_are_notes_not_problems() -> None:
    narrowed = statement(
        Condition={
            "StringEquals": {"sts:ExternalId": EXTERNAL_ID},
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        }
    )
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    analysis = analyze(
        {"Version": "2012-10-17", "Statement": [narrowed, deny]}, FINOUT, EXTERNAL_ID, "aws"
    )
    assert analysis.widening == []
    assert len(analysis.notes) == 2


def test_an_empty_policy_is_a_problem() -> None:
    assert problems() == ["the trust policy has no statements"]
