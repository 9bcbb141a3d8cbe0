"""Shared fixtures: the example config, a real moto server on 127.0.0.1, terraform's environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from finout_s3_telemetry.config import Config, load_config
from finout_s3_telemetry.local.moto_server import LocalAws

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "examples" / "telemetry.yaml"

os.environ.setdefault("CHECKPOINT_DISABLE", "1")
# CI sets CI=true, which makes `validate` warn about local state: the suite behaves the same in CI
# as on a laptop, and the tests of that warning set it themselves.
os.environ.pop("CI", None)


@pytest.fixture(scope="session")
def example_config() -> Config:
    return load_config(EXAMPLE_CONFIG)


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
