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

from finout_s3_telemetry.policy_documents import PolicyTemplateError, read_only_policy, render

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


# -- SSE-KMS ---------------------------------------------------------------------------------

KMS_KEY = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def kms_endpoint(**changes: Any) -> Any:
    from finout_s3_telemetry.constructs.telemetry_endpoint import (
        FinoutTelemetryEndpoint,
        FinoutTelemetryEndpointProps,
    )

    def build(stack: Any, provider: Any) -> None:
        values: dict[str, Any] = {
            "bucket_name": "acme-kms",
            "telemetries": ["bytes"],
            "principal": "123456789012",
            "external_id": "finout-ab12cd3",
            "region": "us-east-1",
            "provider": provider,
            "encryption": "sse-kms",
            "kms_key": "create",
            "endpoint_name": "main",
            **changes,
        }
        FinoutTelemetryEndpoint(stack, "endpoint", FinoutTelemetryEndpointProps(**values))

    return build


def test_a_created_key_is_rotated_named_and_lets_only_the_role_decrypt_through_s3() -> None:
    out = synth(kms_endpoint(account_id="111122223333"))
    key = resources(out, "aws_kms_key")["kms_key"]
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    assert json.loads(key["policy"])["Statement"] == [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "FinoutDecryptTelemetryThroughS3",
            "Effect": "Allow",
            "Principal": {"AWS": "${aws_iam_role.finout_role.arn}"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
    ]
    assert "data" not in out  # the root comes from account_id, no lookup
    alias = resources(out, "aws_kms_alias")["kms_key"]
    assert alias == {
        **alias,
        "name": "alias/finout-telemetry-main",
        "target_key_id": "${aws_kms_key.kms_key.key_id}",
    }
    policies = resources(out, "aws_iam_role_policy")
    assert policies["finout_kms_policy"]["name"] == "finest-access-policy_telemetry_export-kms"
    assert policies["finout_kms_policy"]["role"] == "${aws_iam_role.finout_role.id}"
    assert json.loads(policies["finout_kms_policy"]["policy"])["Statement"] == [
        {
            "Sid": "FinoutDecryptTelemetryThroughS3",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "${aws_kms_key.kms_key.arn}",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        }
    ]
    # Finout's documented policy is untouched.
    assert policies["finout_role"]["name"] == "finest-access-policy_telemetry_export"
    assert json.loads(policies["finout_role"]["policy"]) == read_only_policy(
        "arn:aws:s3:::acme-kms"
    )
    encryption = resources(out, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["telemetry_bucket"]["rule"] == [
        {
            "apply_server_side_encryption_by_default": [
                {"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.kms_key.arn}"}
            ],
            "bucket_key_enabled": True,
        }
    ]
    folders = resources(out, "aws_s3_object")["telemetry_folders"]
    assert (
        "aws_s3_bucket_server_side_encryption_configuration.telemetry_bucket"
        in (folders["depends_on"])
    )
    assert out["output"]["finout_kms_key_arn"]["value"] == "${aws_kms_key.kms_key.arn}"


def test_without_account_id_the_key_policy_names_the_callers_account() -> None:
    out = synth(kms_endpoint())
    assert out["data"]["aws_caller_identity"]["kms_key"] == {"provider": "aws"}
    statement = json.loads(resources(out, "aws_kms_key")["kms_key"]["policy"])["Statement"][0]
    assert statement["Principal"] == {
        "AWS": "arn:aws:iam::${data.aws_caller_identity.kms_key.account_id}:root"
    }


@pytest.mark.parametrize("existing_bucket", [False, True])
def test_an_existing_key_is_used_never_managed(existing_bucket: bool) -> None:
    out = synth(kms_endpoint(kms_key=KMS_KEY, existing_bucket=existing_bucket))
    assert "aws_kms_key" not in out["resource"]
    assert "aws_kms_alias" not in out["resource"]
    policy = json.loads(resources(out, "aws_iam_role_policy")["finout_kms_policy"]["policy"])
    assert policy["Statement"][0]["Resource"] == KMS_KEY
    encryption = resources(out, "aws_s3_bucket_server_side_encryption_configuration")
    if existing_bucket:
        assert encryption == {}
        assert list(out["data"]) == ["aws_s3_bucket"]
    else:
        default = encryption["telemetry_bucket"]["rule"][0][
            "apply_server_side_encryption_by_default"
        ]
        assert default == [{"sse_algorithm": "aws:kms", "kms_master_key_id": KMS_KEY}]
    assert out["output"]["finout_kms_key_arn"]["value"] == KMS_KEY


def test_a_key_of_the_callers_own_stack_is_taken_as_its_arn_attribute() -> None:
    out = synth(kms_endpoint(kms_key="${aws_kms_key.own.arn}"))
    policy = json.loads(resources(out, "aws_iam_role_policy")["finout_kms_policy"]["policy"])
    assert policy["Statement"][0]["Resource"] == "${aws_kms_key.own.arn}"
    assert "aws_kms_key" not in out["resource"]


def test_an_sse_s3_endpoint_has_no_key_no_kms_policy_and_no_key_output() -> None:
    out = synth(kms_endpoint(encryption="sse-s3", kms_key=None))
    assert "aws_kms_key" not in out["resource"]
    assert list(resources(out, "aws_iam_role_policy")) == ["finout_role"]
    assert "finout_kms_key_arn" not in out["output"]


def test_the_endpoint_refuses_kms_props_with_the_configs_messages() -> None:
    from finout_s3_telemetry.naming import kms_key_problem, kms_setting_problems

    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(kms_key="alias/finout", endpoint_name=None))
    assert caught.value.problems == [("kms_key", kms_key_problem("alias/finout"))]
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(existing_bucket=True, endpoint_name=None, account_id="1"))
    [(existing, why)] = kms_setting_problems(
        encryption="sse-kms",
        kms_key="create",
        existing_bucket=True,
        region="us-east-1",
        policy_name="finest-access-policy_telemetry_export",
    )
    assert caught.value.problems == [
        (existing, why),
        (
            "endpoint_name",
            "is required with kms_key 'create': it names the key's alias, "
            "alias/finout-telemetry-<endpoint_name>",
        ),
        (
            "account_id",
            "'1' is not an AWS account id; write the 12 digits as a quoted string",
        ),
    ]
    with pytest.raises(InvalidPropsError) as caught:
        synth(
            kms_endpoint(
                encryption="sse-s3",
                kms_key=KMS_KEY.replace("us-east-1", "eu-west-1"),
                bucket_settings=BucketSettings(sse_algorithm="aws:kms"),
            )
        )
    assert [name for name, _ in caught.value.problems] == ["kms_key"]
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(bucket_settings=BucketSettings(kms_master_key_id=KMS_KEY)))
    assert [name for name, _ in caught.value.problems] == ["bucket_settings"]
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(encryption="aws:kms"))
    assert caught.value.problems == [("encryption", "'aws:kms' is not one of sse-s3, sse-kms")]


