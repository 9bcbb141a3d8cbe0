"""`finout-telemetry plan` (and `make plan`): plans every stack against a fresh local emulator it
starts itself, writes the plan JSON files and the markdown summary, prints the text summary."""

from __future__ import annotations

import argparse
import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.commands import plan
from finout_s3_telemetry.local.moto_server import DEFAULT_ACCOUNT_ID, LocalAws
from finout_s3_telemetry.plan_summary import load_plan
from finout_s3_telemetry.plan_summary.render_markdown import MARKER

REPO = Path(__file__).resolve().parents[1]

CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            # An existing bucket: the command must create a stand-in for it in the emulator, and
            # a pinned account other than moto's default: the emulator must answer as it.
            "name": "cur",
            "region": "eu-west-1",
            "account_id": "444455556666",
            "bucket": "acme-cost-and-usage",
            "existing_bucket": True,
            "prefix": "telemetry",
            "external_id": "finout-x9y8z7w",
            "telemetries": ["cur_bytes", "cur_requests"],
        }
    ],
}


def run(*argv: str) -> int:
    """The subcommand alone, so this test does not depend on every other command importing."""
    parser = argparse.ArgumentParser(prog="finout-telemetry")
    plan.register(parser.add_subparsers(required=True))
    args = parser.parse_args(["plan", *argv])
    code: int = args.handler(args)
    return code


@pytest.mark.terraform
@pytest.mark.moto
@pytest.mark.slow
def test_plan_against_a_fresh_emulator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    outdir = tmp_path / "out"
    stale = outdir / plan.PLANS_DIR / "gone.plan.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")

    assert run("-c", str(config), "--outdir", str(outdir)) == 0

    out = capsys.readouterr().out
    assert "an empty account, so every stack plans as new" in out
    assert "== cur: " in out  # the text summary
    assert not stale.exists()
    assert sorted(p.name for p in (outdir / plan.PLANS_DIR).iterdir()) == ["cur.plan.json"]
    parsed = load_plan(outdir / plan.PLANS_DIR / "cur.plan.json")
    assert parsed.stack == "cur"
    # An existing bucket is only read: nothing in the plan creates or changes it.
    assert not any(c.type == "aws_s3_bucket" and c.managed for c in parsed.resource_changes)
    summary = (outdir / plan.SUMMARY_FILE).read_text()
    assert summary.startswith(MARKER)
    assert "New telemetry folders in bucket `acme-cost-and-usage`" in summary
    assert "| Region | `eu-west-1` |" in summary
    # The emulator's stacks and state lived in a temporary folder, not next to the outputs.
    assert not (outdir / "stacks").exists()
    assert not list(tmp_path.glob("terraform.*.tfstate"))


def test_a_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text("finout: {}\n")
    assert run("-c", str(config), "--outdir", str(tmp_path / "out")) == 2
    assert not (tmp_path / "out").exists()


def test_make_plan_runs_the_command_with_the_local_target_by_default() -> None:
    makefile = (REPO / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony and "plan" in phony.group(1).split()
    recipe = re.search(r"^plan: setup ##.*\n\t(.*)$", makefile, re.MULTILINE)
    assert (
        recipe and recipe.group(1) == "$(BIN)/finout-telemetry plan --target $(or $(TARGET),local)"
    )


@pytest.mark.terraform
@pytest.mark.moto
@pytest.mark.slow
def test_plan_against_a_running_emulator_uses_the_outdir_and_the_state_dir(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like `--target aws`: the stacks go to the outdir and the state is read from --state-dir."""
    data = copy.deepcopy(CONFIG)
    data["endpoints"][0].update(existing_bucket=False, account_id=DEFAULT_ACCOUNT_ID)
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(data))
    outdir, state = tmp_path / "out", tmp_path / "state"
    argv = ["-c", str(config), "--outdir", str(outdir), "--state-dir", str(state)]

    assert run(*argv, "--endpoint-url", local_aws.endpoint_url) == 0

    assert f"against local AWS at {local_aws.endpoint_url}" in capsys.readouterr().out
    assert (outdir / "stacks" / "cur" / "cdk.tf.json").is_file()
    assert "New endpoint" in (outdir / plan.SUMMARY_FILE).read_text()


@pytest.mark.terraform
@pytest.mark.moto
@pytest.mark.slow
def test_a_removed_endpoint_with_state_is_planned_as_a_destroy(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deployed `cur` and `cur2`, then `cur2` leaves the config: `plan` shows its destroy (the
    role deleted, with the summary's warnings) instead of dropping it silently or failing."""
    from deployment import Deployment

    data = copy.deepcopy(CONFIG)
    data["endpoints"][0].update(account_id=DEFAULT_ACCOUNT_ID)
    # Its own prefix: two endpoints of one bucket must not overlap.
    second = {**data["endpoints"][0], "name": "cur2", "role_name": "FinoutCurTwo", "prefix": "cur2"}
    data["endpoints"].append(second)
    deployment = Deployment(tmp_path, local_aws.endpoint_url, data)
    deployment.client("s3", "eu-west-1").create_bucket(
        Bucket="acme-cost-and-usage", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    deployment.synth()
    deployment.deploy()

    data["endpoints"] = data["endpoints"][:1]
    deployment.config_file.write_text(yaml.safe_dump(data))
    argv = ["-c", str(deployment.config_file), "--outdir", str(tmp_path / "cdktf.out")]
    argv += ["--state-dir", str(tmp_path), "--endpoint-url", local_aws.endpoint_url]
    assert run(*argv) == 0

    out = capsys.readouterr().out
    assert "cur2 is no longer in the config: planning its destroy" in out
    removed = load_plan(tmp_path / "cdktf.out" / plan.PLANS_DIR / "cur2.plan.json")
    deleted = {c.type for c in removed.resource_changes if c.action == "delete"}
    assert "aws_iam_role" in deleted
    summary = (tmp_path / "cdktf.out" / plan.SUMMARY_FILE).read_text()
    assert "FinoutCurTwo" in summary


def test_an_unknown_endpoint_is_refused_before_anything_is_planned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    outdir = tmp_path / "out"
    assert run("-c", str(config), "--outdir", str(outdir), "--endpoint", "nope") == 2
    err = capsys.readouterr().err
    assert "no endpoint named 'nope'" in err and "the config has: cur" in err
    assert not outdir.exists()


@pytest.mark.terraform
@pytest.mark.moto
@pytest.mark.slow
def test_endpoint_plans_only_the_named_stacks(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a CI job per account runs: the other accounts' stacks are neither planned nor
    summarized."""
    data = copy.deepcopy(CONFIG)
    first = {**data["endpoints"][0], "existing_bucket": False, "account_id": DEFAULT_ACCOUNT_ID}
    second = {**first, "name": "other", "bucket": "acme-other", "role_name": "FinoutOther"}
    data["endpoints"] = [first, second]
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(data))
    outdir = tmp_path / "out"
    argv = ["-c", str(config), "--outdir", str(outdir), "--state-dir", str(tmp_path)]
    argv += ["--endpoint-url", local_aws.endpoint_url]

    assert run(*argv, "--endpoint", "other", "--endpoint", "other") == 0

    assert "planning 1 stack(s)" in capsys.readouterr().out
    assert sorted(p.name for p in (outdir / plan.PLANS_DIR).iterdir()) == ["other.plan.json"]
    summary = (outdir / plan.SUMMARY_FILE).read_text()
    assert "acme-other" in summary and "acme-cost-and-usage" not in summary
