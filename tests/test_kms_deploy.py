"""An SSE-KMS endpoint with a key made by the stack (`kms_key: create`), deployed with the real
terraform and the AWS provider to the moto server: it deploys, a plan right after is empty, the
live key, bucket and role are what was synthesized, and real plans of deleting the key or of
repairing its policy are summarized in words.

The deployment is conftest's module-scoped `kms_deployed` fixture (about a minute to deploy).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import KMS_DEPLOYED_ENDPOINT
from deployment import Deployment

from finout_s3_telemetry.form_values import print_form_values
from finout_s3_telemetry.iam_policies import same_policy
from finout_s3_telemetry.naming import kms_alias_name, kms_policy_name
from finout_s3_telemetry.plan_summary import parse_plan, renderer, summarize
from finout_s3_telemetry.policy_documents import (
    kms_decrypt_policy,
    kms_key_policy,
    read_only_policy,
)

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

NAME = KMS_DEPLOYED_ENDPOINT


def endpoint(deployment: Deployment) -> Any:
    return deployment.config.endpoint(NAME)


def outputs(deployment: Deployment) -> dict[str, Any]:
    return deployment.terraform(NAME).outputs()


@pytest.fixture(scope="module")
def plans(kms_deployed: Deployment) -> dict[str, Any]:
    """Real plans against the deployment: right after the deploy (the terraform result, for its
    exit code), of its destroy, and of repairing a key policy that another principal widened
    (the live policy is put back afterwards). The first two run side by side."""
    config = endpoint(kms_deployed)
    terraform = kms_deployed.terraform(NAME)
    # Plans only read the state, so they may run at once without its lock.
    with ThreadPoolExecutor(max_workers=2) as pool:
        after_deploy = pool.submit(terraform.plan, "-lock=false", detailed_exitcode=True)
        destroy = pool.submit(saved_plan, kms_deployed, "destroy", "-destroy")
        result: dict[str, Any] = {
            "after-deploy": after_deploy.result(),
            "destroy": destroy.result(),
        }
    kms = kms_deployed.client("kms", config.region)
    key_id = outputs(kms_deployed)["finout_kms_key_arn"].rpartition("/")[2]
    deployed = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    widened = json.loads(deployed)
    widened["Statement"].append(
        {
            "Sid": "Intruder",
            "Effect": "Allow",
            "Principal": {"AWS": intruder(config)},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(widened))
    try:
        result["repair"] = saved_plan(kms_deployed, "repair")
    finally:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=deployed)
    return result


def intruder(config: Any) -> str:
    return f"arn:aws:iam::{config.account_id}:role/Intruder"


def saved_plan(deployment: Deployment, name: str, *flags: str) -> dict[str, Any]:
    terraform = deployment.terraform(NAME)
    terraform.plan(*flags, "-lock=false", f"-out={name}.tfplan")
    return terraform.show_json(f"{name}.tfplan")


def rendered(plan: dict[str, Any]) -> tuple[str, str]:
    summary = summarize([parse_plan(NAME, plan)])
    return renderer("markdown").render(summary), renderer("text").render(summary)


def test_a_created_key_deploys_and_a_plan_right_after_is_empty(plans: dict[str, Any]) -> None:
    after_deploy = plans["after-deploy"]
    assert after_deploy.returncode == 0, after_deploy.output


def test_check_passes_on_the_deployed_key_and_its_files(kms_deployed: Deployment) -> None:
    """What terraform deployed passes every check, FINOUT-KMS-001 included: the key policy and
    the role's kms:Decrypt policy, evaluated together, let the role read a file S3 encrypted."""
    config = endpoint(kms_deployed)
    telemetry = config.telemetries[0]
    kms_deployed.client("s3", config.region).put_object(
        Bucket=config.bucket,
        Key=f"{config.folder_key(telemetry)}export.csv",
        Body=f'"date","{telemetry}"\n"2024-06-07","1"\n'.encode(),
    )
    code, report = kms_deployed.check()
    (checked,) = report["endpoints"]
    statuses = {c["id"]: c["status"] for c in checked["checks"]}
    assert code == 0, report
    assert statuses["FINOUT-KMS-001"] == "pass" and statuses["FINOUT-S3-006"] == "pass"
    key_arn = outputs(kms_deployed)["finout_kms_key_arn"]
    decrypt = next(c for c in checked["checks"] if c["id"] == "FINOUT-KMS-001")
    assert f"may decrypt with key {key_arn}" in decrypt["detail"]


