"""What decides whether Finout can read besides the role's own policies: the KMS key, the bucket
policy's Denies, object ownership under ACLs, a permissions boundary. Each drift, made on a real
moto server, fails exactly its check, and passes again once repaired. moto stores these documents
but enforces none of them: that is why the checker evaluates them itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from check_helpers import (
    check,
    deploy,
    endpoint_raw,
    failing,
    fill_folders,
    make_config,
    put_file,
    result,
    target_of,
)
from check_provisioning import clients, encrypt_with_kms, provision_kms

from finout_s3_telemetry.check.access_answers import AccessInputs, evaluate_access
from finout_s3_telemetry.check.checks.access import can_read
from finout_s3_telemetry.check.checks.bucket_policy_reads import bucket_policy_denies_no_reads
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.probes import access_probes
from finout_s3_telemetry.check.snapshot import (
    EndpointSnapshot,
    Listing,
    Organization,
    Read,
    RoleInfo,
    S3Object,
)
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.naming import kms_alias_name
from finout_s3_telemetry.policy_documents import (
    kms_key_policy,
    read_only_policy,
    tls_only_policy,
    to_json,
)

pytestmark = pytest.mark.moto

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_OWNER = "f" * 64
"""A canonical user ID that is not the bucket owner's: another account's."""


def statuses(report: Any) -> dict[str, str]:
    return {r.id: r.status.value for e in report.endpoints for r in e.results}


def kms_client(aws: LocalAws, region: str = "us-east-1") -> Any:
    return target_of(aws).client("kms", region)


def created_key_arn(aws: LocalAws, endpoint_name: str = "main") -> str:
    kms = kms_client(aws)
    arn: str = kms.describe_key(KeyId=kms_alias_name(endpoint_name))["KeyMetadata"]["Arn"]
    return arn


def administration_only(account_root: str) -> dict[str, Any]:
    """A locked-down key policy: the account administers the key but uses it through no one."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "KeyAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Update*"],
                "Resource": "*",
            }
        ],
    }


@pytest.fixture
def kms_config() -> Config:
    return make_config(endpoint_raw(encryption="sse-kms", kms_key="create"))


def test_a_created_kms_key_passes_and_a_key_policy_without_the_role_fails_kms_001(
    local_aws: LocalAws, kms_config: Config
) -> None:
    deploy(local_aws, kms_config)
    fill_folders(local_aws, kms_config)
    report = check(local_aws, kms_config)
    assert report.ok, failing(report)
    assert all(status == "pass" for status in statuses(report).values()), statuses(report)
    key = created_key_arn(local_aws)
    decrypt = result(report, "FINOUT-KMS-001")
    assert f"may decrypt with key {key}" in decrypt.detail
    assert "SSE-KMS under key" in result(report, "FINOUT-S3-006").detail

    kms = kms_client(local_aws)
    kms.put_key_policy(
        KeyId=key, PolicyName="default", Policy=json.dumps(administration_only(ROOT))
    )
    report = check(local_aws, kms_config)
    assert set(failing(report)) == {"FINOUT-KMS-001"}
    decrypt = result(report, "FINOUT-KMS-001")
    assert f"may not decrypt with key {key}" in decrypt.detail
    assert "cdktf deploy main" in decrypt.remediation

    # Repaired: the key policy the stack renders.
    policy = kms_key_policy(ROOT, ROLE_ARN, "us-east-1")
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=to_json(policy))
    assert check(local_aws, kms_config).ok


