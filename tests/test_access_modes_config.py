"""The `access` and `write_prefix` fields: every mode's rules, each problem on one line with the
field path and the fix, reported together with the file's other problems."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.config import ConfigError, parse_config

VALID: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": "main",
            "region": "us-east-1",
            "bucket": "acme-finout-telemetry",
            "prefix": "finout/telemetry",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes", "requests"],
        }
    ],
}


def config_with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data["endpoints"][0].update(changes)
    return data


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml.safe_dump(data), "telemetry.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_read_only_is_the_default() -> None:
    config = parse_config(yaml.safe_dump(VALID), "telemetry.yaml")
    assert config.endpoints[0].access == "read_only"
    assert config.endpoints[0].write_prefix is None


@pytest.mark.parametrize(
    "changes",
    [
        {"access": "read_only_scoped"},
        {"access": "read_write", "write_prefix": "finout/exports"},
        {"access": "read_write", "write_prefix": "exports", "prefix": ""},
    ],
)
def test_valid_modes(changes: dict[str, Any]) -> None:
    config = parse_config(yaml.safe_dump(config_with(**changes)), "telemetry.yaml")
    assert config.endpoints[0].access == changes["access"]


def test_an_unknown_mode_names_the_modes() -> None:
    [problem] = problems_of(config_with(access="write_only"))
    assert problem.startswith("endpoints[0].access: ")
    assert "read_only" in problem and "read_only_scoped" in problem and "read_write" in problem


def test_scoped_needs_a_prefix() -> None:
    assert problems_of(config_with(access="read_only_scoped", prefix="")) == [
        "endpoints[0].prefix: is required with access read_only_scoped: the policy allows reads "
        "under it only; set the S3 path prefix of the folders (e.g. 'finout/telemetry'), or use "
        "access read_only"
    ]


def test_a_prefix_with_a_wildcard_cannot_be_scoped() -> None:
    [problem] = problems_of(config_with(access="read_only_scoped", prefix="fin*out"))
    assert problem.startswith("endpoints[0].prefix: 'fin*out' contains '*'")


def test_read_write_needs_a_write_prefix() -> None:
    assert problems_of(config_with(access="read_write")) == [
        "endpoints[0].write_prefix: is required with access read_write: the folder Finout's "
        "exporter writes under, e.g. 'finout/exports', outside every telemetry folder"
    ]


def test_a_write_prefix_needs_read_write() -> None:
    assert problems_of(config_with(write_prefix="finout/exports")) == [
        "endpoints[0].write_prefix: is set, but access is read_only, which lets Finout write "
        "nothing; set access to read_write, or remove write_prefix"
    ]


@pytest.mark.parametrize(
    "write_prefix",
    ["finout/telemetry", "finout", "finout/telemetry/bytes", "finout/telemetry/bytes/exports"],
)
def test_a_write_prefix_never_overlaps_a_telemetry_folder(write_prefix: str) -> None:
    [problem] = problems_of(config_with(access="read_write", write_prefix=write_prefix))
    assert problem.startswith(f"endpoints[0].write_prefix: '{write_prefix}' overlaps the telemetry")
    assert "'finout/telemetry/bytes/'" in problem


def test_a_write_prefix_beside_the_folders_is_fine() -> None:
    # `finout/telemetry-exports` starts with the same characters but is another folder.
    data = config_with(access="read_write", write_prefix="finout/telemetry-exports")
    assert parse_config(yaml.safe_dump(data), "telemetry.yaml").endpoints[0].write_prefix


def test_a_malformed_write_prefix_is_one_line() -> None:
    assert problems_of(config_with(access="read_write", write_prefix="/exports/")) == [
        "endpoints[0].write_prefix: '/exports/' starts or ends with '/'; write it without "
        "leading or trailing slashes"
    ]


def _two_on_one_bucket(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    other = copy.deepcopy(data["endpoints"][0])
    data["endpoints"][0].update(first)
    other.update(name="two", role_name="Two", existing_bucket=True, **second)
    data["endpoints"].append(other)
    return data


def test_overlapping_prefixes_on_a_shared_bucket_name_both_endpoints() -> None:
    data = _two_on_one_bucket({}, {"prefix": "finout/telemetry/more"})
    assert problems_of(data) == [
        "endpoints[1].prefix: 'finout/telemetry/more' overlaps endpoints[0].prefix "
        "'finout/telemetry' in the shared bucket 'acme-finout-telemetry'; endpoints of one bucket "
        "need prefixes where neither is the other or a folder under it, e.g. 'finout/team-a' and "
        "'finout/team-b'"
    ]


def test_a_write_prefix_overlapping_another_endpoint_is_refused() -> None:
    data = _two_on_one_bucket(
        {"access": "read_write", "write_prefix": "exports"}, {"prefix": "exports/telemetry"}
    )
    [problem] = problems_of(data)
    assert problem.startswith(
        "endpoints[1].prefix: 'exports/telemetry' overlaps endpoints[0].write_prefix 'exports'"
    )


def test_an_empty_prefix_overlaps_every_other_endpoint_of_its_bucket() -> None:
    [problem] = problems_of(_two_on_one_bucket({}, {"prefix": ""}))
    assert "'' (the whole bucket) overlaps endpoints[0].prefix" in problem


def test_both_modes_on_one_bucket_take_two_prefixes() -> None:
    data = _two_on_one_bucket(
        {"access": "read_write", "write_prefix": "finout/exports"},
        {"prefix": "finout/scoped", "access": "read_only_scoped"},
    )
    config = parse_config(yaml.safe_dump(data), "telemetry.yaml")
    assert [e.access for e in config.endpoints] == ["read_write", "read_only_scoped"]


def test_access_problems_come_with_the_others() -> None:
    data = config_with(access="read_write", region="mars-1")
    problems = problems_of(data)
    assert [p.split(":")[0] for p in problems] == [
        "endpoints[0].region",
        "endpoints[0].write_prefix",
    ]


def test_defaults_can_set_the_mode() -> None:
    data = copy.deepcopy(VALID)
    data["defaults"] = {"access": "read_only_scoped"}
    config = parse_config(yaml.safe_dump(data), "telemetry.yaml")
    assert config.endpoints[0].access == "read_only_scoped"
