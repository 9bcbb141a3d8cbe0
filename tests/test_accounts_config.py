"""Many accounts from one config: `accounts:`, `account:` per endpoint, `defaults:`, the roles each
stack's provider assumes, and `finout-telemetry stacks`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ACCOUNTS_CONFIG
from finout_s3_telemetry.stacks.app import synthesize
from synth_helpers import stack_json

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import Config, ConfigError, parse_config
from finout_s3_telemetry.targets import Target

PROD_DEPLOY = "arn:aws:iam::111111111111:role/finout-telemetry-deploy"
BASE: dict[str, Any] = {
    "finout": {"principal": "999988887777"},
    "accounts": {
        "prod": {
            "account_id": "111111111111",
            "deploy_role_arn": PROD_DEPLOY,
            "deploy_external_id": "pipeline-x1",
        },
        "staging": {
            "account_id": "222222222222",
            "deploy_role_arn": "arn:aws:iam::222222222222:role/ci/deploy",
            "plan_role_arn": "arn:aws:iam::222222222222:role/ci/plan",
            "check_role_arn": "arn:aws:iam::222222222222:role/ci/check",
            "session_name": "finout-staging",
        },
    },
    "defaults": {"region": "us-east-1", "account": "prod", "telemetries": ["bytes"]},
    "endpoints": [
        {"name": "a", "bucket": "acme-a", "external_id": "finout-aaaa"},
        {"name": "b", "bucket": "acme-b", "external_id": "finout-bbbb", "role_name": "Role-b"},
        {
            "name": "c",
            "account": "staging",
            "region": "eu-west-1",
            "bucket": "acme-c",
            "external_id": "finout-cccc",
            "telemetries": ["x", "y"],
        },
    ],
}


def parsed(data: dict[str, Any]) -> Config:
    return parse_config(yaml.safe_dump(data), "telemetry.yaml")


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parsed(data)
    return [str(problem) for problem in caught.value.problems]


def changed(path: str, value: Any) -> dict[str, Any]:
    """BASE with the value at a dotted path (`endpoints.1.role_name`) set, or removed (None)."""
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return data


def test_defaults_fill_what_an_endpoint_leaves_out_and_its_own_value_wins() -> None:
    config = parsed(BASE)
    a, b, c = config.endpoints
    assert (a.region, a.telemetries, a.account) == ("us-east-1", ["bytes"], "prod")
    assert (c.region, c.telemetries, c.account) == ("eu-west-1", ["x", "y"], "staging")
    assert b.role_name == "Role-b"


def test_an_endpoint_takes_its_accounts_id() -> None:
    a, _, c = parsed(BASE).endpoints
    assert (a.account_id, c.account_id) == ("111111111111", "222222222222")


def test_each_pipeline_assumes_its_own_role_else_the_deploy_role_with_its_external_id() -> None:
    config = parsed(BASE)
    a, _, c = config.endpoints
    for purpose in ("deploy", "plan", "check"):
        role = config.role_for(a, purpose)
        assert role is not None
        assert (role.role_arn, role.external_id, role.session_name) == (
            PROD_DEPLOY,
            "pipeline-x1",
            "finout-telemetry",
        )
    staging = {p: config.role_for(c, p) for p in ("deploy", "plan", "check")}
    assert {p: r.role_arn for p, r in staging.items() if r} == {
        "deploy": "arn:aws:iam::222222222222:role/ci/deploy",
        "plan": "arn:aws:iam::222222222222:role/ci/plan",
        "check": "arn:aws:iam::222222222222:role/ci/check",
    }
    assert {r.session_name for r in staging.values() if r} == {"finout-staging"}


def test_an_endpoint_without_an_account_keeps_the_callers_credentials() -> None:
    data = changed("defaults.account", None)
    data["endpoints"][2].pop("account")
    data["endpoints"][2]["role_name"] = "Role-c"
    config = parsed(data)
    assert all(config.role_for(e, "deploy") is None for e in config.endpoints)
    assert all(e.account_id is None for e in config.endpoints)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "accounts.prod.deploy_role_arn",
            "arn:aws:iam::444455556666:role/deploy",
            "accounts.prod.deploy_role_arn: the role is in account 444455556666, but "
            "accounts.prod.account_id is 111111111111; the pipeline assumes this role to act "
            "in account 111111111111: use that account's role, or fix account_id",
        ),
        (
            "accounts.staging.check_role_arn",
            "arn:aws:iam::111111111111:role/ci/check",
            "accounts.staging.check_role_arn: the role is in account 111111111111, but "
            "accounts.staging.account_id is 222222222222;",
        ),
        (
            "endpoints.2.account",
            "stagign",
            "endpoints[2].account: 'stagign' is not an account of `accounts:`; use one of: "
            "prod, staging",
        ),
        (
            "endpoints.0.account_id",
            "999999999999",
            "endpoints[0].account_id: '999999999999' is not the id of account 'prod' "
            "(111111111111); remove account_id (the account gives it) or fix it",
        ),
        (
            "accounts.prod.deploy_role_arn",
            "arn:aws:iam::111111111111:user/deployer",
            "accounts.prod.deploy_role_arn: 'arn:aws:iam::111111111111:user/deployer' is not "
            "an IAM role ARN;",
        ),
        (
            "accounts.prod.deploy_role_arn",
            "arn:aws-mars:iam::111111111111:role/deploy",
            "names the partition 'aws-mars', which AWS does not have",
        ),
        ("accounts.prod.session_name", "x", "accounts.prod.session_name: 'x' is not a valid role"),
        (
            "accounts.prod.session_name",
            "a b",
            "accounts.prod.session_name: 'a b' is not a valid role session name",
        ),
        ("accounts.prod.account_id", 111111111111, "accounts.prod.account_id: must be a string"),
        ("accounts.prod.deploy_role_arn", None, "accounts.prod.deploy_role_arn: is required"),
        (
            "accounts.prod.deploy_external_id",
            "x",
            "accounts.prod.deploy_external_id: 'x' is not a valid external ID",
        ),
        ("accounts.prod.region", "us-east-1", "accounts.prod.region: is not a known field"),
        ("accounts", ["prod"], "accounts: "),
    ],
)
def test_an_account_problem_is_one_line_naming_the_field(
    path: str, value: Any, expected: str
) -> None:
    found = problems_of(changed(path, value))
    assert any(expected in line for line in found), found


def test_an_unknown_account_without_any_accounts_says_to_add_them() -> None:
    data = changed("accounts", None)
    found = problems_of(data)
    assert any(
        "defaults.account: 'prod' is not an account of `accounts:`; add it under a "
        "top-level `accounts:` mapping" in line
        for line in found
    ), found


def test_an_account_name_breaking_its_rule_is_named_by_its_path() -> None:
    data = copy.deepcopy(BASE)
    data["accounts"]["Prod Account"] = data["accounts"].pop("staging")
    data["endpoints"][2]["account"] = "Prod Account"
    found = problems_of(data)
    assert any(
        line.startswith("accounts.Prod Account: 'Prod Account' is not a valid account name")
        for line in found
    ), found


def test_a_role_in_another_partition_than_the_endpoint_is_refused() -> None:
    data = changed("endpoints.2.region", "cn-north-1")
    data["finout"]["principal"] = "arn:aws-cn:iam::999988887777:root"
    found = problems_of(data)
    assert any(
        line.startswith("endpoints[2].account: account 'staging''s deploy_role_arn is in the aws")
        and "region cn-north-1 is in aws-cn" in line
        for line in found
    ), found


def test_two_endpoints_of_one_account_may_not_share_a_role_name_but_two_accounts_may() -> None:
    same = changed("endpoints.1.role_name", None)
    found = problems_of(same)
    assert len(found) == 1
    assert found[0].startswith(
        "endpoints[1].role_name: role 'FinoutMetricsReadOnlyRole' is also used by endpoint 'a' "
        "(endpoints[0]) in account 111111111111"
    )
    # Endpoint c is in staging's account: the same default name does not clash with a's.
    assert parsed(BASE).endpoints[2].role_name == parsed(BASE).endpoints[0].role_name


def test_a_bad_default_is_one_line_at_the_default_naming_the_endpoints_it_reached() -> None:
    found = problems_of(changed("defaults.region", "mars-1"))
    assert found == [
        "defaults.region: 'mars-1' is not an AWS region name; use one like us-east-1 or "
        "eu-west-2 (for 2 endpoints: endpoints[0], endpoints[1])"
    ]


def test_a_bad_default_that_reached_one_endpoint_is_said_at_that_endpoint() -> None:
    data = changed("defaults.region", "mars-1")
    data["endpoints"][1]["region"] = "us-east-2"
    assert problems_of(data) == [
        "endpoints[0].region: 'mars-1' is not an AWS region name; use one like us-east-1 or "
        "eu-west-2 (the value comes from defaults.region)"
    ]


def test_a_default_that_clashes_between_endpoints_names_each_endpoint() -> None:
    data = changed("defaults.role_name", "Shared")
    data["endpoints"][1].pop("role_name")
    found = problems_of(data)
    assert len(found) == 1
    assert found[0].startswith("endpoints[1].role_name: role 'Shared' is also used by endpoint")
    assert found[0].endswith("(the value comes from defaults.role_name)")


def test_a_default_prefix_too_long_for_a_folder_is_said_at_the_default() -> None:
    found = problems_of(changed("defaults.prefix", "p" * 1020))
    assert len(found) == 1
    assert found[0].startswith("defaults.prefix: 'ppp"), found
    assert found[0].endswith("(for 3 endpoints: endpoints[0], endpoints[1], endpoints[2])")


def test_an_account_default_that_names_no_account_is_one_line() -> None:
    found = problems_of(changed("defaults.account", "prd"))
    assert found == [
        "defaults.account: 'prd' is not an account of `accounts:`; use one of: prod, staging "
        "(for 2 endpoints: endpoints[0], endpoints[1])"
    ]


def test_a_misspelt_default_is_one_line() -> None:
    found = problems_of(changed("defaults.regoin", "us-east-1"))
    assert len(found) == 1
    assert found[0].startswith("defaults.regoin: is not a known field"), found


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            ["us-east-1"],
            "defaults: must be a mapping of endpoint fields that every endpoint takes unless it "
            "sets its own",
        ),
        ("x", "defaults: must be a mapping"),
    ],
)
def test_defaults_must_be_a_mapping(value: Any, expected: str) -> None:
    found = problems_of(changed("defaults", value))
    assert any(line.startswith(expected) for line in found), found


def test_a_name_cannot_be_a_default() -> None:
    found = problems_of(changed("defaults.name", "shared"))
    assert found == [
        "defaults.name: cannot be a default: each endpoint needs its own `name:`; remove it here"
    ]


def test_a_control_character_in_a_default_is_reported_once_where_it_is() -> None:
    found = problems_of(changed("defaults.region", "us-east-1\x1b[2J"))
    assert len(found) == 1
    assert found[0].startswith("defaults.region: "), found
    assert "\x1b" not in found[0]


def test_an_endpoint_field_from_an_account_is_attributed_to_the_account() -> None:
    found = problems_of(changed("accounts.prod.account_id", "12"))
    assert found[0].startswith("accounts.prod.account_id: '12' is not an AWS account id"), found
    assert len(found) == 1


def test_every_problem_at_once() -> None:
    data = changed("accounts.prod.deploy_role_arn", "arn:aws:iam::444455556666:role/d")
    data["endpoints"][2]["account"] = "nope"
    data["defaults"]["prefix"] = "/x"
    found = problems_of(data)
    assert len(found) == 3, found


# The provider of each stack


def synthesized(tmp_path: Path, role_purpose: Any = "deploy") -> dict[str, dict[str, Any]]:
    config = parsed(BASE)
    stacks = synthesize(
        config,
        Target("aws"),
        outdir=tmp_path / "out",
        state_dir=tmp_path,
        role_purpose=role_purpose,
    )
    return {stack.name: stack_json(stack)["provider"]["aws"][0] for stack in stacks}


@pytest.mark.engine
def test_each_stacks_provider_assumes_its_accounts_deploy_role(tmp_path: Path) -> None:
    providers = synthesized(tmp_path)
    assert providers["a"]["assume_role"] == [
        {"role_arn": PROD_DEPLOY, "session_name": "finout-telemetry", "external_id": "pipeline-x1"}
    ]
    assert providers["a"]["allowed_account_ids"] == ["111111111111"]
    assert providers["c"]["assume_role"] == [
        {"role_arn": "arn:aws:iam::222222222222:role/ci/deploy", "session_name": "finout-staging"}
    ]
    assert providers["c"]["allowed_account_ids"] == ["222222222222"]


@pytest.mark.engine
def test_a_plan_assumes_the_plan_role(tmp_path: Path) -> None:
    providers = synthesized(tmp_path, "plan")
    assert providers["c"]["assume_role"][0]["role_arn"] == "arn:aws:iam::222222222222:role/ci/plan"
    # prod has no plan role: its deploy role stands in, with its external ID.
    assert providers["a"]["assume_role"][0]["external_id"] == "pipeline-x1"


# `finout-telemetry stacks`


def test_stacks_json_is_the_matrix_in_config_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stacks", "-c", str(ACCOUNTS_CONFIG), "--format", "json"]) == 0
    stacks = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in stacks] == ["prod-main", "staging-main", "data-existing"]
    assert stacks[1] == {
        "name": "staging-main",
        "account": "staging",
        "account_id": "222222222222",
        "region": "us-east-1",
        "deploy_role_arn": "arn:aws:iam::222222222222:role/ci/finout-telemetry-deploy",
        "plan_role_arn": "arn:aws:iam::222222222222:role/ci/finout-telemetry-plan",
        "check_role_arn": "arn:aws:iam::222222222222:role/ci/finout-telemetry-deploy",
    }


def test_stacks_of_one_account(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["stacks", "-c", str(ACCOUNTS_CONFIG), "--format", "json", "--account", "data"])
    assert code == 0
    assert [s["name"] for s in json.loads(capsys.readouterr().out)] == ["data-existing"]


def test_stacks_table_shows_each_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stacks", "-c", str(ACCOUNTS_CONFIG)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STACK", "ACCOUNT", "ACCOUNT", "ID", "REGION", "DEPLOY", "ROLE"]
    assert lines[1].split()[:4] == ["prod-main", "prod", "111111111111", "us-east-1"]


def test_stacks_without_accounts_shows_nulls(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stacks", "-c", "examples/telemetry.yaml", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert (first["account"], first["deploy_role_arn"], first["account_id"]) == (
        None,
        None,
        "111122223333",
    )


def test_stacks_of_an_unknown_account_exits_2_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["stacks", "-c", str(ACCOUNTS_CONFIG), "--account", "prd\x1b[31m"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert "--account 'prd\\x1b[31m' is not an account" in lines[0]
    assert lines[0].endswith("use one of: prod, staging, data")
