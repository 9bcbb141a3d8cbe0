"""The iam:SimulatePrincipalPolicy path (moto has no such API, so botocore's Stubber answers)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from check_helpers import make_config

from finout_s3_telemetry.check import AwsUnavailable, RetryPolicy
from finout_s3_telemetry.check.access_answers import (
    SIMULATION_METHOD,
    AccessInputs,
    evaluate_access,
)
from finout_s3_telemetry.check.aws import AwsReader
from finout_s3_telemetry.check.checks.bucket_policy_reads import bucket_policy_denies_no_reads
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.model import Status
from finout_s3_telemetry.check.probes import access_probes, grouped
from finout_s3_telemetry.check.snapshot import EndpointSnapshot, Read, RoleInfo
from finout_s3_telemetry.targets import Target

ROLE_ARN = "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole"
INPUTS = AccessInputs(ROLE_ARN, "111122223333", "finout/telemetry", {})


def simulated(actions: list[str], resources: list[str], allow: set[str]) -> dict[str, Any]:
    return {
        "EvaluationResults": [
            {
                "EvalActionName": action,
                "EvalDecision": "allowed" if action in allow else "implicitDeny",
                "ResourceSpecificResults": [
                    {
                        "EvalResourceName": resource,
                        "EvalResourceDecision": "allowed" if action in allow else "implicitDeny",
                    }
                    for resource in resources
                ],
            }
            for action in actions
        ],
        "IsTruncated": False,
    }


@pytest.fixture
def reader() -> AwsReader:
    return AwsReader(Target("aws"), RetryPolicy(retries=0))


def test_one_simulation_per_probe_group_and_its_answers_are_used(reader: AwsReader) -> None:
    endpoint = make_config().endpoints[0]
    probes = access_probes(endpoint, ROLE_ARN)
    iam = reader.client("iam", "us-east-1")
    allow = {"s3:GetObject", "s3:ListBucket", "s3:PutObject"}  # PutObject: a widened role
    with Stubber(iam) as stub:
        for actions, resources in grouped(probes).values():
            stub.add_response("simulate_principal_policy", simulated(actions, resources, allow))
        simulation = reader._simulate(iam, probes, ROLE_ARN)
        # One call per group: three responses queued, all consumed, none asked for beyond them.
        # (The Stubber answers before botocore's other before-call hooks, so the counter is idle.)
        stub.assert_no_pending_responses()
    assert simulation.ran
    snapshot = EndpointSnapshot("main", simulation=simulation)
    evaluation = evaluate_access(snapshot, probes, INPUTS)
    assert evaluation.method == SIMULATION_METHOD
    wrong = {r.probe.action for r in evaluation.results if not r.as_expected}
    assert wrong == {"s3:PutObject"}


def test_a_denied_simulation_falls_back_and_says_why(reader: AwsReader) -> None:
    endpoint = make_config().endpoints[0]
    iam = reader.client("iam", "us-east-1")
    with Stubber(iam) as stub:
        stub.add_client_error(
            "simulate_principal_policy", "AccessDenied", "not authorized to simulate"
        )
        simulation = reader._simulate(iam, access_probes(endpoint, ROLE_ARN), ROLE_ARN)
    assert not simulation.ran
    assert simulation.unavailable == "AccessDenied: not authorized to simulate"
    evaluation = evaluate_access(EndpointSnapshot("main", simulation=simulation), (), INPUTS)
    assert "iam:SimulatePrincipalPolicy is unavailable (AccessDenied" in evaluation.method


def test_rejected_credentials_stop_the_run(reader: AwsReader) -> None:
    endpoint = make_config().endpoints[0]
    iam = reader.client("iam", "us-east-1")
    with Stubber(iam) as stub:
        stub.add_client_error("simulate_principal_policy", "ExpiredToken", "expired")
        with pytest.raises(AwsUnavailable) as raised:
            reader._simulate(iam, access_probes(endpoint, ROLE_ARN), ROLE_ARN)
    assert raised.value.kind == "invalid-credentials"
    assert "ExpiredToken" in str(raised.value)


def test_missing_context_makes_an_allow_conditional(reader: AwsReader) -> None:
    endpoint = make_config().endpoints[0]
    probes = access_probes(endpoint, ROLE_ARN)
    iam = reader.client("iam", "us-east-1")
    with Stubber(iam) as stub:
        for actions, resources in grouped(probes).values():
            response = simulated(actions, resources, {"s3:DeleteBucket"})
            for result in response["EvaluationResults"]:
                for item in result["ResourceSpecificResults"]:
                    item["MissingContextValues"] = ["aws:SourceIp"]
            stub.add_response("simulate_principal_policy", response)
        simulation = reader._simulate(iam, probes, ROLE_ARN)
    assert simulation.decisions[("s3:DeleteBucket", endpoint.bucket_arn)] == "undecided"


def bucket_policy_answer(endpoint: Any, deny_list: bool) -> dict[str, Any]:
    """IAM's answer to Finout's reads with the bucket policy as the resource policy: the
    ListBucket Deny found, or undecided for want of the source address."""
    files = [p.resource for p in access_probes(endpoint, ROLE_ARN) if p.action == "s3:GetObject"]
    list_result = {
        "EvalResourceName": endpoint.bucket_arn,
        "EvalResourceDecision": "explicitDeny" if deny_list else "allowed",
        "MatchedStatements": [{"SourcePolicyId": "ResourcePolicy", "SourcePolicyType": "resource"}]
        if deny_list
        else [],
        **({} if deny_list else {"MissingContextValues": ["aws:SourceIp"]}),
    }
    get_results = [{"EvalResourceName": arn, "EvalResourceDecision": "allowed"} for arn in files]
    return {
        "EvaluationResults": [
            {
                "EvalActionName": "s3:ListBucket",
                "EvalDecision": list_result["EvalResourceDecision"],
                "ResourceSpecificResults": [list_result],
            },
            {
                "EvalActionName": "s3:GetObject",
                "EvalDecision": "allowed",
                "ResourceSpecificResults": get_results,
            },
        ],
        "IsTruncated": False,
    }


DENY_LIST_FROM_OUTSIDE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OnlyFromTheOffice",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::acme-finout-telemetry",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        }
    ],
}


@pytest.mark.parametrize(
    ("deny_list", "method"),
    [
        (True, "Evaluated by iam:SimulatePrincipalPolicy with the bucket policy"),
        (
            False,
            "for 3 reads, and locally, by AWS's policy evaluation rules, for the 1",
        ),
    ],
)
def test_s3_009_uses_iams_simulation_of_the_bucket_policy_where_it_decides(
    reader: AwsReader, deny_list: bool, method: str
) -> None:
    config = make_config()
    endpoint = config.endpoints[0]
    reads = tuple(p for p in access_probes(endpoint, ROLE_ARN) if p.expect == "allow")
    iam = reader.client("iam", "us-east-1")
    snapshot = EndpointSnapshot(
        "main",
        role=Read.found(RoleInfo("FinoutMetricsReadOnlyRole", ROLE_ARN, {})),
        bucket_policy=Read.found(DENY_LIST_FROM_OUTSIDE),
    )
    with Stubber(iam) as stub:
        stub.add_response("simulate_principal_policy", bucket_policy_answer(endpoint, deny_list))
        snapshot.bucket_policy_simulation = reader._simulate_bucket_policy(
            iam, reads, ROLE_ARN, DENY_LIST_FROM_OUTSIDE, "111122223333", endpoint, snapshot
        )
        stub.assert_no_pending_responses()
    ctx = EndpointContext(config, endpoint, snapshot, "111122223333")
    finding = bucket_policy_denies_no_reads.run(ctx)
    assert finding is not None
    # Either way the ListBucket Deny (from outside the office's addresses) is found and named.
    assert finding.status is Status.FAIL, finding.detail
    assert finding.detail.startswith("Statement 1 (Sid OnlyFromTheOffice) of bucket")
    assert "aws:SourceIp" in finding.detail and method in finding.detail
