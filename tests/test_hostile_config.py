"""The config file as a hostile or careless user writes it: every problem is one clear line with
its field path and fix, exit 2, nothing written; nothing invisible, oversized or self-expanding
gets through or hangs the command."""

from __future__ import annotations

import copy
import os
import socket
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import ConfigError, parse_config
from finout_s3_telemetry.config.load import ALIAS_EXPANSION_BUDGET, MAX_CONFIG_BYTES

VALID: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "state": {
        "backend": "s3",
        "bucket": "acme-terraform-state",
        "key": "finout-telemetry",
        "region": "us-east-1",
    },
    "endpoints": [
        {
            "name": "main",
            "region": "us-east-1",
            "account_id": "111122223333",
            "bucket": "acme-finout-telemetry",
            "prefix": "finout/telemetry",
            "external_id": "finout-ab12cd3",
            "role_name": "FinoutMetricsReadOnlyRole",
            "policy_name": "finest-access-policy_telemetry_export",
            "telemetries": ["bytes", "requests"],
        }
    ],
}

# Every string a config holds, by its path: each one must refuse what is invisible.
STRING_FIELDS: list[tuple[str, ...]] = [
    ("finout", "principal"),
    ("state", "bucket"),
    ("state", "key"),
    ("state", "region"),
    *[
        ("endpoints", "0", field)
        for field in (
            "name",
            "region",
            "account_id",
            "bucket",
            "prefix",
            "external_id",
            "role_name",
            "policy_name",
        )
    ],
    ("endpoints", "0", "telemetries", "1"),
]


