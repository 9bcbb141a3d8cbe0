"""`finout-telemetry check` through the CLI: exit codes, output formats, errors, retries, bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from check_helpers import (
    NO_RETRIES,
    check,
    config_raw,
    deploy,
    endpoint_raw,
    failing,
    make_config,
    target_of,
    write_config,
)
from check_provisioning import clients, provision_endpoint

from finout_s3_telemetry.check import RetryPolicy, run_checks
from finout_s3_telemetry.check.errors import classify
from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.local.moto_server import LocalAws

pytestmark = pytest.mark.moto

RESULT_KEYS = {"id", "status", "severity", "resource", "detail", "remediation"}


@pytest.fixture(autouse=True)
def _no_ambient_target(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FINOUT_TELEMETRY_TARGET",
        "FINOUT_TELEMETRY_ENDPOINT_URL",
        "FINOUT_TELEMETRY_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FINOUT_TELEMETRY_CHECK_RETRIES", "0")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def deployed(local_aws: LocalAws, tmp_path: Path, config: Config | None = None) -> Path:
    config = config or make_config()
    deploy(local_aws, config)
    return write_config(tmp_path / "telemetry.yaml", config)


def test_exit_0_and_a_table_when_everything_passes(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deployed(local_aws, tmp_path)
    code, out, err = run_cli(capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("main: ok (")
    assert sum(1 for line in lines if line.startswith("  PASS  ")) == 19
    # Freshly deployed folders hold no file yet: a warning, which does not fail the run.
    assert [line.split()[1] for line in lines if line.startswith("  WARN  ")] == ["FINOUT-CSV-002"]
    assert lines[-1].startswith("OK: 19 passed, 1 warnings, 0 failed in 1 endpoint(s)")
    assert "AWS API calls" in lines[-1]


def test_exit_1_and_json_naming_the_failure_on_drift(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deployed(local_aws, tmp_path)
    s3, _ = clients(target_of(local_aws), "us-east-1")
    s3.delete_public_access_block(Bucket="acme-finout-telemetry")
    code, out, _ = run_cli(
        capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url, "--format", "json"
    )
    assert code == 1
    document = json.loads(out)
    assert set(document) == {"ok", "endpoints"}
    assert document["ok"] is False
    (endpoint,) = document["endpoints"]
    assert set(endpoint) == {"name", "account", "checks"}
    assert endpoint["name"] == "main"
    assert endpoint["account"] is None  # no `accounts:`: the caller's own credentials
    for item in endpoint["checks"]:
        assert set(item) == RESULT_KEYS
        assert all(isinstance(value, str) for value in item.values())
        assert item["status"] in {"pass", "warn", "fail"}
        assert item["severity"] in {"critical", "high", "medium", "low"}
    failed = [c for c in endpoint["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["FINOUT-S3-004"]
    assert failed[0]["resource"] == "arn:aws:s3:::acme-finout-telemetry"
    assert failed[0]["remediation"] == "Run `cdktf deploy main` to restore it."


def test_the_table_shows_the_fix_under_a_failure(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deployed(local_aws, tmp_path)
    s3, _ = clients(target_of(local_aws), "us-east-1")
    s3.delete_object(Bucket="acme-finout-telemetry", Key="finout/telemetry/bytes/")
    code, out, _ = run_cli(capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url)
    assert code == 1
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("  FAIL  FINOUT-S3-003"))
    assert "finout/telemetry/bytes/" in lines[row]
    assert lines[row + 1].strip() == "fix: Run `cdktf deploy main` to recreate them."
    assert lines[-1].startswith("FAILED: 18 passed, 1 warnings, 1 failed")


def test_endpoint_selects_one_and_unknown_names_exit_2(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(
        endpoint_raw(), endpoint_raw(name="other", bucket="acme-other", role_name="OtherRole")
    )
    path = deployed(local_aws, tmp_path, config)
    url = local_aws.endpoint_url
    code, out, _ = run_cli(
        capsys, "-c", str(path), "--endpoint-url", url, "--endpoint", "other", "--format", "json"
    )
    assert code == 0
    assert [e["name"] for e in json.loads(out)["endpoints"]] == ["other"]
    code, _, err = run_cli(capsys, "-c", str(path), "--endpoint-url", url, "--endpoint", "nope")
    assert code == 2
    assert "no endpoint named nope; the config has: main, other" in err


def test_a_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        capsys,
        "-c",
        str(tmp_path / "absent.yaml"),
        "--target",
        "local",
        "--endpoint-url",
        "http://127.0.0.1:9",
    )
    assert code == 2
    assert "not found" in err
    bad = tmp_path / "bad.yaml"
    raw = config_raw()
    raw["endpoints"][0]["bucket"] = "Not_A_Bucket"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    code, _, err = run_cli(capsys, "-c", str(bad), "--endpoint-url", "http://127.0.0.1:9")
    assert code == 2
    assert "endpoints[0].bucket" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "telemetry.yaml", make_config())
    code, _, err = run_cli(capsys, "-c", str(path), "--target", "local")
    assert code == 2
    assert "needs an endpoint URL" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "-c", str(path), "--retries", "-1"])
    assert exit_info.value.code == 2


def test_an_unreachable_endpoint_exits_2_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path / "telemetry.yaml", make_config())
    code, out, err = run_cli(capsys, "-c", str(path), "--endpoint-url", "http://127.0.0.1:9")
    assert code == 2
    assert out == ""
    assert "nothing was checked: cannot reach local AWS at http://127.0.0.1:9" in err
    assert "is the local emulator running" in err
    assert "credentials" not in err


def test_missing_credentials_exit_2_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = write_config(tmp_path / "telemetry.yaml", make_config())
    code, out, err = run_cli(capsys, "-c", str(path), "--target", "aws")
    assert code == 2
    assert out == ""
    assert "no usable AWS credentials were found" in err
    assert "cannot reach" not in err


def test_credential_and_connection_errors_are_told_apart() -> None:
    invalid = ClientError(
        {"Error": {"Code": "InvalidClientTokenId", "Message": "bad"}}, "GetCallerIdentity"
    )
    assert (found := classify(invalid, "AWS")) is not None and found.kind == "invalid-credentials"
    assert (found := classify(NoCredentialsError(), "AWS")) is not None
    assert found.kind == "no-credentials"
    down = EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com")
    assert (found := classify(down, "AWS")) is not None and found.kind == "unreachable"
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetBucketPolicy")
    assert classify(denied, "AWS") is None  # a check result, not a reason to stop


def test_calls_per_endpoint_do_not_grow_with_telemetries(local_aws: LocalAws) -> None:
    few = make_config(endpoint_raw(telemetries=["t0", "t1"]))
    deploy(local_aws, few)
    few_report = check(local_aws, few)
    local_aws.reset()
    many = make_config(endpoint_raw(telemetries=[f"t{n}" for n in range(40)]))
    deploy(local_aws, many)
    many_report = check(local_aws, many)
    assert few_report.ok and many_report.ok
    assert few_report.endpoints[0].api_calls == many_report.endpoints[0].api_calls
    assert many_report.api_calls_by_operation["s3:ListObjectsV2"] == 1
    assert "s3:GetObject" not in many_report.api_calls_by_operation  # the folders are empty
    assert many_report.api_calls == many_report.endpoints[0].api_calls + 1  # + GetCallerIdentity


def test_iam_not_found_is_retried_with_backoff(local_aws: LocalAws) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    _, iam = clients(target, "us-east-1")
    iam.delete_role_policy(
        RoleName="FinoutMetricsReadOnlyRole", PolicyName="finest-access-policy_telemetry_export"
    )
    iam.delete_role(RoleName="FinoutMetricsReadOnlyRole")
    waits: list[float] = []
    report = check(local_aws, config, RetryPolicy(retries=3, sleep=waits.append))
    assert waits == [0.5, 1.0, 2.0]
    assert report.api_calls_by_operation["iam:GetRole"] == 4
    assert set(failing(report)) == {"FINOUT-IAM-001"}


def test_a_role_that_appears_during_the_retries_passes(local_aws: LocalAws) -> None:
    """IAM's eventual consistency: NoSuchEntity first, the role on a later attempt."""
    config = make_config()
    target = deploy(local_aws, config)
    _, iam = clients(target, "us-east-1")
    iam.delete_role_policy(
        RoleName="FinoutMetricsReadOnlyRole", PolicyName="finest-access-policy_telemetry_export"
    )
    iam.delete_role(RoleName="FinoutMetricsReadOnlyRole")
    waits: list[float] = []

    def catch_up(delay: float) -> None:
        waits.append(delay)
        if len(waits) == 2:  # IAM "catches up" after the second wait
            local_aws.reset()
            provision_endpoint(config, config.endpoints[0], target)

    report = check(local_aws, config, RetryPolicy(retries=3, sleep=catch_up))
    assert waits == [0.5, 1.0]
    assert report.ok, failing(report)


def test_the_retry_environment_variable_must_be_a_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOUT_TELEMETRY_CHECK_RETRIES", "many")
    path = write_config(tmp_path / "telemetry.yaml", make_config())
    code, _, err = run_cli(capsys, "-c", str(path), "--endpoint-url", "http://127.0.0.1:9")
    assert code == 2
    assert "FINOUT_TELEMETRY_CHECK_RETRIES must be a whole number" in err


def test_run_checks_is_usable_without_the_cli(local_aws: LocalAws) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    report = run_checks(config, target, ["main"], retry=NO_RETRIES)
    assert report.ok
    assert report.account == "111122223333"
    assert report.endpoints[0].access_method.startswith("a local evaluation")
