"""The checker against a real moto server: a correct deployment passes, each drift fails by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from check_helpers import (
    FINOUT_ROOT,
    check,
    deploy,
    endpoint_raw,
    failing,
    fill_folders,
    make_config,
    result,
    target_of,
)
from check_provisioning import clients

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.policy_documents import read_only_policy, to_json, trust_policy

pytestmark = pytest.mark.moto

ROLE = "FinoutMetricsReadOnlyRole"
BUCKET = "acme-finout-telemetry"
Mutation = Callable[[Any, Any, Config], None]


def test_a_correct_deployment_with_files_passes_every_check(local_aws: LocalAws) -> None:
    config = make_config(
        endpoint_raw(),
        endpoint_raw(
            name="cur",
            bucket="acme-cost-and-usage",
            existing_bucket=True,
            prefix="telemetry",
            external_id="finout-x9y8z7w",
            role_name=f"{ROLE}-cur",
        ),
        endpoint_raw(
            name="eu",
            region="eu-west-1",
            bucket="acme-eu-telemetry",
            prefix=None,
            external_id="finout-q4r5s6t",
            role_name=f"{ROLE}-eu",
            policy_name="finout-eu-read-only",
        ),
    )
    deploy(local_aws, config)
    fill_folders(local_aws, config)  # an empty folder is a FINOUT-CSV-002 warning
    report = check(local_aws, config)
    assert report.ok, failing(report)
    assert all(r.status.value == "pass" for e in report.endpoints for r in e.results)
    main_ids = [r.id for r in report.endpoints[0].results]
    assert main_ids == [
        "FINOUT-ACCT-001",
        "FINOUT-S3-001",
        "FINOUT-S3-002",
        "FINOUT-S3-003",
        "FINOUT-S3-004",
        "FINOUT-S3-005",
        "FINOUT-S3-006",
        "FINOUT-S3-007",
        "FINOUT-S3-008",
        "FINOUT-S3-009",
        "FINOUT-S3-010",
        "FINOUT-IAM-001",
        "FINOUT-IAM-002",
        "FINOUT-IAM-003",
        "FINOUT-IAM-004",
        "FINOUT-IAM-005",
        "FINOUT-IAM-006",
        "FINOUT-IAM-007",
        "FINOUT-CSV-001",
        "FINOUT-CSV-002",
    ]
    trust = result(report, "FINOUT-IAM-002")
    assert trust.detail == f"Role {ROLE} trusts only {FINOUT_ROOT} with external ID finout-ab12cd3."
    # The emulator has no iam:SimulatePrincipalPolicy: the output says the local evaluator answered.
    assert "local evaluation" in result(report, "FINOUT-IAM-006").detail
    assert "iam:SimulatePrincipalPolicy is unavailable" in result(report, "FINOUT-IAM-006").detail


def test_an_existing_bucket_is_only_read_and_its_settings_are_not_judged(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, config)  # the stand-in bucket has none of the secure defaults
    report = check(local_aws, config)
    assert report.ok
    ids = {r.id for r in report.endpoints[0].results}
    assert not ids & {f"FINOUT-S3-00{n}" for n in range(4, 9)}
    calls = report.api_calls_by_operation
    # Its secure defaults are not read; what decides whether Finout can read it is.
    assert "s3:GetPublicAccessBlock" not in calls and "s3:GetBucketVersioning" not in calls
    for decides_access in ("GetBucketPolicy", "GetBucketEncryption", "GetBucketOwnershipControls"):
        assert calls[f"s3:{decides_access}"] == 1


def _trust(config: Config, **changes: Any) -> str:
    document = trust_policy(
        config.principal_arn(config.endpoints[0]), config.endpoints[0].external_id
    )
    statement = document["Statement"][0]
    for key, value in changes.items():
        if value is None:
            statement.pop(key, None)
        else:
            statement[key] = value
    return to_json(document)


def no_external_id(s3: Any, iam: Any, config: Config) -> None:
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=_trust(config, Condition=None))


def any_principal(s3: Any, iam: Any, config: Config) -> None:
    iam.update_assume_role_policy(
        RoleName=ROLE, PolicyDocument=_trust(config, Principal={"AWS": "*"})
    )


def another_account(s3: Any, iam: Any, config: Config) -> None:
    principal = {"AWS": [FINOUT_ROOT, "arn:aws:iam::999999999999:root"]}
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=_trust(config, Principal=principal))


def s3_star(s3: Any, iam: Any, config: Config) -> None:
    document = read_only_policy(config.endpoints[0].bucket_arn)
    document["Statement"][1]["Action"] = "s3:*"
    iam.put_role_policy(
        RoleName=ROLE,
        PolicyName="finest-access-policy_telemetry_export",
        PolicyDocument=json.dumps(document),
    )


def folder_deleted(s3: Any, iam: Any, config: Config) -> None:
    s3.delete_object(Bucket=BUCKET, Key="finout/telemetry/requests/")


def public_access_block_removed(s3: Any, iam: Any, config: Config) -> None:
    s3.delete_public_access_block(Bucket=BUCKET)


def public_access_partly_off(s3: Any, iam: Any, config: Config) -> None:
    s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )


def tls_policy_removed(s3: Any, iam: Any, config: Config) -> None:
    s3.delete_bucket_policy(Bucket=BUCKET)


def ownership_relaxed(s3: Any, iam: Any, config: Config) -> None:
    s3.put_bucket_ownership_controls(
        Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )


def role_deleted(s3: Any, iam: Any, config: Config) -> None:
    iam.delete_role_policy(RoleName=ROLE, PolicyName="finest-access-policy_telemetry_export")
    iam.delete_role(RoleName=ROLE)


def inline_policy_deleted(s3: Any, iam: Any, config: Config) -> None:
    iam.delete_role_policy(RoleName=ROLE, PolicyName="finest-access-policy_telemetry_export")


def full_access_attached(s3: Any, iam: Any, config: Config) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="S3Everything", PolicyDocument=json.dumps(document))[
        "Policy"
    ]["Arn"]
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)


DRIFTS: list[tuple[Mutation, dict[str, str]]] = [
    (no_external_id, {"FINOUT-IAM-002": "has no StringEquals sts:ExternalId condition"}),
    (any_principal, {"FINOUT-IAM-002": "trusts any principal (*)"}),
    (
        another_account,
        {
            "FINOUT-IAM-002": "trusts arn:aws:iam::999999999999:root, which is not Finout's "
            "principal"
        },
    ),
    (
        s3_star,
        {
            "FINOUT-IAM-003": "it has Allow s3:* on arn:aws:s3:::acme-finout-telemetry/*, which "
            "the template does not",
            "FINOUT-IAM-006": "is allowed s3:PutObject, s3:DeleteObject, s3:DeleteObjectVersion "
            "and s3:PutObjectAcl on 3 resources",
        },
    ),
    (
        folder_deleted,
        {
            "FINOUT-S3-003": "1 of 3 telemetry folders are missing in bucket "
            "acme-finout-telemetry: finout/telemetry/requests/."
        },
    ),
    (public_access_block_removed, {"FINOUT-S3-004": "has no public access block"}),
    (public_access_partly_off, {"FINOUT-S3-004": "has BlockPublicPolicy turned off"}),
    (tls_policy_removed, {"FINOUT-S3-008": "has no bucket policy"}),
    (ownership_relaxed, {"FINOUT-S3-005": "object ownership is ObjectWriter"}),
    (role_deleted, {"FINOUT-IAM-001": f"Role {ROLE} does not exist."}),
    (
        inline_policy_deleted,
        {
            "FINOUT-IAM-003": f"Role {ROLE} has no inline policy named "
            "finest-access-policy_telemetry_export.",
            "FINOUT-IAM-005": "is not allowed s3:ListBucket on arn:aws:s3:::acme-finout-telemetry",
        },
    ),
    (full_access_attached, {"FINOUT-IAM-006": "is allowed s3:PutObject"}),
]


@pytest.mark.parametrize(("mutate", "expected"), DRIFTS, ids=[m.__name__ for m, _ in DRIFTS])
def test_each_drift_fails_exactly_the_check_that_names_it(
    local_aws: LocalAws, mutate: Mutation, expected: dict[str, str]
) -> None:
    config = make_config()
    deploy(local_aws, config)
    s3, iam = clients(target_of(local_aws), "us-east-1")
    mutate(s3, iam, config)
    report = check(local_aws, config)
    assert not report.ok
    failed = failing(report)
    assert set(failed) == set(expected), failed
    for check_id, words in expected.items():
        assert words in failed[check_id]
        assert result(report, check_id).remediation


def test_a_broadened_inline_policy_shows_a_diff(local_aws: LocalAws) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    s3_star(*clients(target, "us-east-1"), config)
    detail = result(check(local_aws, config), "FINOUT-IAM-003").detail
    first, *diff = detail.splitlines()
    assert first.endswith(".")
    assert "--- expected (rendered template)" in diff and "+++ live" in diff
    assert '+        "s3:*"' in diff


def test_an_attached_policy_is_a_warning_with_its_arn(local_aws: LocalAws) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    full_access_attached(*clients(target, "us-east-1"), config)
    other = result(check(local_aws, config), "FINOUT-IAM-004")
    assert other.status.value == "warn"
    assert "managed policy arn:aws:iam::111122223333:policy/S3Everything" in other.detail


def test_a_bucket_in_another_region_fails_the_region_check(local_aws: LocalAws) -> None:
    deployed = make_config()  # us-east-1
    deploy(local_aws, deployed)
    configured = make_config(endpoint_raw(region="eu-west-1"))
    report = check(local_aws, configured)
    failed = failing(report)
    assert set(failed) == {"FINOUT-S3-002"}
    assert failed["FINOUT-S3-002"].startswith(
        f"Bucket {BUCKET} is in us-east-1, not in eu-west-1 as configured"
    )
    assert "region: us-east-1" in result(report, "FINOUT-S3-002").remediation


def test_a_missing_bucket_is_reported_once(local_aws: LocalAws) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    s3, _ = clients(target, "us-east-1")
    versions = s3.list_object_versions(Bucket=BUCKET)
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=BUCKET)
    report = check(local_aws, config)
    assert set(failing(report)) == {"FINOUT-S3-001"}
    assert not {r.id for r in report.endpoints[0].results} & {"FINOUT-S3-002", "FINOUT-S3-003"}


def test_files_without_a_folder_object_are_a_warning(local_aws: LocalAws) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    s3, _ = clients(target, "us-east-1")
    s3.put_object(Bucket=BUCKET, Key="finout/telemetry/bytes/2024-06-07.csv", Body=b"date,bytes\n")
    s3.delete_object(Bucket=BUCKET, Key="finout/telemetry/bytes/")
    folders = result(check(local_aws, config), "FINOUT-S3-003")
    assert folders.status.value == "warn"
    assert "finout/telemetry/bytes/" in folders.detail