def test_the_endpoint_renders_each_access_mode_and_refuses_what_the_config_refuses() -> None:
    from finout_s3_telemetry.policy_documents import access_policy

    plain = {"encryption": "sse-s3", "kms_key": None, "prefix": "finout"}
    for access, write_prefix in (("read_only_scoped", None), ("read_write", "exports")):
        out = synth(kms_endpoint(**plain, access=access, write_prefix=write_prefix))
        (policy,) = resources(out, "aws_iam_role_policy").values()
        expected = access_policy(access, "arn:aws:s3:::acme-kms", "finout", write_prefix)
        assert json.loads(policy["policy"]) == expected
        assert "finout_access" in out["output"]
    out = synth(kms_endpoint(**plain))
    assert "finout_access" not in out["output"]  # the default keeps the outputs it had
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(**plain, access="write_only"))
    assert caught.value.problems == [
        ("access", "'write_only' is not one of read_only, read_only_scoped, read_write")
    ]
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(**{**plain, "prefix": ""}, access="read_only_scoped"))
    assert [name for name, _ in caught.value.problems] == ["prefix"]
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(**plain, access="read_write", write_prefix="finout/bytes"))
    [(name, why)] = caught.value.problems
    assert name == "write_prefix" and "overlaps the telemetry folder 'finout/bytes/'" in why
    with pytest.raises(InvalidPropsError) as caught:
        synth(kms_endpoint(**plain, write_prefix="exports"))
    assert [name for name, _ in caught.value.problems] == ["write_prefix"]


def test_the_role_refuses_an_access_mode_without_what_it_needs() -> None:
    def build(stack: Any, provider: Any) -> None:
        FinoutReadOnlyRole(
            stack,
            "role",
            FinoutReadOnlyRoleProps(
                principal_arn="arn:aws:iam::123456789012:root",
                external_id="finout-ab12cd3",
                bucket_name="acme-finout-telemetry",
                provider=provider,
                access="read_write",
            ),
        )

    with pytest.raises(InvalidPropsError) as caught:
        synth(build)
    assert [name for name, _ in caught.value.problems] == ["write_prefix"]


def test_the_key_and_the_decrypt_policy_check_their_own_props() -> None:
    from finout_s3_telemetry.constructs.finout_role import (
        FinoutKmsDecryptPolicy,
        FinoutKmsDecryptPolicyProps,
    )
    from finout_s3_telemetry.constructs.telemetry_kms_key import (
        TelemetryKmsKey,
        TelemetryKmsKeyProps,
    )

    with pytest.raises(InvalidPropsError) as key:
        synth(
            lambda s, p: TelemetryKmsKey(
                s,
                "k",
                TelemetryKmsKeyProps(
                    endpoint_name="Main",
                    role_arn="*",
                    region="mars-1",
                    account_id="12",
                    provider=p,
                ),
            )
        )
    assert [name for name, _ in key.value.problems] == [
        "endpoint_name",
        "role_arn",
        "region",
        "account_id",
    ]
    with pytest.raises(InvalidPropsError) as policy:
        synth(
            lambda s, p: FinoutKmsDecryptPolicy(
                s,
                "p",
                FinoutKmsDecryptPolicyProps(
                    role_name="a role",
                    key_arn=KMS_KEY.replace("us-east-1", "eu-west-1"),
                    region="us-east-1",
                    policy_name="p" * 125,
                    provider=p,
                ),
            )
        )
    assert [name for name, _ in policy.value.problems] == ["role_name", "key_arn", "policy_name"]
    assert "is a key in eu-west-1, but the bucket is in us-east-1" in str(policy.value)
