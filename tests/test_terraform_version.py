"""`validate` and `synth` refuse a terraform too old for the chosen state backend, and
`validate` warns when CI would keep the state in files that vanish with the job."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config.model import StateSettings
from finout_s3_telemetry.terraform_version import installed_version, version_problem

CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "state": {"backend": "s3", "bucket": "acme-terraform-state"},
    "endpoints": [
        {
            "name": "main",
            "region": "us-east-1",
            "bucket": "acme-finout-telemetry",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes"],
        }
    ],
}


@pytest.fixture
def old_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `terraform` on PATH that says it is 1.9.8: a real program answering `version -json`
    as Terraform 1.9 does (no 1.9 binary can be downloaded here)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    binary = folder / "terraform"
    binary.write_text(
        "#!/bin/sh\n"
        'echo \'{"terraform_version":"1.9.8","platform":"linux_amd64","provider_selections":{}}\'\n'
    )
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_installed_terraform_is_read() -> None:
    found = installed_version()
    assert found is not None and found >= (1, 10, 0)


def test_s3_locking_needs_terraform_1_10() -> None:
    locking = StateSettings(backend="s3", bucket="acme-terraform-state")
    assert version_problem(locking, (1, 10, 0)) is None
    problem = version_problem(locking, (1, 9, 8))
    assert problem == (
        "terraform 1.9.8 is on PATH, but S3-native state locking (state.use_lockfile, the "
        "default for the s3 backend) needs Terraform 1.10.0; install Terraform 1.10.0 or newer, "
        "or set state.use_lockfile: false"
    )
    unlocked = StateSettings(backend="s3", bucket="acme-terraform-state", use_lockfile=False)
    assert version_problem(unlocked, (1, 9, 8)) is None
    assert version_problem(StateSettings(), (1, 5, 7)) is not None
    assert version_problem(locking, None) is None  # no terraform here: nothing to judge


@pytest.mark.usefixtures("old_terraform")
@pytest.mark.parametrize("command", ["validate", "synth"])
def test_an_old_terraform_is_refused_before_anything_is_written(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, CONFIG)
    argv = [command, "-c", str(config)]
    if command == "synth":
        argv += ["--outdir", str(tmp_path / "out")]
    assert main(argv) == 2
    assert "terraform 1.9.8 is on PATH, but S3-native state locking" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("old_terraform")
def test_without_locking_an_older_terraform_synthesizes_no_lockfile_argument(
    tmp_path: Path,
) -> None:
    data = {**CONFIG, "state": {**CONFIG["state"], "use_lockfile": False}}
    config = write(tmp_path, data)
    assert main(["synth", "-q", "-c", str(config), "--outdir", str(tmp_path / "out")]) == 0
    stack = (tmp_path / "out" / "stacks" / "main" / "cdk.tf.json").read_text()
    assert "use_lockfile" not in stack


def test_validate_warns_about_local_state_in_ci(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    local = {key: value for key, value in CONFIG.items() if key != "state"}
    config = write(tmp_path, local)
    monkeypatch.setenv("CI", "true")
    assert main(["validate", "-c", str(config)]) == 0
    assert "warning: state.backend is local (the default)" in capsys.readouterr().err
    monkeypatch.delenv("CI")
    assert main(["validate", "-c", str(config)]) == 0
    assert capsys.readouterr().err == ""
    # Shared state in S3: nothing to warn about.
    monkeypatch.setenv("CI", "true")
    assert main(["validate", "-c", str(write(tmp_path, CONFIG))]) == 0
    assert capsys.readouterr().err == ""
