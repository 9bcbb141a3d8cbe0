"""The provider-mirror setting and its discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from finout_s3_telemetry.provider_mirror import (
    MirrorError,
    cli_config_text,
    find_mirror,
    terraform_environment,
)


def make_mirror(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64").mkdir(
        parents=True
    )
    return root


def test_the_setting_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = make_mirror(tmp_path / "mirror")
    monkeypatch.setenv("FINOUT_TELEMETRY_PROVIDER_MIRROR", str(mirror))
    assert find_mirror() == mirror


def test_a_setting_without_the_aws_provider_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOUT_TELEMETRY_PROVIDER_MIRROR", str(tmp_path))
    with pytest.raises(MirrorError, match=r"holds no registry\.terraform\.io/hashicorp/aws"):
        find_mirror()


def test_the_users_own_cli_config_is_respected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FINOUT_TELEMETRY_PROVIDER_MIRROR", raising=False)
    own = tmp_path / "terraformrc"
    own.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(own))
    assert find_mirror() is None
    assert "TF_CLI_CONFIG_FILE" not in terraform_environment(tmp_path / "work")


def test_discovery_finds_the_implied_local_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FINOUT_TELEMETRY_PROVIDER_MIRROR", raising=False)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("HOME", str(tmp_path))
    mirror = make_mirror(tmp_path / ".terraform.d" / "plugins")
    assert find_mirror() == mirror


def test_the_cli_config_installs_only_mirrored_providers_from_the_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = make_mirror(tmp_path / "mirror")
    text = cli_config_text(mirror)
    assert f'path    = "{mirror}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text
    monkeypatch.setenv("FINOUT_TELEMETRY_PROVIDER_MIRROR", str(mirror))
    env = terraform_environment(tmp_path / "out")
    assert Path(env["TF_CLI_CONFIG_FILE"]).read_text() == text
    assert env["CHECKPOINT_DISABLE"] == "1"
