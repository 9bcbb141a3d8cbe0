"""checkov, for real, on the synthesized output: zero failed checks, every suppression reasoned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from synth_helpers import synth_to

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.suppressions import read_suppressions

# Runs under each CDK engine (`make test` runs the engine tests again under cdktn).
pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[1]
CHECKOV_CONFIG = REPO / ".checkov.yaml"


def run_checkov(directory: Path, config_file: Path = CHECKOV_CONFIG) -> dict[str, object]:
    checkov = Path(sys.executable).parent / "checkov"
    completed = subprocess.run(
        [str(checkov), "-d", str(directory), "--config-file", str(config_file), "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=directory,
    )
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    (terraform_json,) = [r for r in reports if r["check_type"] == "terraform_json"]
    return terraform_json  # type: ignore[no-any-return]


@pytest.mark.slow
def test_checkov_finds_no_failed_check(example_config: Config, tmp_path: Path) -> None:
    synth_to(example_config, tmp_path)
    report = run_checkov(tmp_path / "cdktf.out")
    summary = report["summary"]
    assert isinstance(summary, dict)
    failed = report["results"]["failed_checks"]  # type: ignore[index]
    assert summary["failed"] == 0, [(c["check_id"], c["resource"]) for c in failed]
    assert summary["passed"] >= 40
    assert summary["parsing_errors"] == 0


# The checks a KMS stack must pass on its own: the bucket encrypts with a KMS key
# (CKV_AWS_145, which .checkov.yaml skips for the sse-s3 endpoints), and the created key rotates
# (CKV_AWS_7), names no wildcard principal (CKV_AWS_33), has a policy (CKV2_AWS_64) and is
# enabled (CKV_AWS_227).
KMS_CHECKS = ("CKV_AWS_145", "CKV_AWS_7", "CKV_AWS_33", "CKV2_AWS_64", "CKV_AWS_227")


@pytest.mark.slow
def test_sse_kms_stacks_pass_the_kms_checks_with_no_suppression(
    kms_test_config: Config, tmp_path: Path
) -> None:
    synth_to(kms_test_config, tmp_path)
    config = tmp_path / "checkov-without-145.yaml"
    config.write_text(
        "".join(
            line
            for line in CHECKOV_CONFIG.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.lstrip().startswith("- CKV_AWS_145")
        ),
        encoding="utf-8",
    )
    assert "CKV_AWS_145" not in {s.check_id for s in read_suppressions(config)}
    report = run_checkov(tmp_path / "cdktf.out", config)
    results = report["results"]
    assert isinstance(results, dict)
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    passed: dict[str, set[tuple[str, str]]] = {}
    for check in results["passed_checks"]:
        passed.setdefault(check["check_id"], set()).add((check["file_path"], check["resource"]))
    # Every created bucket (the existing one is only read) encrypts with its KMS key...
    buckets = {e.name for e in kms_test_config.endpoints if not e.existing_bucket}
    assert len(passed["CKV_AWS_145"]) == len(buckets) == 3
    # ...and every created key passes the key checks.
    keys = sum(e.creates_kms_key for e in kms_test_config.endpoints)
    for check_id in KMS_CHECKS[1:]:
        assert len(passed.get(check_id, set())) == keys == 2, (check_id, passed.get(check_id))


@pytest.mark.slow
def test_every_access_mode_passes_checkov(access_modes_config: Config, tmp_path: Path) -> None:
    """The scoped and read_write policies too: no IAM check fails (e.g. writes without a
    resource constraint), with no suppression of their own."""
    synth_to(access_modes_config, tmp_path)
    report = run_checkov(tmp_path / "cdktf.out")
    results = report["results"]
    assert isinstance(results, dict)
    assert [(c["check_id"], c["resource"]) for c in results["failed_checks"]] == []
    checked = {c["file_path"].split("/")[-2] for c in results["passed_checks"]}
    assert {"mode-read-only", "mode-scoped", "mode-read-write"} <= checked
    role_policies = {
        c["resource"] for c in results["passed_checks"] if "aws_iam_role_policy" in c["resource"]
    }
    assert role_policies, "checkov judged no role policy"


@pytest.mark.slow
def test_checkov_would_fail_a_bucket_without_the_secure_defaults(
    example_config: Config, tmp_path: Path
) -> None:
    """The scan is not vacuous: dropping the public access block makes it fail."""
    synth_to(example_config, tmp_path)
    stack = tmp_path / "cdktf.out" / "stacks" / "main" / "cdk.tf.json"
    synthesized = json.loads(stack.read_text())
    del synthesized["resource"]["aws_s3_bucket_public_access_block"]
    stack.write_text(json.dumps(synthesized))
    report = run_checkov(tmp_path / "cdktf.out")
    failed = {c["check_id"] for c in report["results"]["failed_checks"]}  # type: ignore[index]
    assert "CKV2_AWS_6" in failed


def test_every_suppression_has_an_id_and_a_reason_of_at_least_a_sentence() -> None:
    suppressions = read_suppressions(CHECKOV_CONFIG)
    assert suppressions, "the config suppresses nothing: drop this test or the file"
    for suppression in suppressions:
        assert re.fullmatch(r"CKV2?_AWS_\d+", suppression.check_id)
        words = suppression.reason.split()
        assert len(words) >= 12 and suppression.reason.endswith("."), suppression
    assert "CKV_AWS_61" in {s.check_id for s in suppressions}


def test_a_suppression_without_its_comment_is_reported(tmp_path: Path) -> None:
    config = tmp_path / ".checkov.yaml"
    config.write_text("skip-check:\n  - CKV_AWS_18\n  - CKV_AWS_61  # A reason.\n")
    assert [(s.check_id, s.reason) for s in read_suppressions(config)] == [
        ("CKV_AWS_18", ""),
        ("CKV_AWS_61", "A reason."),
    ]
