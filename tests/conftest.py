"""Shared fixtures: the example and SSE-KMS configs, a real moto server on 127.0.0.1, an SSE-KMS
endpoint deployed to it, terraform's environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from finout_s3_telemetry.config import Config, load_config
from finout_s3_telemetry.local.moto_server import LocalAws

if TYPE_CHECKING:
    from deployment import Deployment

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "examples" / "telemetry.yaml"
KMS_CONFIG = Path(__file__).parent / "kms_telemetry.yaml"
"""SSE-KMS endpoints (a created key, with and without account_id; an existing key on a created
bucket; an existing bucket with its key), apart from the example so that its snapshots stay."""
KMS_DEPLOYED_ENDPOINT = "kms-create"
ACCOUNTS_CONFIG = Path(__file__).parent / "accounts_telemetry.yaml"
"""Three accounts of `accounts:`, with `defaults:`: one pipeline identity assumes each
account's roles."""

ACCESS_MODES_CONFIG = Path(__file__).parent / "access_modes_telemetry.yaml"
"""One endpoint per access mode (read_only, read_only_scoped, read_write)."""

os.environ.setdefault("CHECKPOINT_DISABLE", "1")
# CI sets CI=true, which makes `validate` warn about local state: the suite behaves the same in CI
# as on a laptop, and the tests of that warning set it themselves.
os.environ.pop("CI", None)


@pytest.fixture(scope="session")
def example_config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def kms_test_config() -> Config:
    return load_config(KMS_CONFIG)


@pytest.fixture(scope="session")
def access_modes_config() -> Config:
    return load_config(ACCESS_MODES_CONFIG)


@pytest.fixture(scope="session")
def accounts_test_config() -> Config:
    return load_config(ACCOUNTS_CONFIG)


@pytest.fixture(scope="session")
def local_aws_server() -> Iterator[LocalAws]:
    """One moto server for the session (starting one costs about a second)."""
    with LocalAws() as server:
        yield server


@pytest.fixture
def local_aws(local_aws_server: LocalAws) -> LocalAws:
    """The moto server, emptied before the test."""
    local_aws_server.reset()
    return local_aws_server


@pytest.fixture(scope="module")
def kms_deployed(
    local_aws_server: LocalAws, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    """The `kms-create` endpoint of the SSE-KMS config (a new bucket encrypted with a new key)
    deployed with the real terraform to the emulator, once per module that asks for it (a
    deploy takes about a minute, most of it the provider's lifecycle wait)."""
    # Imported here: `deployment` loads the CDK engine, which most test files never need.
    from deployment import Deployment

    local_aws_server.reset()
    data = yaml.safe_load(KMS_CONFIG.read_text(encoding="utf-8"))
    data["endpoints"] = [e for e in data["endpoints"] if e["name"] == KMS_DEPLOYED_ENDPOINT]
    deployment = Deployment(tmp_path_factory.mktemp("kms"), local_aws_server.endpoint_url, data)
    deployment.synth()
    deployment.deploy()
    return deployment