def path_of(fields: tuple[str, ...]) -> str:
    text = ""
    for part in fields:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def with_value(fields: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    node: Any = data
    for part in fields[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = fields[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


def value_at(fields: tuple[str, ...]) -> str:
    node: Any = VALID
    for part in fields:
        node = node[int(part)] if part.isdigit() else node[part]
    assert isinstance(node, str)
    return node


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "telemetry.yaml")
    return [str(problem) for problem in caught.value.problems]


def invisible_characters() -> st.SearchStrategy[str]:
    return st.characters(categories=["Cc", "Cf", "Zl", "Zp"])


# Characters that look like ASCII letters, digits or punctuation in most fonts.
LOOKALIKES = "аеорсхуіјѕԁһӏ０１ＡＢｅ‐‑‒–—﹘－⁄∕․‚٫ꓸ"


def test_the_base_config_is_valid() -> None:
    parse_config(yaml.safe_dump(VALID))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(STRING_FIELDS),
    char=invisible_characters(),
    where=st.floats(min_value=0, max_value=1),
)
def test_an_invisible_character_anywhere_is_refused_at_its_field(
    field: tuple[str, ...], char: str, where: float
) -> None:
    original = value_at(field)
    position = round(where * len(original))
    value = original[:position] + char + original[position:]
    problems = problems_of(yaml.safe_dump(with_value(field, value)))
    path = path_of(field)
    mine = [p for p in problems if p.startswith(f"{path}: ")]
    assert len(mine) == 1, problems
    assert f"at character {position + 1}; remove it" in mine[0]
    # The message itself is safe to print: nothing invisible reaches the terminal.
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") for c in "".join(problems))


@settings(max_examples=100, deadline=None)
@given(field=st.sampled_from(STRING_FIELDS), char=st.sampled_from(LOOKALIKES), data=st.data())
def test_a_lookalike_character_is_refused(
    field: tuple[str, ...], char: str, data: st.DataObject
) -> None:
    original = value_at(field)
    position = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
    value = original[:position] + char + original[position + 1 :]
    problems = problems_of(yaml.safe_dump(with_value(field, value), allow_unicode=True))
    assert any(p.startswith(f"{path_of(field)}: ") for p in problems), problems


def test_a_block_scalar_external_id_is_refused_with_the_yaml_fix() -> None:
    text = yaml.safe_dump(VALID).replace(
        "external_id: finout-ab12cd3", "external_id: |\n      finout-ab12cd3"
    )
    assert problems_of(text) == [
        "endpoints[0].external_id: 'finout-ab12cd3\\n' contains a line feed (\\n) at character "
        "15; remove it (a YAML block scalar, `|` or `>`, ends the value with a line break: write "
        "the value on one line, in quotes)"
    ]


@pytest.mark.parametrize(
    "field",
    [("endpoints", "0", "bucket"), ("endpoints", "0", "region"), ("finout", "principal")],
)
def test_a_trailing_newline_fails_every_rule_anchored_on_the_whole_value(
    field: tuple[str, ...],
) -> None:
    from finout_s3_telemetry import naming as names

    rule = {
        "bucket": names.bucket_name_problem,
        "region": names.region_problem,
        "principal": names.principal_problem,
    }[field[-1]]
    assert rule(value_at(field) + "\n") is not None


def test_an_invisible_character_in_a_key_is_named_escaped() -> None:
    data = copy.deepcopy(VALID)
    data["endpoints"][0]["bucket\u202e"] = "x"
    problems = problems_of(yaml.safe_dump(data))
    assert problems == [
        "endpoints[0].bucket\\u202e: the key 'bucket\\u202e' contains invisible format character "
        "\\u202e (RIGHT-TO-LEFT OVERRIDE) at character 7; remove it"
    ]


def test_a_newline_in_an_endpoint_name_writes_nothing(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(with_value(("endpoints", "0", "name"), "ma\nin")))
    outdir = tmp_path / "out"
    assert main(["synth", "-c", str(config), "--outdir", str(outdir)]) == 2
    assert not outdir.exists()
    err = capsys.readouterr().err
    assert "endpoints[0].name: 'ma\\nin' contains a line feed (\\n) at character 3" in err
    assert "Traceback" not in err


def test_a_billion_laughs_config_is_refused_quickly_and_briefly(
    tmp_path: Path, capsys: Any
) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    config = tmp_path / "telemetry.yaml"
    config.write_text("\n".join(lines) + "\n")
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"YAML aliases (*name) expand to more than {ALIAS_EXPANSION_BUDGET:,} values" in err
    assert len(err) < 500


def test_anchors_for_shared_settings_stay_allowed() -> None:
    lines = [
        'finout: {principal: "123456789012"}',
        "x-shared: &shared {region: us-east-1, external_id: finout-ab12cd3, telemetries: [a, b]}",
        "endpoints:",
    ]
    for i in range(200):
        lines.append(f"  - {{<<: *shared, name: e{i}, bucket: acme-e{i}, role_name: Role{i}}}")
    # `x-shared` is not a known field: the only problem must be that one.
    assert problems_of("\n".join(lines) + "\n") == [
        "x-shared: is not a known field; remove it or fix its spelling (known: finout, "
        "endpoints, state, accounts, defaults)"
    ]


def test_an_alias_that_contains_itself_is_refused() -> None:
    assert problems_of("finout: &loop {principal: [*loop]}\n") == [
        "a YAML alias (*name) refers to a value that contains it; remove the loop"
    ]


def test_a_huge_value_is_shortened_in_the_message(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(with_value(("endpoints", "0", "bucket"), "b" * 3_000_000)))
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "(3,000,000 characters)" in err
    assert len(err) < 1000


def test_a_file_past_the_size_limit_is_not_parsed(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_bytes(b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    assert main(["validate", "-c", str(config)]) == 2
    assert "larger than 4 MiB" in capsys.readouterr().err


def test_deep_nesting_is_one_line(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text("finout: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "not valid YAML" in err and "Traceback" not in err
    assert len(err.splitlines()) == 2


def test_a_mapping_key_that_is_a_list_is_one_line(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text("finout:\n  ? [a, b]\n  : 1\n")
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[1] == (
        "  - not valid YAML at line 2, column 5: a key is a list or a mapping; keys are names "
        "such as `bucket:`"
    )


def test_a_yaml_syntax_error_names_the_file_and_the_line(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text("finout:\n  principal: [123\nendpoints: []\n")
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "<unicode string>" not in err
    assert err.splitlines() == [
        f"{config}: 1 problem; nothing was synthesized or changed.",
        "  - not valid YAML at line 3, column 10: did not find expected ',' or ']' (while "
        "parsing a flow sequence at line 2)",
    ]


def test_an_octal_looking_account_id_is_quoted_as_written() -> None:
    text = yaml.safe_dump(VALID).replace("'111122223333'", "011122223333")
    assert problems_of(text) == [
        "endpoints[0].account_id: must be a string; quote it exactly as AWS shows it, e.g. "
        'account_id: "011122223333"'
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("true", 'must be a string; quote it, e.g. "true"'),
        ("null", "is empty; write its value (the telemetry bucket's name)"),
        ("1.50", 'must be a string; quote it, e.g. "1.50"'),
        ("[a, b]", "must be a string, not a list (the telemetry bucket's name)"),
    ],
)
def test_hints_use_yaml_spellings(written: str, message: str) -> None:
    text = yaml.safe_dump(VALID).replace("bucket: acme-finout-telemetry", f"bucket: {written}")
    assert problems_of(text) == [f"endpoints[0].bucket: {message}"]
    assert "None" not in message and "True" not in message


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"telemetries": ["bytes", "date"]},
            "endpoints[0].telemetries[1]: 'date' is the name of the CSV's date column; a "
            "telemetry column needs another name, e.g. 'requests'",
        ),
        (
            {"region": "xx-east-1"},
            "endpoints[0].region: 'xx-east-1' is not an AWS region name; use one like us-east-1 "
            "or eu-west-2",
        ),
        (
            {"region": "cn-north-1"},
            "endpoints[0].region: 'cn-north-1' is in the aws-cn partition, but finout.principal "
            "is in aws; a role can only trust a principal of its own partition: use Finout's "
            "principal for aws-cn from the Finout console, or a region of aws",
        ),
    ],
)
def test_values_aws_would_refuse_at_deploy_are_refused_now(
    changes: dict[str, Any], problem: str
) -> None:
    data = copy.deepcopy(VALID)
    data["finout"]["principal"] = "arn:aws:iam::123456789012:root"
    data["endpoints"][0].update(changes)
    assert problems_of(yaml.safe_dump(data)) == [problem]


def test_a_folder_key_over_1024_bytes_is_refused() -> None:
    prefix = "/".join(["p" * 99] * 9)  # 899 bytes: a valid prefix on its own
    data = with_value(("endpoints", "0", "prefix"), prefix)
    data["endpoints"][0]["telemetries"] = ["bytes", "t" * 120]
    problems = problems_of(yaml.safe_dump(data))
    assert len(problems) == 1
    assert problems[0].startswith("endpoints[0].telemetries[1]: the folder ")
    assert "make keys of 1,035 bytes, over S3's 1,024-byte limit" in problems[0]


def test_a_prefix_is_measured_in_bytes() -> None:
    problems = problems_of(yaml.safe_dump(with_value(("endpoints", "0", "prefix"), "é" * 500)))
    assert len(problems) == 1 and "not a safe S3 key" in problems[0]


@pytest.mark.parametrize(
    ("state", "problems"),
    [
        (
            {"backend": "s3", "bucket": "acme-terraform-state", "key": ""},
            [
                "state.key: is empty; name a key prefix for the state files, e.g. "
                "finout-telemetry, or remove `key:` to use that default"
            ],
        ),
        (
            {"bucket": "acme-terraform-state", "use_lockfile": False},
            [
                "state.bucket: applies only to the s3 backend, and the state is local; set "
                "`backend: s3` to keep the state in S3, or remove this field",
                "state.use_lockfile: applies only to the s3 backend, and the state is local; set "
                "`backend: s3` to keep the state in S3, or remove this field",
            ],
        ),
    ],
)
def test_state_settings_that_would_be_refused_or_ignored(
    state: dict[str, Any], problems: list[str]
) -> None:
    data = copy.deepcopy(VALID)
    data["state"] = state
    assert sorted(problems_of(yaml.safe_dump(data))) == sorted(problems)


def test_a_dump_of_a_parsed_config_parses_again() -> None:
    data = copy.deepcopy(VALID)
    del data["state"]
    config = parse_config(yaml.safe_dump(data))
    assert parse_config(yaml.safe_dump(config.model_dump(mode="json"))) == config


def test_an_empty_config_flag_is_refused_not_defaulted(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "telemetry.yaml").write_text(yaml.safe_dump(VALID))
    assert main(["validate", "-c", ""]) == 2
    assert "the config path is empty; name the config file" in capsys.readouterr().err


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path, capsys: Any) -> None:
    fifo = tmp_path / "telemetry.yaml"
    os.mkfifo(fifo)
    assert main(["validate", "-c", str(fifo)]) == 2
    assert "is a FIFO (named pipe), not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a device"), (".", "a directory")])
