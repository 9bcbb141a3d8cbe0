"""`defaults:`, `accounts:` and `stacks` as a hostile or careless user writes them: each problem
is one line where it can be fixed, never a cascade of lines that a single mistake causes; nothing
a default or an account holds makes the command slow, and nothing in a role ARN reaches Terraform
as anything but the literal ARN."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import ConfigError, parse_config
from finout_s3_telemetry.config.model import EndpointConfig

BASE: dict[str, Any] = {
    "finout": {"principal": "999988887777"},
    "accounts": {
        "prod": {
            "account_id": "111111111111",
            "deploy_role_arn": "arn:aws:iam::111111111111:role/finout-telemetry-deploy",
        },
        "staging": {
            "account_id": "222222222222",
            "deploy_role_arn": "arn:aws:iam::222222222222:role/ci/deploy",
            "plan_role_arn": "arn:aws:iam::222222222222:role/ci/plan",
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
            "telemetries": ["x"],
        },
    ],
}
# Every endpoint field a default may hold: all but `name`, in the model's order.
DEFAULT_FIELDS = ", ".join(field for field in EndpointConfig.model_fields if field != "name")
ROLE_ARN_FORM = (
    "write it as arn:aws:iam::<12-digit account>:role/<name> (a path before the name is "
    "allowed), as the IAM console shows it"
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "telemetry.yaml")
    return [str(problem) for problem in caught.value.problems]


def changed(path: str, value: Any) -> dict[str, Any]:
    """BASE with the value at a dotted path (`endpoints.1.role_name`) set."""
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return data


def dumped(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, width=10**9)


def many_endpoints(count: int, **own: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["endpoints"] = [
        {
            "name": f"e{i}",
            "bucket": f"acme-e{i}",
            "external_id": "finout-aaaa",
            "role_name": f"R{i}",
        }
        | own
        for i in range(count)
    ]
    return data


def test_the_base_config_is_valid() -> None:
    parse_config(dumped(BASE))


# -- `defaults:` ---------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["null", "[region]", "us-east-1", "5", "''"])
def test_defaults_that_is_no_mapping_is_one_line_not_one_per_endpoint_field(written: str) -> None:
    # Endpoints a and b take their region and telemetries from defaults: that they now lack
    # them follows from the one mistake, and is not said again for each of them.
    text = dumped(changed("defaults", "PLACEHOLDER")).replace("PLACEHOLDER", written)
    assert problems_of(text) == [
        "defaults: must be a mapping of endpoint fields that every endpoint takes unless it sets "
        "its own, e.g. `defaults: {region: us-east-1}`"
    ]


def test_a_missing_name_is_still_said_when_defaults_is_no_mapping() -> None:
    data = changed("defaults", ["region"])
    del data["endpoints"][1]["name"]
    assert problems_of(dumped(data)) == [
        "defaults: must be a mapping of endpoint fields that every endpoint takes unless it sets "
        "its own, e.g. `defaults: {region: us-east-1}`",
        "endpoints[1].name: is required; add `name:` here (lowercase letters, digits and "
        "hyphens; it names the stack)",
    ]


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("re.gion", "defaults.re.gion"),
        ("region[0]", "defaults.region[0]"),
        ("r" * 100, f"defaults.{'r' * 63}… (100 characters in all)"),
        (1, "defaults.1"),
        (True, "defaults.true"),
    ],
)
def test_an_odd_key_in_defaults_is_one_line_at_the_default(key: Any, path: str) -> None:
    data = copy.deepcopy(BASE)
    data["defaults"][key] = "x"
    assert problems_of(dumped(data)) == [
        f"{path}: is not a known field; remove it or fix its spelling (known: {DEFAULT_FIELDS})"
    ]


def test_a_hidden_character_in_a_default_key_is_one_line() -> None:
    data = copy.deepcopy(BASE)
    data["defaults"]["reg\x1bion"] = "us-east-1"
    assert problems_of(dumped(data)) == [
        "defaults.reg\\x1bion: the key 'reg\\x1bion' contains an escape character (\\x1b) at "
        "character 4; remove it"
    ]


def test_defaults_that_fill_in_more_than_a_config_may_hold_are_refused_quickly() -> None:
    # 2,000 telemetries written once, taken by 1,000 endpoints: 2,000,000 folders to validate.
    data = many_endpoints(1_000)
    data["defaults"]["telemetries"] = [f"t{i:04}" for i in range(2_000)]
    started = time.monotonic()
    problems = problems_of(dumped(data))
    # Each default counts its characters and two per value: 2,000 × (5 + 2) + 2 for the list,
    # 11 for the region and 6 for the account, per endpoint.
    assert problems == [
        "defaults: filled into the endpoints that take them, these values come to about "
        "14,019,000 characters, more than a whole config may hold (4 MiB); shorten them "
        "(`telemetries:` is about 14,002 characters, taken by 1,000 endpoints)"
    ]
    assert time.monotonic() - started < 10


def test_a_huge_default_value_is_refused_without_checking_it_per_endpoint() -> None:
    data = many_endpoints(300)
    data["defaults"]["region"] = "us-" + "a" * 1_000_000
    started = time.monotonic()
    problems = problems_of(dumped(data))
    assert problems == [
        "defaults: filled into the endpoints that take them, these values come to about "
        "300,006,000 characters, more than a whole config may hold (4 MiB); shorten them "
        "(`region:` is about 1,000,005 characters, taken by 300 endpoints)"
    ]
    assert time.monotonic() - started < 10


def test_defaults_shared_by_thousands_of_endpoints_stay_allowed() -> None:
    # The size bound is on what the defaults add, and leaves room for 5,000 endpoints that
    # share 20 telemetries, a region, a prefix and an account (about 1 MB filled in).
    data = many_endpoints(5_000)
    data["defaults"] |= {"prefix": "finout/telemetry", "telemetries": [f"t{i}" for i in range(20)]}
    config = parse_config(dumped(data))
    assert len(config.endpoints) == 5_000
    assert config.endpoints[-1].telemetries[-1] == "t19"


# -- keys that are not strings ---------------------------------------------------------------


def test_a_top_level_key_that_is_a_number_is_named_as_written() -> None:
    assert problems_of(dumped(BASE) + "0x1F: x\n") == [
        "0x1F: is not a known field; remove it or fix its spelling (known: finout, endpoints, "
        "state, accounts, defaults)"
    ]


def test_an_endpoint_key_that_is_a_number_is_named_as_written() -> None:
    text = dumped(BASE).replace("- bucket: acme-a\n", "- bucket: acme-a\n  12: x\n")
    assert problems_of(text) == [
        "endpoints[0].12: is not a known field; remove it or fix its spelling (known: name, "
        f"{DEFAULT_FIELDS})"
    ]


@pytest.mark.parametrize(
    ("written", "problems"),
    [
        (
            "123",
            [
                'accounts.123: the key must be a string; quote it, e.g. "123":',
                'endpoints[2].account: must be a string; quote it, e.g. account: "123"',
            ],
        ),
        ("null", ["accounts.null: the key is empty (null); write a name here"]),
    ],
)
def test_an_account_name_that_is_no_string_is_named_as_written(
    written: str, problems: list[str]
) -> None:
    text = dumped(BASE).replace("  staging:", f"  {written}:")
    text = text.replace("account: staging", f"account: {written}")
    assert problems_of(text) == problems


# -- `accounts:` -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ["prod"], "prod"])
def test_accounts_that_is_no_mapping_is_one_line(value: Any) -> None:
    # Not also "'prod' is not an account: add it under `accounts:`" (it is there), nor a role
    # clash between endpoints whose accounts are not known.
    assert problems_of(dumped(changed("accounts", value))) == [
        "accounts: must be a mapping of fields (key: value)"
    ]


def test_an_account_that_is_null_is_one_line() -> None:
    assert problems_of(dumped(changed("accounts.prod", None))) == [
        "accounts.prod: must be a mapping of fields (key: value)"
    ]


def test_an_account_id_that_contradicts_the_account_is_one_line() -> None:
    # Not also a role clash with endpoint a, as if c were in a's account.
    assert problems_of(dumped(changed("endpoints.2.account_id", "111111111111"))) == [
        "endpoints[2].account_id: '111111111111' is not the id of account 'staging' "
        "(222222222222); remove account_id (the account gives it) or fix it"
    ]


def test_an_empty_account_name_on_an_endpoint_is_one_line() -> None:
    assert problems_of(dumped(changed("endpoints.2.account", ""))) == [
        "endpoints[2].account: '' is not a valid account name; use 1-63 lowercase letters, "
        "digits, hyphens and underscores, starting and ending with a letter or digit (it names "
        "the account in `stacks`, CI jobs and GitHub environments)"
    ]


def test_an_account_number_names_its_account_not_the_finout_console() -> None:
    assert problems_of(dumped(changed("endpoints.2.account", 5))) == [
        'endpoints[2].account: must be a string; quote it, e.g. account: "5"'
    ]


def test_an_unknown_account_among_many_says_how_many_more_there_are() -> None:
    data = copy.deepcopy(BASE)
    for i in range(100):
        data["accounts"][f"x{i:03}"] = copy.deepcopy(data["accounts"]["prod"])
    found = problems_of(
        dumped(changed("endpoints.2.account", "nope") | {"accounts": data["accounts"]})
    )
    assert len(found) == 1
    assert found[0].endswith(", x016, x017 and 82 more"), found


def test_roles_of_one_account_in_two_partitions_is_one_line_at_the_account() -> None:
    data = changed("accounts.staging.plan_role_arn", "arn:aws-cn:iam::222222222222:role/ci/plan")
    for endpoint in data["endpoints"]:
        endpoint["account"] = "staging"
    data["endpoints"][2]["role_name"] = "Role-c"
    assert problems_of(dumped(data)) == [
        "accounts.staging.plan_role_arn: the role is in the aws-cn partition, but "
        "accounts.staging.deploy_role_arn is in aws; an account and its roles are in one "
        "partition: use this account's role"
    ]


def test_a_huge_role_arn_is_judged_once_not_once_per_endpoint() -> None:
    data = many_endpoints(2_000, account="prod")
    data["accounts"]["prod"]["deploy_role_arn"] = (
        "arn:aws:iam::111111111111:role/" + "x" * 1_000_000
    )
    started = time.monotonic()
    found = problems_of(dumped(data))
    assert len(found) == 1 and found[0].startswith("accounts.prod.deploy_role_arn: "), found
    assert time.monotonic() - started < 10


def test_the_deploy_external_id_is_not_sent_to_the_finout_console() -> None:
    assert problems_of(dumped(changed("accounts.prod.deploy_external_id", "x"))) == [
        "accounts.prod.deploy_external_id: 'x' is not a valid external ID; use 2-1224 "
        "characters of letters, digits and + = , . @ : / _ - with no whitespace, the value the "
        "deploy role's trust policy asks for in sts:ExternalId"
    ]


# -- role ARNs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "mistake"),
    [
        ("arn:aws:iam::111111111111:user/deployer", "it names an IAM user"),
        (
            "arn:aws:sts::111111111111:assumed-role/deploy/session",
            "it is a session of an assumed role (what `aws sts get-caller-identity` shows), "
            "not the role",
        ),
        ("arn:aws:iam::123:role/x", "its account '123' is not 12 digits"),
        ("arn:aws:iam::111111111111:role/a//x", "its path has an empty folder ('//')"),
        ("arn:aws:iam::111111111111:role//x", "its path has an empty folder ('//')"),
        ("arn:aws:iam::111111111111:role/ci/", "it has no role name after its last '/'"),
        (
            "arn:aws:iam::111111111111:role/" + "n" * 65,
            "its role name is 65 characters long; IAM allows 64",
        ),
        (
            "arn:aws:iam::111111111111:role/ci/de ploy",
            "its role name has ' ', and a role name holds letters, digits and + = , . @ _ - only",
        ),
        ("arn:aws:iam:us-east-1:111111111111:role/x", ""),
    ],
)
def test_a_role_arn_of_the_wrong_shape_names_the_mistake(arn: str, mistake: str) -> None:
    shown = repr(arn) if len(arn) <= 80 else f"'{arn[:79]}…' ({len(arn)} characters)"
    assert problems_of(dumped(changed("accounts.prod.deploy_role_arn", arn))) == [
        f"accounts.prod.deploy_role_arn: {shown} is not an IAM role ARN; "
        + (f"{mistake}; " if mistake else "")
        + ROLE_ARN_FORM
    ]


@pytest.mark.parametrize(
    ("path", "character"),
    [
        ('${file("/etc/hostname")}', "'$'"),
        ("%{x}", "'%'"),
        ("team*", "'*'"),
        ("a?b", "'?'"),
        ('a\\"b', "'\\\\'"),
    ],
)
def test_a_role_path_terraform_or_iam_would_read_as_syntax_is_refused(
    path: str, character: str
) -> None:
    # Terraform evaluates `${…}` and `%{…}` in the provider's role_arn, and IAM reads `*`, `?`
    # and `${…}` in the pipeline's sts:AssumeRole policy: the role assumed would not be the one
    # the config and `stacks` name.
    arn = f"arn:aws:iam::111111111111:role/{path}/deploy"
    found = problems_of(dumped(changed("accounts.prod.deploy_role_arn", arn)))
    assert len(found) == 1, found
    assert found[0].startswith("accounts.prod.deploy_role_arn: "), found
    assert (
        f"is not an IAM role ARN; its path has {character}, and a path holds folders of "
        "letters, digits and + = , . @ _ - only" in found[0]
    ), found


def test_synth_writes_no_role_arn_terraform_would_evaluate(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    arn = 'arn:aws:iam::111111111111:role/${upper("x")}/deploy'
    config.write_text(dumped(changed("accounts.prod.deploy_role_arn", arn)))
    outdir = tmp_path / "out"
    assert main(["synth", "-c", str(config), "--outdir", str(outdir)]) == 2
    assert not outdir.exists()
    err = capsys.readouterr().err
    assert "accounts.prod.deploy_role_arn: " in err and "Traceback" not in err


# -- `finout-telemetry stacks` ---------------------------------------------------------------


def test_stacks_of_an_unknown_account_names_at_most_20_of_many(tmp_path: Path, capsys: Any) -> None:
    data = copy.deepcopy(BASE)
    for i in range(1_000):
        data["accounts"][f"x{i:04}"] = copy.deepcopy(data["accounts"]["prod"])
    config = tmp_path / "telemetry.yaml"
    config.write_text(dumped(data))
    assert main(["stacks", "-c", str(config), "--account", "nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "finout-telemetry: error: --account 'nope' is not an account of the config's "
        "`accounts:`; use one of: "
        + ", ".join(["prod", "staging"] + [f"x{i:04}" for i in range(18)])
        + " and 982 more"
    ]