def test_a_role_without_its_kms_policy_fails_when_the_key_delegates_to_the_account(
    local_aws: LocalAws, kms_config: Config
) -> None:
    deploy(local_aws, kms_config)
    fill_folders(local_aws, kms_config)
    endpoint = kms_config.endpoints[0]
    kms = kms_client(local_aws)
    key = created_key_arn(local_aws)
    # Only the account root in the key policy: IAM policies decide, and the role has none.
    root_only = kms_key_policy(ROOT, ROLE_ARN, "us-east-1")
    root_only["Statement"] = root_only["Statement"][:1]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=to_json(root_only))
    assert check(local_aws, kms_config).ok  # the role's own kms:Decrypt policy suffices
    _, iam = clients(target_of(local_aws), endpoint.region)
    iam.delete_role_policy(RoleName=endpoint.role_name, PolicyName=f"{endpoint.policy_name}-kms")
    report = check(local_aws, kms_config)
    assert set(failing(report)) == {"FINOUT-KMS-001"}


def test_an_existing_bucket_under_an_undeclared_key_fails_until_the_config_declares_it(
    local_aws: LocalAws,
) -> None:
    key = kms_client(local_aws).create_key()["KeyMetadata"]["Arn"]  # AWS's default key policy
    undeclared = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, undeclared)
    endpoint = undeclared.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    encrypt_with_kms(s3, endpoint.bucket, key)
    fill_folders(local_aws, undeclared)
    report = check(local_aws, undeclared)
    assert set(failing(report)) == {"FINOUT-KMS-001"}
    decrypt = result(report, "FINOUT-KMS-001")
    assert key in decrypt.detail and "default encryption of bucket" in decrypt.detail
    assert f"kms_key: {key}" in decrypt.remediation

    declared = make_config(endpoint_raw(existing_bucket=True, encryption="sse-kms", kms_key=key))
    provision_kms(declared.endpoints[0], target_of(local_aws))  # what the deploy adds
    report = check(local_aws, declared)
    assert report.ok, failing(report)
    assert result(report, "FINOUT-KMS-001").status.value == "pass"


def test_the_aws_managed_s3_key_passes_and_says_why(local_aws: LocalAws) -> None:
    config = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    encrypt_with_kms(s3, endpoint.bucket)  # no key named: the AWS-managed aws/s3 key
    put_file(local_aws, endpoint, "bytes", "export.csv")
    report = check(local_aws, config)
    decrypt = result(report, "FINOUT-KMS-001")
    assert decrypt.status.value == "pass"
    assert "AWS-managed key" in decrypt.detail and "through S3" in decrypt.detail
    assert "s3://acme-finout-telemetry/finout/telemetry/bytes/export.csv" in decrypt.detail


def vpc_endpoint_only(bucket_arn: str) -> dict[str, Any]:
    document = tls_only_policy(bucket_arn)
    document["Statement"].append(
        {
            "Sid": "OnlyThroughOurVpcEndpoint",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f67890"}},
        }
    )
    return document


def test_a_bucket_policy_denying_requests_from_outside_a_vpc_endpoint_fails_s3_009(
    local_aws: LocalAws,
) -> None:
    # Folders left empty: moto applies a conditional Deny to every object request, the
    # checker's own included; the verdict comes from evaluating the policy, not from moto.
    config = make_config(endpoint_raw())
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    s3.put_bucket_policy(
        Bucket=endpoint.bucket, Policy=json.dumps(vpc_endpoint_only(endpoint.bucket_arn))
    )
    report = check(local_aws, config)
    assert set(failing(report)) == {"FINOUT-S3-009"}
    denial = result(report, "FINOUT-S3-009")
    assert denial.detail.startswith("Statement 2 (Sid OnlyThroughOurVpcEndpoint) of bucket")
    assert "aws:SourceVpce" in denial.detail and "does not come from your network" in denial.detail
    assert "s3:ListBucket on the bucket" in denial.detail and "3 folders" in denial.detail
    assert "aws:PrincipalArn" in denial.remediation

    s3.put_bucket_policy(
        Bucket=endpoint.bucket, Policy=to_json(tls_only_policy(endpoint.bucket_arn))
    )
    report = check(local_aws, config)
    assert report.ok and result(report, "FINOUT-S3-009").status.value == "pass"


