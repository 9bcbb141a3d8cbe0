"""`demo`, `scan` and `terraform-env` run for real, not only through `--help`: the real cdktf
CLI, terraform, moto and checkov."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.provider_mirror import find_mirror

REPO = Path(__file__).resolve().parents[1]
BINARY = Path(sys.executable).parent / "finout-telemetry"

# An existing bucket: the demo makes a stand-in, and no lifecycle configuration has to settle
# (the AWS provider waits 55 s after creating one), so the whole demo takes seconds.
CONFIG = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": "cur",
            "region": "us-east-1",
            "account_id": "111122223333",
            "bucket": "acme-demo-cur",
            "existing_bucket": True,
            "prefix": "telemetry",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes", "requests"],
        }
    ],
}


def run_cli(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOUT_TELEMETRY_")}
    return subprocess.run(
        [str(BINARY), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=900,
    )


@pytest.mark.slow
@pytest.mark.terraform
@pytest.mark.moto
def test_the_demo_deploys_uploads_checks_and_prints_the_form(tmp_path: Path) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    result = run_cli("demo", "-c", str(config), "--keep", str(tmp_path / "kept"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "created acme-demo-cur in the emulator as a stand-in for your existing bucket" in out
    assert "uploaded " in out and "SHA-256 verified" in out
    assert "OK: " in out and " 0 failed in 1 endpoint(s)" in out
    assert "Role ARN        arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole" in out
    assert "S3 path prefix  telemetry" in out
    # --keep keeps the stacks and the state the demo deployed.
    assert (tmp_path / "kept" / "cdktf.out" / "stacks" / "cur" / "cdk.tf.json").is_file()
    assert (tmp_path / "kept" / "terraform.cur.tfstate").is_file()


@pytest.mark.slow
def test_scan_prints_every_suppression_and_passes_on_our_stacks(tmp_path: Path) -> None:
    config = tmp_path / "telemetry.yaml"
    data = yaml.safe_load(yaml.safe_dump(CONFIG))
    data["endpoints"][0]["existing_bucket"] = False
    config.write_text(yaml.safe_dump(data))
    outdir = tmp_path / "cdktf.out"
    assert main(["synth", "-q", "-c", str(config), "--outdir", str(outdir)]) == 0
    result = run_cli("scan", "--outdir", str(outdir))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    suppressions = yaml.safe_load((REPO / ".checkov.yaml").read_text())["skip-check"]
    for check_id in suppressions:
        assert str(check_id).split()[0] in result.stdout
    assert "Failed checks: 0" in result.stdout


def test_scan_without_stacks_says_to_synth_first(tmp_path: Path) -> None:
    result = run_cli("scan", "--outdir", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert "run `finout-telemetry synth` first" in result.stderr


def test_terraform_env_prints_exports_that_point_at_the_mirror(tmp_path: Path) -> None:
    result = run_cli("terraform-env", "--workdir", str(tmp_path / "work"))
    assert result.returncode == 0, result.stderr
    exports = dict(
        shlex.split(line.removeprefix("export "))[0].split("=", 1)
        for line in result.stdout.splitlines()
    )
    assert exports["CHECKPOINT_DISABLE"] == "1"
    mirror = find_mirror()
    if mirror is None:
        assert "TF_CLI_CONFIG_FILE" not in exports  # the public registry: nothing to point at
        return
    cli_config = Path(exports["TF_CLI_CONFIG_FILE"])
    assert cli_config.parent == (tmp_path / "work").absolute()
    text = cli_config.read_text()
    assert "filesystem_mirror" in text and str(mirror) in text
    # Evaluated by a shell, the lines set exactly these values.
    shell = subprocess.run(
        ["bash", "-c", f'{result.stdout}\nprintf %s "$TF_CLI_CONFIG_FILE"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == str(cli_config)
