"""Each construct on its own, through cdktf's Testing helpers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from finout_s3_telemetry.constructs.bucket_defaults import SECURE_BUCKET_DEFAULTS, BucketSettings
from finout_s3_telemetry.constructs.cdktf_core import App, AwsProvider, TerraformStack
from finout_s3_telemetry.constructs.cdktf_core import Testing as CdktfTesting
from finout_s3_telemetry.constructs.finout_role import FinoutReadOnlyRole, FinoutReadOnlyRoleProps
from finout_s3_telemetry.constructs.props_validation import InvalidPropsError
from finout_s3_telemetry.constructs.telemetry_bucket import (
    ExistingTelemetryBucket,
    ExistingTelemetryBucketProps,
    TelemetryBucket,
    TelemetryBucketProps,
)
from finout_s3_telemetry.constructs.telemetry_folders import TelemetryFolders, TelemetryFoldersProps
from finout_s3_telemetry.stacks.app import synth_notes

from finout_s3_telemetry.policy_documents import PolicyTemplateError, render

# Runs under each CDK engine (`make test` runs the engine tests again under cdktn).
pytestmark = pytest.mark.engine


def synth(build: Any) -> dict[str, Any]:
    app = CdktfTesting.app()
    stack = TerraformStack(app, "test")
    provider = AwsProvider(stack, "aws", {"region": "us-east-1"})
    build(stack, provider)
    return json.loads(CdktfTesting.synth(stack))  # type: ignore[no-any-return]


def resources(synthesized: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return synthesized.get("resource", {}).get(resource_type, {})  # type: ignore[no-any-return]


def test_a_new_bucket_gets_every_secure_default() -> None:
    out = synth(
        lambda s, p: TelemetryBucket(
            s, "telemetry", TelemetryBucketProps(bucket_name="acme-telemetry", provider=p)
        )
    )
    assert CdktfTesting.to_have_resource_with_properties(
        json.dumps(out), "aws_s3_bucket", {"bucket": "acme-telemetry", "force_destroy": False}
    )
    block = resources(out, "aws_s3_bucket_public_access_block")["telemetry"]
    assert [
        block[k]
        for k in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    ] == [True, True, True, True]
    ownership = resources(out, "aws_s3_bucket_ownership_controls")["telemetry"]
    assert ownership["rule"] == [{"object_ownership": "BucketOwnerEnforced"}]
    encryption = resources(out, "aws_s3_bucket_server_side_encryption_configuration")["telemetry"]
    assert encryption["rule"] == [
        {"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}
    ]
    versioning = resources(out, "aws_s3_bucket_versioning")["telemetry"]
    assert versioning["versioning_configuration"] == [{"status": "Enabled"}]
    policy = json.loads(resources(out, "aws_s3_bucket_policy")["telemetry"]["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::acme-telemetry", "arn:aws:s3:::acme-telemetry/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    lifecycle = resources(out, "aws_s3_bucket_lifecycle_configuration")["telemetry"]
    assert [rule["id"] for rule in lifecycle["rule"]] == [
        "abort-incomplete-multipart-uploads",
        "expire-noncurrent-versions",
    ]
    abort, expire = lifecycle["rule"]
    assert abort["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert expire["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert abort["status"] == expire["status"] == "Enabled"
    for resource_type in ("aws_s3_bucket_public_access_block", "aws_s3_bucket_policy"):
        assert resources(out, resource_type)["telemetry"]["bucket"] == (
            "${aws_s3_bucket.telemetry.id}"
        )


def test_user_settings_are_merged_over_the_defaults_never_the_other_way_round() -> None:
    settings = BucketSettings(force_destroy=True, sse_algorithm="aws:kms", kms_master_key_id="k")
    assert settings.force_destroy is True
    assert settings.block_public_policy is SECURE_BUCKET_DEFAULTS.block_public_policy is True
    out = synth(
        lambda s, p: TelemetryBucket(
            s, "b", TelemetryBucketProps(bucket_name="acme-kms", provider=p, settings=settings)
        )
    )
    assert resources(out, "aws_s3_bucket")["b"]["force_destroy"] is True
    rule = resources(out, "aws_s3_bucket_server_side_encryption_configuration")["b"]["rule"][0]
    assert rule == {
        "apply_server_side_encryption_by_default": [
            {"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}
        ],
        "bucket_key_enabled": True,
    }
    unknown: dict[str, Any] = {"versioned": False}
    with pytest.raises(TypeError, match="versioned"):
        BucketSettings(**unknown)


def test_an_existing_bucket_is_only_read() -> None:
    out = synth(
        lambda s, p: ExistingTelemetryBucket(
            s, "cur", ExistingTelemetryBucketProps(bucket_name="acme-cur", provider=p)
        )
    )
    assert "resource" not in out
    assert out["data"] == {"aws_s3_bucket": {"cur": {"bucket": "acme-cur", "provider": "aws"}}}


def test_folders_are_one_zero_byte_object_per_telemetry_keyed_by_name() -> None:
    out = synth(
        lambda s, p: TelemetryFolders(
            s,
            "folders",
            TelemetryFoldersProps(
                bucket_name="acme", telemetries=["bytes", "requests"], prefix="a/b", provider=p
            ),
        )
    )
    objects = resources(out, "aws_s3_object")["folders"]
    assert objects["for_each"] == {"bytes": "a/b/bytes/", "requests": "a/b/requests/"}
    assert objects["key"] == "${each.value}"
    assert objects["content"] == ""
    assert objects["bucket"] == "acme"


def test_folders_without_a_prefix_sit_at_the_bucket_root() -> None:
    out = synth(
        lambda s, p: TelemetryFolders(
            s, "f", TelemetryFoldersProps(bucket_name="acme", telemetries=["gpu"], provider=p)
        )
    )
    assert resources(out, "aws_s3_object")["f"]["for_each"] == {"gpu": "gpu/"}


def test_the_role_trusts_only_finout_with_the_external_id_and_gets_finouts_policy() -> None:
    out = synth(
        lambda s, p: FinoutReadOnlyRole(
            s,
            "finout",
            FinoutReadOnlyRoleProps(
                principal_arn="arn:aws:iam::123456789012:root",
                external_id="finout-ab12cd3",
                bucket_name="acme",
                provider=p,
            ),
        )
    )
    role = resources(out, "aws_iam_role")["finout"]
    assert role["name"] == "FinoutMetricsReadOnlyRole"
    assert json.loads(role["assume_role_policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FinoutAssumeRoleWithExternalId",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "finout-ab12cd3"}},
            }
        ],
    }
    assert "inline_policy" not in role
    policy = resources(out, "aws_iam_role_policy")["finout"]
    assert policy["name"] == "finest-access-policy_telemetry_export"
    assert policy["role"] == "${aws_iam_role.finout.id}"
    assert json.loads(policy["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["tag:GetTagKeys"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["s3:Get*", "s3:List*"],
                "Resource": "arn:aws:s3:::acme/*",
            },
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "arn:aws:s3:::acme"},
        ],
    }


def test_the_role_refuses_a_wildcard_principal_at_synth() -> None:
    with pytest.raises(InvalidPropsError, match="would let anyone assume the role"):
        synth(
            lambda s, p: FinoutReadOnlyRole(
                s,
                "finout",
                FinoutReadOnlyRoleProps(
                    principal_arn="*", external_id="finout-x", bucket_name="acme", provider=p
                ),
            )
        )


def test_policy_values_are_json_escaped_by_the_templates() -> None:
    """The construct refuses such a principal; the template would still escape it."""
    trust = render(
        "finout_trust_policy.json.j2",
        principal_arn='arn:aws:iam::123456789012:role/a"b',
        external_id="finout-ab12cd3",
    )
    assert trust["Statement"][0]["Principal"] == {"AWS": 'arn:aws:iam::123456789012:role/a"b'}
    with pytest.raises(PolicyTemplateError, match="allows a wildcard principal"):
        render("finout_trust_policy.json.j2", principal_arn="*", external_id="finout-ab12cd3")


def test_the_role_reports_every_invalid_prop_with_the_configs_messages() -> None:
    with pytest.raises(InvalidPropsError) as caught:
        synth(
            lambda s, p: FinoutReadOnlyRole(
                s,
                "finout",
                FinoutReadOnlyRoleProps(
                    principal_arn="arn:aws:iam::123456789012:root",
                    external_id="finout-ab12cd3\n",
                    bucket_name="Acme_Bucket",
                    role_name="Finout Role",
                    policy_name="a/b",
                    max_session_duration=60,
                    partition="aws-moon",
                    provider=p,
                ),
            )
        )
    assert [name for name, _ in caught.value.problems] == [
        "external_id",
        "bucket_name",
        "partition",
        "role_name",
        "policy_name",
        "max_session_duration",
    ]
    message = str(caught.value)
    assert message.startswith("FinoutReadOnlyRole: 6 invalid props")
    assert (
        "props.role_name: 'Finout Role' is not a valid IAM role name; use 1-64 characters of "
        "letters, digits and + = , . @ _ -"
    ) in message
    assert "props.max_session_duration: 60 is out of range; use 3,600 to 43,200 seconds" in message


@pytest.mark.parametrize("seconds", [3600, 43_200])
def test_the_session_duration_limits_are_inclusive(seconds: int) -> None:
    out = synth(
        lambda s, p: FinoutReadOnlyRole(
            s,
            "finout",
            FinoutReadOnlyRoleProps(
                principal_arn="arn:aws:iam::123456789012:root",
                external_id="finout-ab12cd3",
                bucket_name="acme",
                max_session_duration=seconds,
                provider=p,
            ),
        )
    )
    assert resources(out, "aws_iam_role")["finout"]["max_session_duration"] == seconds


def test_folders_and_buckets_check_their_props() -> None:
    with pytest.raises(InvalidPropsError) as caught:
        synth(
            lambda s, p: TelemetryFolders(
                s,
                "folders",
                TelemetryFoldersProps(
                    bucket_name="acme",
                    telemetries=["bytes", "gpu hours", "date", "bytes"],
                    prefix="/lead",
                    provider=p,
                ),
            )
        )
    assert [name for name, _ in caught.value.problems] == [
        "prefix",
        "telemetries[1]",
        "telemetries[2]",
        "telemetries[3]",
    ]
    with pytest.raises(InvalidPropsError, match=r"props\.telemetries: is empty"):
        synth(
            lambda s, p: TelemetryFolders(
                s, "f", TelemetryFoldersProps(bucket_name="acme", telemetries=[], provider=p)
            )
        )
    with pytest.raises(InvalidPropsError) as bucket:
        synth(
            lambda s, p: TelemetryBucket(
                s,
                "b",
                TelemetryBucketProps(
                    bucket_name="acme..x",
                    provider=p,
                    settings=BucketSettings(
                        noncurrent_version_expiration_days=0, kms_master_key_id="k"
                    ),
                ),
            )
        )
    assert [name for name, _ in bucket.value.problems] == [
        "bucket_name",
        "settings.noncurrent_version_expiration_days",
        "settings.kms_master_key_id",
    ]


def test_a_weakened_secure_default_is_a_synth_warning(tmp_path: Any) -> None:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "weak")
    provider = AwsProvider(stack, "aws", {"region": "us-east-1"})
    TelemetryBucket(
        stack,
        "b",
        TelemetryBucketProps(
            bucket_name="acme-weak",
            provider=provider,
            settings=BucketSettings(enforce_tls=False, force_destroy=True),
        ),
    )
    TelemetryBucket(
        stack, "secure", TelemetryBucketProps(bucket_name="acme-secure", provider=provider)
    )
    app.synth()
    assert synth_notes(tmp_path) == [
        "warning: weak/b: TelemetryBucket b: enforce_tls is false instead of the secure default "
        "true: requests without TLS are no longer denied",
        "warning: weak/b: TelemetryBucket b: force_destroy is true instead of the secure default "
        "false: `destroy` deletes the bucket with every file in it",
    ]