def test_the_bucket_encrypts_with_the_created_key(kms_deployed: Deployment) -> None:
    config = endpoint(kms_deployed)
    key_arn = outputs(kms_deployed)["finout_kms_key_arn"]
    s3 = kms_deployed.client("s3", config.region)
    [rule] = s3.get_bucket_encryption(Bucket=config.bucket)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }
    assert rule["BucketKeyEnabled"] is True
    s3.put_object(Bucket=config.bucket, Key=f"{config.folder_key('bytes')}2026-01-01.csv", Body=b"")
    head = s3.head_object(Bucket=config.bucket, Key=f"{config.folder_key('bytes')}2026-01-01.csv")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    assert head["BucketKeyEnabled"] is True


def test_the_key_rotates_has_its_alias_and_lets_only_the_role_decrypt(
    kms_deployed: Deployment,
) -> None:
    config = endpoint(kms_deployed)
    values = outputs(kms_deployed)
    kms = kms_deployed.client("kms", config.region)
    key_id = values["finout_kms_key_arn"].rpartition("/")[2]
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["Arn"] == values["finout_kms_key_arn"]
    assert metadata["KeyManager"] == "CUSTOMER" and metadata["Enabled"] is True
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases[kms_alias_name(NAME)] == key_id
    live = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    root = f"arn:aws:iam::{config.account_id}:root"
    assert same_policy(live, kms_key_policy(root, values["finout_role_arn"], config.region))


def test_the_role_keeps_finouts_policy_and_gets_kms_decrypt_beside_it(
    kms_deployed: Deployment,
) -> None:
    config = endpoint(kms_deployed)
    key_arn = outputs(kms_deployed)["finout_kms_key_arn"]
    iam = kms_deployed.client("iam", config.region)
    names = iam.list_role_policies(RoleName=config.role_name)["PolicyNames"]
    assert sorted(names) == sorted([config.policy_name, kms_policy_name(config.policy_name)])

    def document(name: str) -> Any:
        return iam.get_role_policy(RoleName=config.role_name, PolicyName=name)["PolicyDocument"]

    assert same_policy(document(config.policy_name), read_only_policy(config.bucket_arn))
    assert same_policy(
        document(kms_policy_name(config.policy_name)), kms_decrypt_policy(key_arn, config.region)
    )


def test_a_plan_that_deletes_the_key_warns_that_its_files_become_unreadable(
    kms_deployed: Deployment, plans: dict[str, Any]
) -> None:
    key_arn = outputs(kms_deployed)["finout_kms_key_arn"]
    markdown, text = rendered(plans["destroy"])
    assert "> **Deletes and replacements of a bucket, KMS key, role or policy**" in markdown
    assert (
        f"The KMS key {key_arn} (aws_kms_key.kms_key) will be DELETED. KMS deletes it after its "
        "30-day waiting period (`aws kms cancel-key-deletion` stops that until then), and files "
        "encrypted with it become unreadable to everyone, Finout included, once the key is deleted."
    ) in text
    assert f"The inline policy {kms_policy_name(endpoint(kms_deployed).policy_name)}" in text


def test_repairing_a_key_policy_that_let_another_principal_decrypt_is_said_in_words(
    kms_deployed: Deployment, plans: dict[str, Any]
) -> None:
    config = endpoint(kms_deployed)
    values = outputs(kms_deployed)
    markdown, text = rendered(plans["repair"])
    root = f"arn:aws:iam::{config.account_id}:root"
    for summary in (markdown, text):
        assert "Who can decrypt the bucket's files" in summary
        assert f"No longer allowed to decrypt: {intruder(config)}." in summary
        assert "0 to create, 1 to update, 0 to replace, 0 to delete" in summary
    assert (
        f"Who may decrypt with the key changes from {values['finout_role_arn']}, "
        f"{intruder(config)}, "
        f"{root} to {values['finout_role_arn']}, {root}."
    ) in text
    assert "[!WARNING]" not in markdown


def test_demo_prints_the_key_beside_finouts_form(
    kms_deployed: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    values = outputs(kms_deployed)
    print_form_values(kms_deployed.config, {NAME: values})
    lines = capsys.readouterr().out.splitlines()
    assert f"  Role ARN        {values['finout_role_arn']}" in lines
    assert (
        f"  KMS key         {values['finout_kms_key_arn']} (nothing to type: the role may "
        "decrypt with it)"
    ) in lines
