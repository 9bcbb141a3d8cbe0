"""One endpoint per access mode (tests/access_modes_telemetry.yaml), deployed with the real
terraform and the AWS provider to the moto server: every check passes on what was deployed, a
plan right after is empty, and drift that widens each mode fails the check that names it.

One module-scoped deployment (the three stacks apply side by side: most of a deploy is the
provider's lifecycle wait); each drift case puts the deployed policy back when it is done.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import yaml
from conftest import ACCESS_MODES_CONFIG
from deployment import Deployment

from finout_s3_telemetry.form_values import print_form_values
from finout_s3_telemetry.iam_policies import same_policy
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.policy_documents import PolicyDocument, access_policy

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

READ_ONLY, SCOPED, READ_WRITE = "mode-read-only", "mode-scoped", "mode-read-write"


@pytest.fixture(scope="module")
def deployed(local_aws_server: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    local_aws_server.reset()
    data = yaml.safe_load(ACCESS_MODES_CONFIG.read_text(encoding="utf-8"))
    deployment = Deployment(
        tmp_path_factory.mktemp("access-modes"), local_aws_server.endpoint_url, data
    )
    deployment.synth()
    with ThreadPoolExecutor(max_workers=len(deployment.stacks)) as pool:
        for done in [pool.submit(deployment.deploy, name) for name in deployment.stacks]:
            done.result()
    # A file in every folder: an empty one is only a FINOUT-CSV-002 warning, but files make
    # FINOUT-CSV-001 and the object checks judge something.
    s3 = deployment.client("s3")
    for endpoint in deployment.config.endpoints:
        for telemetry in endpoint.telemetries:
            key = endpoint.folder_key(telemetry) + "2026-01-01.csv"
            body = f'"date","team","{telemetry}"\n"2026-01-01","servers","12.5"\n'
            s3.put_object(Bucket=endpoint.bucket, Key=key, Body=body.encode())
    return deployment


def failed_ids(deployment: Deployment, endpoint: str) -> set[str]:
    code, report = deployment.check("--endpoint", endpoint)
    (only,) = report["endpoints"]
    failed = {c["id"] for c in only["checks"] if c["status"] == "fail"}
    assert (code == 1) == bool(failed), report
    return failed


def live_policy(deployment: Deployment, name: str) -> PolicyDocument:
    endpoint = deployment.config.endpoint(name)
    iam = deployment.client("iam")
    document = iam.get_role_policy(RoleName=endpoint.role_name, PolicyName=endpoint.policy_name)
    policy = document["PolicyDocument"]
    return json.loads(policy) if isinstance(policy, str) else policy  # type: ignore[no-any-return]


@contextmanager
def policy_replaced(deployment: Deployment, name: str, policy: PolicyDocument) -> Iterator[None]:
    endpoint = deployment.config.endpoint(name)
    iam = deployment.client("iam")
    deployed = live_policy(deployment, name)

    def put(document: PolicyDocument) -> None:
        iam.put_role_policy(
            RoleName=endpoint.role_name,
            PolicyName=endpoint.policy_name,
            PolicyDocument=json.dumps(document),
        )

    put(policy)
    try:
        yield
    finally:
        put(deployed)


def test_each_mode_deploys_its_own_policy(deployed: Deployment) -> None:
    for endpoint in deployed.config.endpoints:
        expected = access_policy(
            endpoint.access, endpoint.bucket_arn, endpoint.prefix, endpoint.write_prefix
        )
        assert same_policy(live_policy(deployed, endpoint.name), expected), endpoint.name


def test_every_check_passes_for_every_mode(deployed: Deployment) -> None:
    code, report = deployed.check()
    failed = [
        (e["name"], c["id"], c["detail"])
        for e in report["endpoints"]
        for c in e["checks"]
        if c["status"] == "fail"
    ]
    assert code == 0 and failed == []
    for endpoint in report["endpoints"]:
        ids = {c["id"]: c for c in endpoint["checks"]}
        for check_id in ("FINOUT-IAM-003", "FINOUT-IAM-005", "FINOUT-IAM-006"):
            assert ids[check_id]["status"] == "pass", (endpoint["name"], check_id)


def test_a_plan_right_after_the_deploy_is_empty(deployed: Deployment) -> None:
    for name in deployed.stacks:
        result = deployed.terraform(name).plan("-lock=false", detailed_exitcode=True)
        assert result.returncode == 0, (name, result.output)


def test_read_only_widened_with_uploads_fails(deployed: Deployment) -> None:
    endpoint = deployed.config.endpoint(READ_ONLY)
    widened = access_policy("read_only", endpoint.bucket_arn)
    widened["Statement"].append(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{endpoint.bucket_arn}/*"}
    )
    with policy_replaced(deployed, READ_ONLY, widened):
        assert failed_ids(deployed, READ_ONLY) == {"FINOUT-IAM-003", "FINOUT-IAM-006"}


def test_scoped_widened_to_the_whole_bucket_fails(deployed: Deployment) -> None:
    endpoint = deployed.config.endpoint(SCOPED)
    with policy_replaced(deployed, SCOPED, access_policy("read_only", endpoint.bucket_arn)):
        assert failed_ids(deployed, SCOPED) == {"FINOUT-IAM-003", "FINOUT-IAM-005"}


def test_read_write_widened_to_the_whole_bucket_fails(deployed: Deployment) -> None:
    endpoint = deployed.config.endpoint(READ_WRITE)
    widened = access_policy("read_write", endpoint.bucket_arn, write_prefix=endpoint.write_prefix)
    widened["Statement"][3]["Resource"] = f"{endpoint.bucket_arn}/*"
    with policy_replaced(deployed, READ_WRITE, widened):
        assert failed_ids(deployed, READ_WRITE) == {"FINOUT-IAM-003", "FINOUT-IAM-006"}


def test_an_export_under_the_write_prefix_is_no_drift(deployed: Deployment) -> None:
    """Finout's exporter writing a file under the write prefix changes nothing the checker
    judges: the telemetry folders and the role are as deployed."""
    endpoint = deployed.config.endpoint(READ_WRITE)
    key = f"{endpoint.write_prefix}/2026-01-01/export.csv"
    deployed.client("s3").put_object(Bucket=endpoint.bucket, Key=key, Body=b"exported\n")
    assert failed_ids(deployed, READ_WRITE) == set()


def test_the_form_values_name_the_access_to_pick_in_finout(
    deployed: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {name: deployed.terraform(name).outputs() for name in deployed.stacks}
    assert "finout_access" not in outputs[READ_ONLY]  # the default keeps its outputs
    assert outputs[SCOPED]["finout_access"] == "Read only"
    assert outputs[READ_WRITE]["finout_access"] == "Read and write"
    print_form_values(deployed.config, outputs)
    printed = capsys.readouterr().out
    blocks = {block.split("\n", 1)[0]: block for block in printed.split("\nendpoint ")[1:]}
    assert "  Access          Read only" in blocks[READ_ONLY]
    assert "  Access          Read only" in blocks[SCOPED]
    assert "  Access          Read and write" in blocks[READ_WRITE]
    assert "  Write prefix    finout/exports/" in blocks[READ_WRITE]
    assert "Write prefix" not in blocks[SCOPED]
