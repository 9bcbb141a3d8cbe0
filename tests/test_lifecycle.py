"""Deploy with the real terraform to a real moto server, drift it, catch it, repair it.

One deployment is shared by the module (an apply against moto takes ~15 s); every test leaves it
as deployed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from deployment import Deployment

from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.terraform_runner import TerraformError

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": "life",
            "region": "us-east-1",
            "account_id": "111122223333",
            "bucket": "acme-lifecycle",
            "prefix": "finout",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes", "requests"],
        }
    ],
}
ROLE = "FinoutMetricsReadOnlyRole"
POLICY = "finest-access-policy_telemetry_export"


@pytest.fixture(scope="module")
def deployed(
    local_aws_server: LocalAws, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    local_aws_server.reset()
    deployment = Deployment(tmp_path_factory.mktemp("life"), local_aws_server.endpoint_url, CONFIG)
    deployment.synth()
    deployment.deploy()
    yield deployment


def trust(statement_changes: dict[str, Any]) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "finout-ab12cd3"}},
    }
    statement.update(statement_changes)
    statement = {k: v for k, v in statement.items() if v is not None}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def drop_external_id(d: Deployment) -> None:
    d.client("iam").update_assume_role_policy(
        RoleName=ROLE, PolicyDocument=trust({"Condition": None})
    )


def widen_principal(d: Deployment) -> None:
    d.client("iam").update_assume_role_policy(
        RoleName=ROLE, PolicyDocument=trust({"Principal": {"AWS": "*"}})
    )


def broaden_inline_policy(d: Deployment) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    d.client("iam").put_role_policy(
        RoleName=ROLE, PolicyName=POLICY, PolicyDocument=json.dumps(document)
    )


def delete_folder(d: Deployment) -> None:
    d.client("s3").delete_object(Bucket="acme-lifecycle", Key="finout/requests/")


def remove_public_access_block(d: Deployment) -> None:
    d.client("s3").delete_public_access_block(Bucket="acme-lifecycle")


def delete_role(d: Deployment) -> None:
    iam = d.client("iam")
    iam.delete_role_policy(RoleName=ROLE, PolicyName=POLICY)
    iam.delete_role(RoleName=ROLE)


def test_a_fresh_deploy_passes_every_check_and_plans_no_change(deployed: Deployment) -> None:
    code, report = deployed.check()
    assert code == 0, report
    assert report["ok"] is True
    assert [e["name"] for e in report["endpoints"]] == ["life"]
    plan = deployed.terraform("life").plan(detailed_exitcode=True)
    assert plan.returncode == 0, plan.output


# Each drift, and exactly the checks that must fail, with a phrase of their detail.
DRIFTS: dict[str, tuple[Callable[[Deployment], None], dict[str, str]]] = {
    "trust policy without the external ID": (
        drop_external_id,
        {"FINOUT-IAM-002": "has no StringEquals sts:ExternalId condition"},
    ),
    "principal widened": (widen_principal, {"FINOUT-IAM-002": "trusts any principal (*)"}),
    "inline policy broadened to s3:*": (
        broaden_inline_policy,
        {"FINOUT-IAM-003": "Allow s3:*", "FINOUT-IAM-006": "is allowed s3:PutObject"},
    ),
    "a telemetry folder deleted": (
        delete_folder,
        {"FINOUT-S3-003": "finout/requests/"},
    ),
    "the public access block removed": (
        remove_public_access_block,
        {"FINOUT-S3-004": "has no public access block"},
    ),
    "the role deleted": (delete_role, {"FINOUT-IAM-001": f"Role {ROLE} does not exist."}),
}


@pytest.mark.parametrize("drift", list(DRIFTS))
def test_drift_is_caught_by_name_and_repaired_by_deploying_again(
    deployed: Deployment, drift: str
) -> None:
    make_drift, expected = DRIFTS[drift]
    assert deployed.failed() == []
    make_drift(deployed)
    failed = {c["id"]: c["detail"] for c in deployed.failed()}
    assert set(failed) == set(expected), failed
    for check_id, phrase in expected.items():
        assert phrase in failed[check_id], failed[check_id]
    deployed.deploy()
    assert deployed.failed() == []


def test_adding_a_telemetry_adds_only_its_folder(deployed: Deployment) -> None:
    data = copy.deepcopy(CONFIG)
    data["endpoints"][0]["telemetries"].append("gpu_hours")
    deployed.synth(data)
    terraform = deployed.terraform("life")
    try:
        terraform.plan("-out=add.tfplan")
        changes = terraform.show_json("add.tfplan")["resource_changes"]
        changed = [
            (c["address"], c["change"]["actions"])
            for c in changes
            if c["change"]["actions"] != ["no-op"]
        ]
        assert changed == [('aws_s3_object.telemetry_folders["gpu_hours"]', ["create"])]
        terraform.run("apply", "-no-color", "-input=false", "add.tfplan")
        keys = deployed.client("s3").list_objects_v2(Bucket="acme-lifecycle", Prefix="finout/")
        assert "finout/gpu_hours/" in [o["Key"] for o in keys["Contents"]]
        assert deployed.failed() == []
    finally:
        deployed.synth(CONFIG)
        deployed.deploy()


def test_a_wrong_account_id_is_refused_before_any_change(
    local_aws_server: LocalAws, tmp_path: Path
) -> None:
    data = copy.deepcopy(CONFIG)
    data["endpoints"][0].update(
        name="wrong",
        account_id="999988887777",
        bucket="acme-wrong-account",
        role_name="WrongAccountRole",
    )
    deployment = Deployment(tmp_path, local_aws_server.endpoint_url, data)
    deployment.synth()
    terraform = deployment.terraform("wrong")
    terraform.init()
    with pytest.raises(TerraformError) as refused:
        terraform.apply()
    assert "AWS account ID not allowed: 111122223333" in refused.value.output
    buckets = [b["Name"] for b in deployment.client("s3").list_buckets()["Buckets"]]
    assert "acme-wrong-account" not in buckets
    roles = [r["RoleName"] for r in deployment.client("iam").list_roles()["Roles"]]
    assert "WrongAccountRole" not in roles
