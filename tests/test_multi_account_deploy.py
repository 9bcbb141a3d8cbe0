"""One config, three AWS accounts, one pipeline identity: real terraform deploys each stack into
its own account through the account's deploy role, and `check` passes in all three.

The emulator serves every account (no MOTO_ACCOUNT_ID): credentials from sts:AssumeRole of a role
in account B act in account B, as on AWS. The pipeline identity is the emulator's fixed test
credentials, in moto's default account, where nothing may be created.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ACCOUNTS_CONFIG
from deployment import Deployment

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

pytestmark = [pytest.mark.terraform, pytest.mark.slow]

MOTO_OWN_ACCOUNT = "123456789012"
"""Where the emulator's fixed credentials act when no account is pinned: the pipeline's."""


def in_account(target: Target, role_arn: str, service: str, region: str) -> Any:
    """A client acting in the account of `role_arn`, as the pipeline's roles do."""
    sts = target.client("sts", region)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return target.client(
        service,
        region,
        credentials={
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        },
    )


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, LocalAws]]:
    data = yaml.safe_load(ACCOUNTS_CONFIG.read_text(encoding="utf-8"))
    with LocalAws(account_id=None) as aws:
        deployment = Deployment(tmp_path_factory.mktemp("estate"), aws.endpoint_url, data)
        # The existing bucket of the data account exists before the deploy, in that account.
        data_role = deployment.config.accounts["data"].deploy_role_arn
        s3 = in_account(deployment.target, data_role, "s3", "eu-west-1")
        s3.create_bucket(
            Bucket="acme-data-platform",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )
        deployment.synth()
        # The stacks are independent, as in CI's one job per stack.
        with ThreadPoolExecutor(len(deployment.stacks)) as pool:
            list(pool.map(deployment.deploy, deployment.stacks))
        yield deployment, aws


def test_each_stack_lands_in_its_own_account(estate: tuple[Deployment, LocalAws]) -> None:
    deployment, _ = estate
    for endpoint in deployment.config.endpoints:
        account = deployment.config.accounts[endpoint.account or ""]
        iam = in_account(deployment.target, account.deploy_role_arn, "iam", endpoint.region)
        role = iam.get_role(RoleName=endpoint.role_name)["Role"]
        assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role/{endpoint.role_name}"
        s3 = in_account(deployment.target, account.deploy_role_arn, "s3", endpoint.region)
        assert endpoint.bucket in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    # Nothing in the pipeline's own account.
    own = deployment.target.client("iam", "us-east-1")
    names = {r["RoleName"] for r in own.list_roles()["Roles"]}
    assert not names & {e.role_name for e in deployment.config.endpoints}
    assert deployment.target.client("s3", "us-east-1").list_buckets()["Buckets"] == []
    identity = deployment.target.client("sts", "us-east-1").get_caller_identity()
    assert identity["Account"] == MOTO_OWN_ACCOUNT


def test_a_plan_right_after_the_deploy_is_empty(estate: tuple[Deployment, LocalAws]) -> None:
    deployment, _ = estate
    for name in deployment.stacks:
        assert deployment.terraform(name).plan(detailed_exitcode=True).returncode == 0, name


def test_check_passes_in_all_three_accounts(estate: tuple[Deployment, LocalAws]) -> None:
    deployment, _ = estate
    code, report = deployment.check()
    assert code == 0, json.dumps(report, indent=1)[:4000]
    by_name = {endpoint["name"]: endpoint for endpoint in report["endpoints"]}
    assert [e["name"] for e in report["endpoints"]] == [
        "prod-main",
        "staging-main",
        "data-existing",
    ]
    assert {name: e["account"] for name, e in by_name.items()} == {
        "prod-main": "prod",
        "staging-main": "staging",
        "data-existing": "data",
    }


def test_a_role_of_another_account_is_refused_before_any_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The assumed role decides the account a stack acts in: a deploy role of another account
    # would put staging's stack into prod. Refused before anything is synthesized.
    data = yaml.safe_load(ACCOUNTS_CONFIG.read_text(encoding="utf-8"))
    data["accounts"]["staging"]["deploy_role_arn"] = (
        "arn:aws:iam::111111111111:role/finout-telemetry-deploy"
    )
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(data))
    outdir = tmp_path / "cdktf.out"
    assert main(["synth", "-c", str(config), "--outdir", str(outdir)]) == 2
    err = capsys.readouterr().err
    assert (
        "accounts.staging.deploy_role_arn: the role is in account 111111111111, but "
        "accounts.staging.account_id is 222222222222" in err
    )
    assert not outdir.exists()