def test_a_deny_on_a_value_the_checker_cannot_know_is_a_warning_naming_the_key(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw())
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    document = tls_only_policy(endpoint.bucket_arn)
    document["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"{endpoint.bucket_arn}/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "finops"}},
        }
    )
    s3, _ = clients(target_of(local_aws), endpoint.region)
    s3.put_bucket_policy(Bucket=endpoint.bucket, Policy=json.dumps(document))
    report = check(local_aws, config)
    assert report.ok
    unsure = result(report, "FINOUT-S3-009")
    assert unsure.status.value == "warn"
    assert "aws:PrincipalTag/team" in unsure.detail and unsure.detail.startswith("Statement 2 ")


def test_a_file_owned_by_another_account_in_an_acl_enabled_bucket_fails_s3_010(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    s3.put_bucket_ownership_controls(
        Bucket=endpoint.bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
    )
    fill_folders(local_aws, config)
    assert result(check(local_aws, config), "FINOUT-S3-010").status.value == "pass"
    # What another account's upload leaves behind: a file that account owns.
    key = put_file(local_aws, endpoint, "bytes", "from-another-account.csv")
    s3.put_object_acl(
        Bucket=endpoint.bucket,
        Key=key,
        AccessControlPolicy={
            "Owner": {"ID": OTHER_OWNER},
            "Grants": [
                {
                    "Grantee": {"Type": "CanonicalUser", "ID": OTHER_OWNER},
                    "Permission": "FULL_CONTROL",
                }
            ],
        },
    )
    report = check(local_aws, config)
    assert set(failing(report)) == {"FINOUT-S3-010"}
    foreign = result(report, "FINOUT-S3-010")
    assert f"s3://{endpoint.bucket}/{key}" in foreign.detail
    assert "BucketOwnerEnforced" in foreign.remediation and "upload" in foreign.remediation

    s3.put_bucket_ownership_controls(
        Bucket=endpoint.bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )
    report = check(local_aws, config)
    assert report.ok and result(report, "FINOUT-S3-010").status.value == "pass"
    assert "s3:GetObjectAcl" not in report.api_calls_by_operation  # ACLs off: nothing to ask


def test_a_permissions_boundary_without_get_object_fails_iam_007(local_aws: LocalAws) -> None:
    config = make_config(endpoint_raw())
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    _, iam = clients(target_of(local_aws), endpoint.region)
    boundary = iam.create_policy(
        PolicyName="ListOnlyBoundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=endpoint.role_name, PermissionsBoundary=boundary)
    report = check(local_aws, config)
    assert set(failing(report)) == {"FINOUT-IAM-007"}
    capped = result(report, "FINOUT-IAM-007")
    assert boundary in capped.detail and "s3:GetObject" in capped.detail
    assert "s3:ListBucket" not in capped.detail.split("does not allow", 1)[1]

    iam.delete_role_permissions_boundary(RoleName=endpoint.role_name)
    report = check(local_aws, config)
    assert report.ok
    assert result(report, "FINOUT-IAM-007").detail.endswith("has no permissions boundary.")


def test_scps_are_reported_as_not_applying_to_an_account_in_no_organisation(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw())
    deploy(local_aws, config)
    report = check(local_aws, config)
    assert "no organisation, so no SCP applies" in result(report, "FINOUT-IAM-005").detail


def test_the_calls_per_endpoint_do_not_grow_with_the_files(local_aws: LocalAws) -> None:
    config = make_config(endpoint_raw(encryption="sse-kms", kms_key="create"))
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    fill_folders(local_aws, config)
    before = check(local_aws, config).endpoints[0].api_calls
    for n in range(20):
        put_file(local_aws, endpoint, "bytes", f"older-{n:02d}.csv")
    put_file(local_aws, endpoint, "requests", "newest.csv")
    after = check(local_aws, config)
    assert after.endpoints[0].api_calls == before
    calls = after.api_calls_by_operation
    folders = len(endpoint.telemetries)
    assert calls["s3:HeadObject"] == folders
    assert calls["kms:DescribeKey"] == 1 and calls["kms:GetKeyPolicy"] == 1


def test_the_management_account_of_an_organisation_is_subject_to_no_scp(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw())
    deploy(local_aws, config)
    target_of(local_aws).client("organizations", "us-east-1").create_organization(FeatureSet="ALL")
    report = check(local_aws, config)
    assert report.ok
    assert "the management account" in result(report, "FINOUT-IAM-005").detail


def scp(name: str, effect: str, action: str) -> tuple[str, dict[str, Any]]:
    return name, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": "*"}],
    }


def test_an_scp_that_denies_reads_fails_iam_005_and_is_named_as_evaluated() -> None:
    config = make_config(endpoint_raw())
    endpoint = config.endpoints[0]
    inline = read_only_policy(endpoint.bucket_arn)
    levels = (
        (scp("FullAWSAccess", "Allow", "*"),),  # the root
        (scp("FullAWSAccess", "Allow", "*"), scp("NoObjectReads", "Deny", "s3:GetObject")),
    )
    snapshot = EndpointSnapshot(
        "main",
        role=Read.found(RoleInfo(endpoint.role_name, ROLE_ARN, {})),
        inline_policy=Read.found(inline),
        organization=Organization(Read.found("o-a1b2c3d4e5"), scps=levels),
    )
    inputs = AccessInputs(ROLE_ARN, ACCOUNT, endpoint.prefix, {})
    access = evaluate_access(snapshot, access_probes(endpoint, ROLE_ARN), inputs)
    ctx = EndpointContext(config, endpoint, snapshot, ACCOUNT, access=access)
    finding = can_read.run(ctx)
    assert finding is not None and finding.status.value == "fail"
    assert "s3:GetObject on 3 resources" in finding.detail
    assert "SCPs evaluated (3 at 2 levels)." in finding.detail

    unreadable = Organization(
        Read.found("o-a1b2c3d4e5"),
        scps_unavailable="organizations:ListPoliciesForTarget: AccessDenied",
    )
    snapshot.organization = unreadable
    access = evaluate_access(snapshot, access_probes(endpoint, ROLE_ARN), inputs)
    ctx = EndpointContext(config, endpoint, snapshot, ACCOUNT, access=access)
    finding = can_read.run(ctx)
    assert finding is not None and finding.status.value == "pass"
    assert "SCPs not evaluated (organizations:ListPoliciesForTarget: AccessDenied)" in (
        finding.detail
    )


def test_a_deny_on_part_of_a_folder_is_found_on_the_newest_file_finout_reads() -> None:
    """The probe file's name is spared by a Deny on `bytes/2024-*`; the real newest file is not."""
    config = make_config(endpoint_raw())
    endpoint = config.endpoints[0]
    key = f"{endpoint.folder_key('bytes')}2024-06-07.csv"
    document = tls_only_policy(endpoint.bucket_arn)
    document["Statement"].append(
        {
            "Sid": "NoOldExports",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"{endpoint.bucket_arn}/{endpoint.folder_key('bytes')}2024-*",
        }
    )
    listing = Listing("finout/telemetry/", (S3Object(key, 10, datetime(2024, 6, 8, tzinfo=UTC)),))
    snapshot = EndpointSnapshot(
        "main",
        listing=Read.found(listing),
        role=Read.found(RoleInfo(endpoint.role_name, ROLE_ARN, {})),
        bucket_policy=Read.found(document),
    )
    finding = bucket_policy_denies_no_reads.run(
        EndpointContext(config, endpoint, snapshot, ACCOUNT)
    )
    assert finding is not None and finding.status.value == "fail", finding
    assert finding.detail.startswith("Statement 2 (Sid NoOldExports) of bucket")
    assert "s3:GetObject in folder bytes" in finding.detail
