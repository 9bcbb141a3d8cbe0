"""The synthesized example config and the SSE-KMS test config: snapshots, one stack per endpoint,
targets, outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from snapshot_files import assert_matches_snapshot
from synth_helpers import stack_json, synth_to

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.targets import Target

# Runs under each CDK engine (`make test` runs the engine tests again under cdktn).
pytestmark = pytest.mark.engine

SNAPSHOTS = Path(__file__).parent / "snapshots" / "example"
KMS_SNAPSHOTS = Path(__file__).parent / "snapshots" / "kms"
ACCESS_SNAPSHOTS = Path(__file__).parent / "snapshots" / "access_modes"
SNAPSHOT_ENGINE_VERSION = "0.21.0"  # cdktf's, the default engine


@pytest.fixture(scope="module")
def aws_stacks(example_config: Config, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_to(example_config, tmp_path_factory.mktemp("aws"))


@pytest.fixture(scope="module")
def local_stacks(
    example_config: Config, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return synth_to(
        example_config, tmp_path_factory.mktemp("local"), Target("local", "http://127.0.0.1:4566")
    )


def test_one_stack_per_endpoint(aws_stacks: dict[str, Path], example_config: Config) -> None:
    assert sorted(aws_stacks) == sorted(e.name for e in example_config.endpoints)
    for stack in aws_stacks.values():
        assert (stack / "cdk.tf.json").is_file()


@pytest.fixture(scope="module")
def kms_stacks(
    kms_test_config: Config, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return synth_to(kms_test_config, tmp_path_factory.mktemp("kms"))


def snapshot_text(stack: Path) -> str:
    document = stack_json(stack)
    # The one line where the engines differ: the snapshots hold cdktf's stacks (see
    # test_engines.py, which proves everything else identical under both).
    document["//"]["metadata"]["version"] = SNAPSHOT_ENGINE_VERSION
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("stack", ["main", "cur", "data-platform"])
def test_snapshot_of_the_example_config(aws_stacks: dict[str, Path], stack: str) -> None:
    """Every change to the synthesized JSON shows in review. UPDATE_SNAPSHOTS=1 rewrites them."""
    assert_matches_snapshot(snapshot_text(aws_stacks[stack]), SNAPSHOTS / f"{stack}.cdk.tf.json")


@pytest.mark.parametrize("stack", ["kms-create", "kms-create-caller", "kms-key", "kms-cur"])
def test_snapshot_of_the_kms_config(kms_stacks: dict[str, Path], stack: str) -> None:
    assert_matches_snapshot(
        snapshot_text(kms_stacks[stack]), KMS_SNAPSHOTS / f"{stack}.cdk.tf.json"
    )


@pytest.fixture(scope="module")
def access_stacks(
    access_modes_config: Config, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return synth_to(access_modes_config, tmp_path_factory.mktemp("access"))


@pytest.mark.parametrize("stack", ["mode-read-only", "mode-scoped", "mode-read-write"])
def test_snapshot_of_each_access_mode(access_stacks: dict[str, Path], stack: str) -> None:
    assert_matches_snapshot(
        snapshot_text(access_stacks[stack]), ACCESS_SNAPSHOTS / f"{stack}.cdk.tf.json"
    )


def test_read_only_is_finouts_documented_policy_in_every_config(
    access_stacks: dict[str, Path], aws_stacks: dict[str, Path]
) -> None:
    """The default mode and `access: read_only` emit the same document, Finout's own."""

    def inline_policy(stack: Path) -> dict[str, Any]:
        policy = stack_json(stack)["resource"]["aws_iam_role_policy"]["finout_role"]["policy"]
        return json.loads(policy)  # type: ignore[no-any-return]

    documented = inline_policy(access_stacks["mode-read-only"])
    assert [s["Action"] for s in documented["Statement"]] == [
        ["tag:GetTagKeys"],
        ["s3:Get*", "s3:List*"],
        ["s3:Get*", "s3:List*"],
    ]
    data_platform = inline_policy(aws_stacks["data-platform"])
    bucket = "acme-data-platform-telemetry"
    assert json.dumps(data_platform).replace(bucket, "acme-mode-read-only") == json.dumps(
        documented
    )


