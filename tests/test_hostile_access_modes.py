"""The access modes as a hostile or careless user writes them: `access` and `write_prefix` of any
shape, prefixes that overlap or only share characters, endpoints sharing a bucket, and live
policies widened by hand. Every problem is one line naming the field, all in one run, no
cascade; every accepted value renders a valid policy; the checker fails a scoped role that may
list beside its prefix."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from check_helpers import ran
from test_access_modes_config import VALID, config_with, problems_of
from test_check_access_modes import (
    BUCKET_ARN,
    config_of,
    context,
    rendered,
    statuses,
)

from finout_s3_telemetry.check.checks.access import can_read, cannot_write
from finout_s3_telemetry.check.model import Status
from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import parse_config
from finout_s3_telemetry.policy_documents import access_policy, to_json


def shared_bucket(*others: dict[str, Any]) -> dict[str, Any]:
    """The valid endpoint, then one more endpoint per `others` on its bucket (existing there)."""
    data = copy.deepcopy(VALID)
    for number, changes in enumerate(others, start=2):
        other = copy.deepcopy(VALID["endpoints"][0])
        other.update(name=f"e{number}", role_name=f"Role{number}", existing_bucket=True)
        other.update(changes)
        data["endpoints"].append(other)
    return data


def parsed(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    config = parse_config(yaml.safe_dump(data), "telemetry.yaml")
    return [(e.access, e.prefix, e.write_prefix) for e in config.endpoints]


# -- one line per mistake --------------------------------------------------------------------


@pytest.mark.parametrize(
    "access", ["Read_Only", "read-write", "READ_WRITE", " read_only", "", True, ["read_only"], 1]
)
def test_a_wrong_access_is_one_line_naming_the_modes(access: Any) -> None:
    [problem] = problems_of(config_with(access=access, write_prefix="finout/exports"))
    assert problem.startswith("endpoints[0].access: ")
    assert "'read_only', 'read_only_scoped' or 'read_write'" in problem


def test_a_wrong_access_in_defaults_is_one_line_at_the_default() -> None:
    data = shared_bucket({"prefix": "finout/other"})
    data["defaults"] = {"access": "Read_Write"}
    [problem] = problems_of(data)
    assert problem.startswith("defaults.access: 'Read_Write' is not allowed")
    assert "(for 2 endpoints: endpoints[0], endpoints[1])" in problem


@pytest.mark.parametrize(
    ("write_prefix", "words"),
    [
        ("", "is empty"),
        ("/exports", "starts or ends with '/'"),
        ("exports/", "starts or ends with '/'"),
        ("a//b", "contains '//'"),
        ("exp*rts", "contains '*', which an IAM policy reads as a wildcard"),
        ("exp?rts", "is not a safe S3 key"),
        ("${aws:username}", "is not a safe S3 key"),
        ("exp\x07rts", "control character"),
        ("x" * 2000, "is 2,000 bytes long"),
    ],
)
def test_a_malformed_write_prefix_is_one_line(write_prefix: str, words: str) -> None:
    [problem] = problems_of(config_with(access="read_write", write_prefix=write_prefix))
    assert problem.startswith("endpoints[0].write_prefix: ")
    assert words in problem
    assert len(problem) < 400  # a 2,000-character value is shortened


def test_a_read_write_endpoint_with_a_bad_prefix_still_hears_of_its_missing_write_prefix() -> None:
    # Two mistakes, two lines, in one run: the prefix's own rule does not hide the other.
    problems = problems_of(config_with(access="read_write", prefix="/x"))
    assert [p.split(":")[0] for p in problems] == [
        "endpoints[0].prefix",
        "endpoints[0].write_prefix",
    ]


def test_a_scoped_endpoint_with_a_bad_prefix_still_hears_of_its_needless_write_prefix() -> None:
    data = config_with(access="read_only_scoped", prefix="a//b", write_prefix="finout/exports")
    problems = problems_of(data)
    assert [p.split(":")[0] for p in problems] == [
        "endpoints[0].prefix",
        "endpoints[0].write_prefix",
    ]
    assert "is set, but access is read_only_scoped" in problems[1]


@pytest.mark.parametrize(
    "changes",
    [
        # The usual example, `finout-exports`, is itself a telemetry folder here.
        {"prefix": "", "telemetries": ["finout-exports"], "write_prefix": "finout-exports"},
        # `<prefix>-exports` would break the 900-byte rule.
        {"prefix": "p" * 895, "telemetries": ["b"], "write_prefix": "p" * 895},
    ],
)
def test_the_example_of_a_write_prefix_is_one_the_rules_accept(changes: dict[str, Any]) -> None:
    [problem] = problems_of(config_with(access="read_write", **changes))
    example = problem.rsplit("e.g. ", 1)[1].strip("'")
    data = config_with(access="read_write", **(changes | {"write_prefix": example}))
    assert parsed(data)[0][2] == example


# -- prefixes that overlap, or only share characters ------------------------------------------


@pytest.mark.parametrize(
    "write_prefix",
    ["tele", "finout/tele", "finout/telemetryx", "finout/telemetry-exports", "Finout/telemetry"],
)
def test_a_write_prefix_that_only_shares_characters_with_a_folder_is_fine(
    write_prefix: str,
) -> None:
    data = config_with(access="read_write", write_prefix=write_prefix)
    assert parsed(data)[0][2] == write_prefix


@pytest.mark.parametrize(
    ("first", "second"),
    [("telemetry", "tele"), ("finout/a", "finout/ab"), ("finout", "Finout")],
)
def test_prefixes_that_only_share_characters_share_a_bucket(first: str, second: str) -> None:
    data = config_with(prefix=first)
    other = copy.deepcopy(data["endpoints"][0])
    other.update(name="e2", role_name="Role2", existing_bucket=True, prefix=second)
    data["endpoints"].append(other)
    assert [p for _, p, _ in parsed(data)] == [first, second]


def test_a_write_prefix_equal_to_another_endpoints_prefix_is_one_line() -> None:
    data = shared_bucket({"prefix": "finout/exports"})
    data["endpoints"][0].update(access="read_write", write_prefix="finout/exports")
    [problem] = problems_of(data)
    assert problem.startswith(
        "endpoints[1].prefix: 'finout/exports' overlaps endpoints[0].write_prefix "
        "'finout/exports' in the shared bucket"
    )


def test_three_endpoints_on_one_bucket_say_each_clash_once() -> None:
    problems = problems_of(shared_bucket({"prefix": "finout/telemetry/a"}, {"prefix": "finout"}))
    assert [p.split(":")[0] for p in problems] == ["endpoints[1].prefix", "endpoints[2].prefix"]


def test_a_bucket_created_twice_with_different_prefixes_is_one_line() -> None:
    [problem] = problems_of(shared_bucket({"prefix": "finout/other", "existing_bucket": False}))
    assert problem.startswith("endpoints[1].bucket: bucket 'acme-finout-telemetry' is already")


def test_a_hostile_config_exits_2_with_one_line_each_and_no_traceback(
    tmp_path: Path, capsys: Any
) -> None:
    data = shared_bucket(
        {"prefix": "tele", "access": "read_write", "write_prefix": "telemetry/x"},
        {"prefix": "telemetry", "access": "read_only_scoped"},
    )
    data["endpoints"][0].update(access="read_write", prefix="/bad")
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line.strip() for line in err.splitlines() if line.strip().startswith("- ")]
    assert [line.split(":")[0] for line in lines] == [
        "- endpoints[0].prefix",
        "- endpoints[0].write_prefix",
        "- endpoints[2].prefix",
    ]


# -- every accepted value renders a valid policy ----------------------------------------------


@pytest.mark.parametrize(
    "value", ["'", "a(b)", "!", "a'b/c(d)", "x" * 899, "a.b/-_", "Finout", "a/" * 440 + "z"]
)
def test_every_accepted_odd_prefix_renders_valid_json(value: str) -> None:
    data = config_with(prefix=value, access="read_only_scoped")
    [(_, prefix, _)] = parsed(data)
    scoped = access_policy("read_only_scoped", BUCKET_ARN, prefix=prefix)
    assert json.loads(to_json(scoped)) == scoped
    assert scoped["Statement"][3]["Resource"] == f"{BUCKET_ARN}/{value}/*"
    writes = access_policy("read_write", BUCKET_ARN, write_prefix=value)
    assert json.loads(to_json(writes)) == writes
    assert writes["Statement"][3]["Resource"] == f"{BUCKET_ARN}/{value}/*"


# -- the checker, by mode -----------------------------------------------------------------------


@pytest.mark.parametrize("listed", ["*", "finout/*", "finout/telemetry*"])
def test_a_scoped_listing_widened_beyond_its_prefix_fails(listed: str) -> None:
    # Each of these allows listing `finout/telemetry-…`, `secrets/`, … yet not a listing
    # without s3:prefix: only a probe that lists beside the prefix sees it.
    config = config_of("read_only_scoped")
    policy = copy.deepcopy(rendered(config))
    policy["Statement"][2]["Condition"] = {"StringLike": {"s3:prefix": listed}}
    ctx = context(config, policy)
    assert statuses(ctx)["FINOUT-IAM-003"] is Status.FAIL
    read = ran(can_read, ctx)
    assert read.status is Status.FAIL
    assert f"allowed s3:ListBucket on {BUCKET_ARN}, outside prefix finout/telemetry/" in read.detail


def test_a_scoped_listing_without_its_condition_names_the_bucket_once() -> None:
    config = config_of("read_only_scoped")
    policy = copy.deepcopy(rendered(config))
    del policy["Statement"][2]["Condition"]
    read = ran(can_read, context(config, policy))
    assert read.status is Status.FAIL
    # Both listings beside the prefix are allowed; their resource is the same bucket.
    assert f"allowed s3:ListBucket on {BUCKET_ARN}, outside prefix" in read.detail
    assert read.detail.count(BUCKET_ARN) == 1


def test_read_write_deleting_under_its_write_prefix_fails_iam_006() -> None:
    config = config_of("read_write")
    policy = copy.deepcopy(rendered(config))
    policy["Statement"][3]["Action"].append("s3:DeleteObject")
    assert statuses(context(config, policy)) == {
        "FINOUT-IAM-003": Status.FAIL,
        "FINOUT-IAM-005": Status.PASS,
        "FINOUT-IAM-006": Status.FAIL,
    }


def test_a_read_write_policy_on_a_read_only_endpoint_fails() -> None:
    config = config_of("read_only")
    live = access_policy("read_write", BUCKET_ARN, write_prefix="finout/exports")
    assert statuses(context(config, live))["FINOUT-IAM-003"] is Status.FAIL


def test_a_read_write_policy_on_a_scoped_endpoint_fails_its_reads_too() -> None:
    config = config_of("read_only_scoped")
    live = access_policy("read_write", BUCKET_ARN, write_prefix="finout/exports")
    ctx = context(config, live)
    assert statuses(ctx)["FINOUT-IAM-003"] is Status.FAIL
    assert ran(can_read, ctx).status is Status.FAIL
    assert ran(cannot_write, ctx).status is Status.PASS
