"""The policy evaluator on the checker's own questions, and policy comparison."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from finout_s3_telemetry.check.shared_answers import SharedAnswers
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.iam_evaluation import (
    Decision,
    Policy,
    Request,
    action_matches,
    identity_decision,
    resource_matches,
)
from finout_s3_telemetry.iam_evaluation import evaluate as full_evaluation
from finout_s3_telemetry.iam_policies import (
    describe_statement,
    same_policy,
    statement_difference,
    unified_diff,
)
from finout_s3_telemetry.policy_documents import PolicyDocument, read_only_policy

BUCKET = "arn:aws:s3:::acme-finout-telemetry"
ROLE = "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole"


def evaluate(
    documents: list[PolicyDocument],
    action: str,
    resource: str,
    context: Mapping[str, tuple[str, ...]] | None = None,
) -> Decision:
    """The decision of the role's identity policies alone (as the checker asks it)."""
    request = Request(action=action, resource=resource, principal_arn=ROLE, context=context or {})
    return identity_decision(documents, request)


def doc(*statements: dict[str, object]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def finout_policy() -> PolicyDocument:
    endpoint = EndpointConfig(
        name="main",
        region="us-east-1",
        bucket="acme-finout-telemetry",
        external_id="finout-ab12cd3",
        telemetries=["bytes"],
    )
    return read_only_policy(endpoint.bucket_arn)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:Get*", "s3:GetObject", True),
        ("s3:get*", "S3:GETOBJECT", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:*", "s3:DeleteBucket", True),
        ("*", "iam:PutRolePolicy", True),
        ("s3:?etObject", "s3:GetObject", True),
        ("s3:List*", "s3:ListBucket", True),
        ("s3:GetObject", "s3:GetObjectAcl", False),
        ("s3:Get[a]*", "s3:Geta", False),  # no character classes in IAM
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("*", f"{BUCKET}/a/b.csv", True),
        (f"{BUCKET}/*", f"{BUCKET}/finout/telemetry/bytes/x.csv", True),
        (f"{BUCKET}/*", BUCKET, False),
        (BUCKET, f"{BUCKET}/x", False),
        ("arn:aws:s3:::acme-*", BUCKET, True),
        ("arn:aws:s3:::ACME-finout-telemetry", BUCKET, False),  # ARNs are case-sensitive
        ("arn:aws:s3:::acme-finout-telemetr?", BUCKET, True),
        # A wildcard stays inside its ARN segment.
        ("arn:aws:iam::*", "arn:aws:iam::111122223333:role/R", False),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/R", True),
    ],
)
def test_resource_wildcards(pattern: str, arn: str, expected: bool) -> None:
    assert resource_matches(pattern, arn) is expected


def test_finout_policy_reads_and_lists_but_never_writes() -> None:
    policy = [finout_policy()]
    assert evaluate(policy, "s3:GetObject", f"{BUCKET}/finout/bytes/a.csv") == "allowed"
    assert evaluate(policy, "s3:ListBucket", BUCKET) == "allowed"
    assert evaluate(policy, "tag:GetTagKeys", "*") == "allowed"
    assert evaluate(policy, "s3:PutObject", f"{BUCKET}/finout/bytes/a.csv") == "implicitDeny"
    assert evaluate(policy, "s3:DeleteBucket", BUCKET) == "implicitDeny"
    assert evaluate(policy, "s3:GetObject", "arn:aws:s3:::other-bucket/a.csv") == "implicitDeny"


def test_explicit_deny_beats_allow() -> None:
    policies = [
        doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        doc({"Effect": "Deny", "Action": "s3:Delete*", "Resource": f"{BUCKET}/*"}),
    ]
    assert evaluate(policies, "s3:DeleteObject", f"{BUCKET}/k") == "explicitDeny"
    assert evaluate(policies, "s3:PutObject", f"{BUCKET}/k") == "allowed"


def test_not_action_and_not_resource() -> None:
    not_action = [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert evaluate(not_action, "s3:PutObject", f"{BUCKET}/k") == "allowed"
    assert evaluate(not_action, "iam:PutRolePolicy", "*") == "implicitDeny"
    not_resource = [doc({"Effect": "Allow", "Action": "s3:*", "NotResource": f"{BUCKET}/*"})]
    assert evaluate(not_resource, "s3:PutObject", f"{BUCKET}/k") == "implicitDeny"
    assert evaluate(not_resource, "s3:PutObject", "arn:aws:s3:::other/k") == "allowed"


def test_conditions_are_evaluated_with_known_keys_and_undecided_without() -> None:
    conditional_allow = [
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        )
    ]
    assert evaluate(conditional_allow, "s3:PutObject", f"{BUCKET}/k") == "undecided"
    inside = {"aws:sourceip": ("10.1.2.3",)}
    assert evaluate(conditional_allow, "s3:PutObject", f"{BUCKET}/k", inside) == "allowed"
    outside = {"aws:sourceip": ("192.0.2.1",)}
    assert evaluate(conditional_allow, "s3:PutObject", f"{BUCKET}/k", outside) == "implicitDeny"
    conditional_deny = [
        doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    ]
    assert evaluate(conditional_deny, "s3:GetObject", f"{BUCKET}/k") == "undecided"
    tls = {"aws:securetransport": ("true",)}
    assert evaluate(conditional_deny, "s3:GetObject", f"{BUCKET}/k", tls) == "allowed"


def test_no_statement_means_implicit_deny() -> None:
    assert evaluate([], "s3:GetObject", BUCKET) == "implicitDeny"
    single = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    }
    assert evaluate([single], "s3:GetObject", BUCKET) == "allowed"


def test_policies_compare_by_meaning() -> None:
    expected = finout_policy()
    reordered = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Bucket",
                "Effect": "Allow",
                "Action": ["s3:List*", "s3:Get*"],
                "Resource": [BUCKET],
            },
            {"Effect": "Allow", "Action": "tag:GetTagKeys", "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": f"{BUCKET}/*"},
        ],
    }
    assert same_policy(reordered, expected)


def test_a_broadened_policy_is_described_and_diffed() -> None:
    expected = finout_policy()
    live = {
        "Version": "2012-10-17",
        "Statement": [
            expected["Statement"][0],
            {"Effect": "Allow", "Action": "s3:*", "Resource": f"{BUCKET}/*"},
            expected["Statement"][2],
        ],
    }
    assert not same_policy(live, expected)
    extra, lacking = statement_difference(live, expected)
    assert [describe_statement(s) for s in extra] == [f"Allow s3:* on {BUCKET}/*"]
    assert [describe_statement(s) for s in lacking] == [f"Allow s3:Get*, s3:List* on {BUCKET}/*"]
    diff = unified_diff(live, expected)
    assert '+        "s3:*"' in diff
    assert '-        "s3:Get*",' in diff


@pytest.mark.parametrize(
    "extra",
    [
        # Writes allowed in one folder only: that folder's answer must not be shared.
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET}/finout/bytes/*"},
        # A variable in the resource: every request is evaluated on its own.
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET}/${{aws:userid}}/*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/finout/cpu/*"},
    ],
)
def test_shared_answers_equal_one_evaluation_per_request(extra: dict[str, object]) -> None:
    identity = [Policy("inline", finout_policy()), Policy("extra", doc(extra))]
    shared = SharedAnswers(identity=identity)
    for folder in ("bytes", "cpu", "gpu", "bytes/deeper"):
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
            request = Request(action, f"{BUCKET}/finout/{folder}/f.csv", ROLE)
            assert shared.evaluate(request) == full_evaluation(request, identity=identity)