def test_only_the_read_write_mode_writes_and_only_under_its_write_prefix(
    access_stacks: dict[str, Path], access_modes_config: Config
) -> None:
    writes = {"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
    for endpoint in access_modes_config.endpoints:
        document = stack_json(access_stacks[endpoint.name])
        policy = document["resource"]["aws_iam_role_policy"]["finout_role"]["policy"]
        granted = {
            (action, statement["Resource"])
            for statement in json.loads(policy)["Statement"]
            for action in (
                [statement["Action"]]
                if isinstance(statement["Action"], str)
                else statement["Action"]
            )
            if action in writes
        }
        expected = (
            {(a, f"{endpoint.bucket_arn}/{endpoint.write_prefix}/*") for a in writes}
            if endpoint.access == "read_write"
            else set()
        )
        assert granted == expected, endpoint.name


def test_only_a_created_key_is_managed_and_every_kms_stack_names_its_key(
    kms_stacks: dict[str, Path], kms_test_config: Config
) -> None:
    for endpoint in kms_test_config.endpoints:
        document = stack_json(kms_stacks[endpoint.name])
        keys = document["resource"].get("aws_kms_key", {})
        assert list(keys) == (["kms_key"] if endpoint.creates_kms_key else [])
        expected = "${aws_kms_key.kms_key.arn}" if endpoint.creates_kms_key else endpoint.kms_key
        assert document["output"]["finout_kms_key_arn"]["value"] == expected
        policies = document["resource"]["aws_iam_role_policy"]
        assert policies["finout_kms_policy"]["name"] == f"{endpoint.policy_name}-kms"
        assert expected in policies["finout_kms_policy"]["policy"]


def test_the_aws_target_has_no_endpoint_overrides_and_no_credentials(
    aws_stacks: dict[str, Path],
) -> None:
    for stack in aws_stacks.values():
        text = (stack / "cdk.tf.json").read_text()
        provider = stack_json(stack)["provider"]["aws"][0]
        assert set(provider) == {"region", "allowed_account_ids", "default_tags"}
        for needle in (
            "endpoints",
            "access_key",
            "secret_key",
            "127.0.0.1",
            "s3_use_path_style",
            "skip_",
        ):
            assert needle not in text


def test_the_local_target_points_s3_iam_sts_and_kms_at_the_emulator(
    local_stacks: dict[str, Path],
) -> None:
    provider = stack_json(local_stacks["main"])["provider"]["aws"][0]
    assert provider["endpoints"] == [
        {
            "s3": "http://127.0.0.1:4566",
            "iam": "http://127.0.0.1:4566",
            "sts": "http://127.0.0.1:4566",
            "kms": "http://127.0.0.1:4566",
        }
    ]
    assert provider["s3_use_path_style"] is True
    assert provider["allowed_account_ids"] == ["111122223333"]


def test_the_local_target_deploys_exactly_the_same_resources(
    aws_stacks: dict[str, Path], local_stacks: dict[str, Path]
) -> None:
    for name, stack in aws_stacks.items():
        assert stack_json(stack)["resource"] == stack_json(local_stacks[name])["resource"]


def test_outputs_share_one_prefix_and_hold_finouts_form(aws_stacks: dict[str, Path]) -> None:
    outputs = stack_json(aws_stacks["main"])["output"]
    assert sorted(outputs) == [
        "finout_bucket_name",
        "finout_external_id",
        "finout_region",
        "finout_role_arn",
        "finout_s3_path_prefix",
        "finout_telemetry_folders",
    ]
    assert outputs["finout_role_arn"]["value"] == "${aws_iam_role.finout_role.arn}"
    assert outputs["finout_s3_path_prefix"]["value"] == "finout/telemetry"
    assert outputs["finout_region"]["value"] == "us-east-1"


def test_folders_wait_for_versioning_so_every_marker_is_versioned(
    aws_stacks: dict[str, Path],
) -> None:
    folders = stack_json(aws_stacks["main"])["resource"]["aws_s3_object"]["telemetry_folders"]
    assert folders["depends_on"] == ["aws_s3_bucket_versioning.telemetry_bucket"]
    cur = stack_json(aws_stacks["cur"])["resource"]["aws_s3_object"]["telemetry_folders"]
    assert "depends_on" not in cur


def test_the_existing_bucket_stack_cannot_change_or_destroy_the_bucket(
    aws_stacks: dict[str, Path],
) -> None:
    cur = stack_json(aws_stacks["cur"])
    bucket_types = [t for t in cur["resource"] if t.startswith("aws_s3_bucket")]
    assert bucket_types == []
    assert cur["data"]["aws_s3_bucket"]["existing_bucket"]["bucket"] == "acme-cost-and-usage"
    assert cur["resource"]["aws_s3_object"]["telemetry_folders"]["bucket"] == (
        "${data.aws_s3_bucket.existing_bucket.id}"
    )


def test_local_state_paths_are_relative(aws_stacks: dict[str, Path]) -> None:
    for name, stack in aws_stacks.items():
        backend: dict[str, Any] = stack_json(stack)["terraform"]["backend"]
        assert backend == {"local": {"path": f"../../../terraform.{name}.tfstate"}}


def test_s3_state_backend_with_lockfile(example_config: Config, tmp_path: Path) -> None:
    config = example_config.model_copy(
        update={
            "state": example_config.state.model_copy(
                update={"backend": "s3", "bucket": "acme-tf-state", "key": "teams/finout"}
            )
        }
    )
    stacks = synth_to(config, tmp_path)
    backend = stack_json(stacks["data-platform"])["terraform"]["backend"]
    assert backend == {
        "s3": {
            "bucket": "acme-tf-state",
            "key": "teams/finout/data-platform.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_a_removed_endpoint_leaves_no_stale_stack(example_config: Config, tmp_path: Path) -> None:
    synth_to(example_config, tmp_path)
    smaller = example_config.model_copy(update={"endpoints": example_config.endpoints[:1]})
    stacks = synth_to(smaller, tmp_path)
    assert sorted(p.name for p in (tmp_path / "cdktf.out" / "stacks").iterdir()) == ["main"]
    assert list(stacks) == ["main"]
