"""The iam:SimulatePrincipalPolicy path (moto has no such API, so botocore's Stubber answers)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from check_helpers import make_config

from finout_s3_telemetry.check import AwsUnavailable, RetryPolicy
from finout_s3_telemetry.check.access_answers import SIMULATION_METHOD, evaluate_access
from finout_s3_telemetry.check.aws import AwsReader
from finout_s3_telemetry.check.probes import access_probes, grouped
from finout_s3_telemetry.check.snapshot import EndpointSnapshot
from finout_s3_telemetry.targets import Target

ROLE_ARN = "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole"


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
    evaluation = evaluate_access(snapshot, probes)
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
    evaluation = evaluate_access(EndpointSnapshot("main", simulation=simulation), ())
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
    assert simulation.decisions[("s3:DeleteBucket", endpoint.bucket_arn)] == "conditional"