def test_other_files_that_are_not_configs(path: str, kind: str, capsys: Any) -> None:
    assert main(["validate", "-c", path]) == 2
    assert f"is {kind}, not a regular file" in capsys.readouterr().err


def test_a_socket_is_refused(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert main(["validate", "-c", str(path)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_bytes(b"finout:\n  principal: '\xff'\n")
    assert main(["validate", "-c", str(config)]) == 2
    assert (
        "line 2, column 15: byte 0xff is not UTF-8; save the config as UTF-8 text"
        in capsys.readouterr().err
    )


def test_an_unknown_endpoint_name_is_shortened_and_escaped(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(VALID))
    name = "\x1b[2J" + "x" * 10_000
    assert main(["check", "-c", str(config), "--endpoint", name]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err
    assert len(err) < 500


# -- SSE-KMS settings, as hostile as the rest --------------------------------------------------

KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KMS_VALID = copy.deepcopy(VALID)
KMS_VALID["endpoints"][0].update(encryption="sse-kms", kms_key=KMS_KEY)
KMS_FIELDS = [("endpoints", "0", "encryption"), ("endpoints", "0", "kms_key")]


def with_kms_value(fields: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(KMS_VALID)
    data["endpoints"][0][fields[-1]] = value
    return data


def test_the_kms_base_config_is_valid() -> None:
    assert parse_config(yaml.safe_dump(KMS_VALID)).endpoints[0].uses_kms


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(KMS_FIELDS),
    char=invisible_characters(),
    where=st.floats(min_value=0, max_value=1),
)
def test_an_invisible_character_in_a_kms_setting_is_refused_at_its_field(
    field: tuple[str, ...], char: str, where: float
) -> None:
    original = KMS_VALID["endpoints"][0][field[-1]]
    position = round(where * len(original))
    value = original[:position] + char + original[position:]
    problems = problems_of(yaml.safe_dump(with_kms_value(field, value)))
    mine = [p for p in problems if p.startswith(f"{path_of(field)}: ")]
    assert len(mine) == 1, problems
    assert f"at character {position + 1}; remove it" in mine[0]
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") for c in "".join(problems))


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(KMS_FIELDS), char=st.sampled_from(LOOKALIKES), data=st.data())
def test_a_lookalike_character_in_a_kms_setting_is_refused(
    field: tuple[str, ...], char: str, data: st.DataObject
) -> None:
    original = KMS_VALID["endpoints"][0][field[-1]]
    position = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
    value = original[:position] + char + original[position + 1 :]
    problems = problems_of(yaml.safe_dump(with_kms_value(field, value), allow_unicode=True))
    assert any(p.startswith(f"{path_of(field)}: ") for p in problems), problems


def test_a_block_scalar_key_arn_is_refused_with_the_yaml_fix() -> None:
    text = yaml.safe_dump(KMS_VALID).replace(f"kms_key: {KMS_KEY}", f"kms_key: |\n      {KMS_KEY}")
    assert problems_of(text) == [
        f"endpoints[0].kms_key: '{KMS_KEY}\\n' contains a line feed (\\n) at character "
        f"{len(KMS_KEY) + 1}; remove it (a YAML block scalar, `|` or `>`, ends the value with a "
        "line break: write the value on one line, in quotes)"
    ]


@pytest.mark.parametrize(
    "value",
    [
        KMS_KEY + "\n",
        KMS_KEY + " ",
        " " + KMS_KEY,
        KMS_KEY + "/",
        KMS_KEY.replace("key/", "key//"),
        "create\n",
        "arn:aws:kms:us-east-1:111122223333:key/*",
        "*",
    ],
)
def test_every_kms_rule_matches_the_whole_value(value: str) -> None:
    from finout_s3_telemetry import naming as names

    assert names.kms_key_problem(value) is not None
    assert names.kms_key_arn_problem(value) is not None


def test_a_huge_kms_key_is_shortened_in_the_message(tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(with_kms_value(KMS_FIELDS[1], "alias/" + "k" * 3_000_000)))
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "(3,000,006 characters)" in err
    assert len(err) < 1500


def test_a_long_value_behind_many_aliases_is_refused_at_once() -> None:
    # Few values but gigabytes of text: a 2 MB external ID named by 2,000 endpoints.
    lines = ['finout: {principal: "123456789012"}', f"x: &big {'a' * 2_000_000}", "endpoints:"]
    for i in range(2000):
        lines.append(
            f"  - {{name: e{i}, region: us-east-1, bucket: acme-e{i}, external_id: *big, "
            "telemetries: [a]}"
        )
    assert problems_of("\n".join(lines) + "\n") == [
        "YAML aliases (*name) expand to more than 16 MiB of text; write the values out, or use "
        "anchors only for short shared settings"
    ]
