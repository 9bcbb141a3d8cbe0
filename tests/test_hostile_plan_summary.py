"""`finout-telemetry plan-summary` against hostile input: files that are not plans (deep, huge,
binary, FIFOs, devices, directories), plans with wrong JSON types, and plans whose addresses and
values hold escape sequences, markdown, bidirectional controls or megabytes.

Every problem is one line naming the file and the fix, exit 2, never a traceback or a hang. The
text output holds nothing a terminal acts on; the markdown holds no control or format character,
and nothing from a plan can start a line, close a code fence or forge a heading.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from plan_json import output, plan_json, resource, role_update, trust_document

from finout_s3_telemetry.cli import main as cli_main
from finout_s3_telemetry.plan_summary import PlanFileError, load_plan, renderer, summarize
from finout_s3_telemetry.plan_summary.parse import MAX_PLAN_BYTES, MAX_PLAN_DEPTH, parse_plan
from finout_s3_telemetry.plan_summary.render_markdown import MARKER, code

FINOUT = "arn:aws:iam::123456789012:root"
# Clears the screen, starts a markdown heading on a new line, returns the carriage, reverses the
# text, closes a code fence and a <details> block, and smuggles the reversal in as an entity.
FORGED = "\x1b[2J\n## Forged heading\r  PASS\u202e```\n</details>\u2028&#8238;\x85"


def main(argv: list[str]) -> int:
    """The real command line: its usage errors are one line, escaped and shortened."""
    return cli_main(argv)


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def invisible(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}]


def error_lines(err: str) -> list[str]:
    """stderr as lines, each a complete `finout-telemetry: error:` line and nothing else."""
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    for line in lines:
        assert line.startswith("finout-telemetry: error: "), err
        assert invisible(line) == []
    return lines


def one_problem(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["plan-summary", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = error_lines(captured.err)
    return line


# 4. Files that are not plans.


def test_json_nested_a_hundred_thousand_deep_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.plan.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    line = one_problem(capsys, str(deep))
    assert f"{deep}: JSON nested more than {MAX_PLAN_DEPTH} levels deep" in line
    assert "terraform show -json" in line


def test_a_plan_nested_deeper_than_the_limit_but_parseable_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data: Any = plan_json([])
    nested: Any = "x"
    for _ in range(MAX_PLAN_DEPTH + 10):
        nested = [nested]
    data["variables"] = {"deep": {"value": nested}}
    line = one_problem(capsys, str(write(tmp_path / "main.plan.json", data)))
    assert "nested more than" in line


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe\x00garbage\x1b[2J", "is not UTF-8 text (byte 0xff at offset 0)"),
        (b"\x1b[2J\n## not json", "not valid JSON (Expecting value: line 1, column 1)"),
        (b"", "not valid JSON"),
        (b'"just a string"', "not the JSON of a Terraform plan"),
        (b"{}", "not the JSON of a Terraform plan"),
        (b"[]", "not the JSON of a Terraform plan"),
        (b'{"format_version": 1.2}', "not the JSON of a Terraform plan"),
        (b'{"format_version": "9\\u001b[2J"}', "plan JSON format 9\\x1b[2J is not supported"),
    ],
    ids=["binary", "text", "empty", "a string", "an empty object", "a list", "number", "escape"],
)
def test_a_file_that_is_not_a_plan_is_one_line_naming_it_and_the_fix(
    content: bytes, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.plan.json"
    bad.write_bytes(content)
    line = one_problem(capsys, str(bad))
    assert line.startswith(f"finout-telemetry: error: {bad}: ")
    assert reason in line
    assert "terraform show -json" in line or "Terraform release" in line


def test_a_huge_file_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.plan.json"
    with huge.open("wb") as file:  # sparse: no disk space, no time
        file.truncate(4 * 2**30)
    line = one_problem(capsys, str(huge))
    assert f"{huge}: is 4,096.0 MiB, over the {MAX_PLAN_BYTES // 2**20} MiB" in line


def test_a_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_problem(capsys, str(tmp_path))
    assert f"{tmp_path}: is a directory, not a file; pass the JSON file written by" in line


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """The whole CLI in its own process, so a read that never ends fails the test by its timeout
    instead of hanging the run."""
    return subprocess.run(
        [sys.executable, "-m", "finout_s3_telemetry.cli", "plan-summary", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "main.plan.json"
    os.mkfifo(fifo)
    done = run_cli(str(fifo))
    assert done.returncode == 2 and done.stdout == ""
    (line,) = error_lines(done.stderr)
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in line


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused() -> None:
    done = run_cli("/dev/zero")
    assert done.returncode == 2 and done.stdout == ""
    (line,) = error_lines(done.stderr)
    assert "/dev/zero: is a character device, not a regular file" in line


def test_every_bad_file_is_named_on_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.plan.json", plan_json([]))
    broken = tmp_path / "broken.plan.json"
    broken.write_text("{")
    missing = tmp_path / "missing.plan.json"
    assert main(["plan-summary", str(good), str(broken), str(tmp_path), str(missing)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = error_lines(captured.err)
    assert len(lines) == 3
    assert f"{broken}: not valid JSON" in lines[0]
    assert f"{tmp_path}: is a directory" in lines[1]
    assert f"{missing}: cannot read it (No such file or directory)" in lines[2]


def test_a_file_name_with_escape_sequences_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x\x1b[2J\r  PASS.plan.json"
    bad.write_text("nope")
    line = one_problem(capsys, str(bad))
    assert "x\\x1b[2J\\x0d  PASS.plan.json: not valid JSON" in line


# 5. Wrong JSON types where the summary expects strings.


def change_with(**fields: Any) -> dict[str, Any]:
    item = resource("aws_s3_bucket.telemetry_bucket", "create", None, {"bucket": "b"})
    change = dict(item["change"], **fields.pop("change", {}))
    return dict(item, change=change, **fields)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (change_with(address=5), "resource_changes[0]: address is a number, not a string"),
        (change_with(type=["aws_s3_bucket"]), "resource_changes[0]: type is a list, not a string"),
        (change_with(name=None), "resource_changes[0]: name is null, not a string"),
        (change_with(mode={"managed": 1}), "mode is an object, not a string"),
        (change_with(index=[1]), "index is a list, not a string or a number"),
        (change_with(change={"actions": [1]}), "change.actions must be a list of strings"),
        (change_with(change={"actions": [["create"]]}), "change.actions must be a list of"),
        (change_with(change={"actions": [None, "x"]}), "change.actions must be a list of"),
        (change_with(change={"actions": "create"}), "change.actions is missing or empty"),
        (change_with(change={"replace_paths": 5}), "change.replace_paths is a number, not a list"),
        (change_with(change={"actions": ["\x1b[2J" * 1000]}), "unknown actions ['\\x1b[2J"),
        ("a string", "resource_changes[0] is not an object"),
    ],
    ids=[
        "address",
        "type",
        "name",
        "mode",
        "index",
        "action number",
        "action list",
        "action null",
        "actions string",
        "replace_paths",
        "long action",
        "item",
    ],
)
def test_wrong_json_types_are_one_line_naming_the_field(
    item: Any, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write(tmp_path / "main.plan.json", plan_json([item]))
    line = one_problem(capsys, str(plan))
    assert f"{plan}: " in line and reason in line
    assert len(line) < 600


def test_odd_values_where_strings_are_expected_are_summarized_without_a_crash() -> None:
    """Values the summary only shows (not the plan's structure) may be of any type."""
    weird = [
        resource("aws_s3_bucket.telemetry_bucket", "delete", {"bucket": {"a": [1]}}),
        resource(
            "aws_iam_role.finout_role",
            "replace",
            {"name": ["x"], "assume_role_policy": 5},
            {"name": None, "assume_role_policy": {"not": "a string"}},
            replace_paths=[["name", {"odd": 1}], ["name"], "not a path"],  # type: ignore[list-item]
        ),
        resource("aws_s3_object.telemetry_folders", "create", None, {"key": 7, "bucket": 8}),
    ]
    outputs = {
        "finout_role_arn": output("create", None, {"nested": ["arn"]}),
        "finout_bucket_name": output("create", None, 12),
    }
    plan = parse_plan("main", plan_json(weird, outputs))
    for format in ("markdown", "text"):
        rendered = renderer(format).render(summarize([plan]))
        assert "will be DELETED" in rendered and "replaced" in rendered


def test_a_deeply_nested_policy_string_is_shown_as_text() -> None:
    policy = "[" * 50_000 + "]" * 50_000
    change = role_update(trust_document(FINOUT, "finout-aaa"), policy)
    plan = parse_plan("main", plan_json([change]))
    for format in ("markdown", "text"):
        rendered = renderer(format).render(summarize([plan]))
        assert "[[[[" in rendered  # the text, shortened, not a crash


# 5. Escape sequences and megabytes in addresses and values.


def hostile_plan(stack: str = f"main{FORGED}") -> Any:
    folder = {
        "address": f'aws_s3_object.telemetry_folders["{FORGED}"]',
        "mode": "managed",
        "type": "aws_s3_object",
        "name": "telemetry_folders",
        "change": {
            "actions": ["create"],
            "before": None,
            "after": {"key": f"p/{FORGED}/", "bucket": f"b{FORGED}"},
            "after_unknown": {},
        },
    }
    role = role_update(
        trust_document(FINOUT, "finout-aaa"),
        trust_document(f"{FINOUT}{FORGED}", f"finout-{FORGED}"),
    )
    bucket = resource(
        "aws_s3_bucket.telemetry_bucket",
        "replace",
        {"bucket": FORGED, "force_destroy": True},
        {"bucket": f"new{FORGED}"},
        replace_paths=[["bucket"]],
    )
    policy = resource(
        "aws_iam_role_policy.finout_read_only",
        "update",
        {"name": "p", "policy": f"not json {FORGED}"},
        {"name": "p", "policy": f"still not json {FORGED}"},
    )
    outputs = {
        "finout_role_arn": output("create", None, f"arn{FORGED}"),
        "finout_bucket_name": output("create", None, FORGED),
    }
    return parse_plan(stack, plan_json([folder, role, bucket, policy], outputs))


def test_the_text_summary_escapes_everything_from_the_plan() -> None:
    rendered = renderer("text").render(summarize([hostile_plan()]))
    assert invisible(rendered.replace("\n", "")) == []
    lines = rendered.split("\n")
    assert not any(line.startswith(("## Forged", "  PASS", "</details>")) for line in lines)
    assert (
        "External ID changes from finout-aaa to finout-\\x1b[2J\\x0a## Forged heading" in rendered
    )
    assert "  +still not json \\x1b[2J" in rendered  # a policy that is not JSON, line by line


def outside_fences(lines: list[str]) -> list[str]:
    """The lines that markdown reads as markdown: not those inside ```diff fences."""
    shown: list[str] = []
    fence = ""
    for line in lines:
        if fence:
            if line == fence:
                fence = ""
            continue
        if re.fullmatch(r"`{3,}diff", line):
            fence = line.removesuffix("diff")
            continue
        shown.append(line)
    assert not fence, "a fence was left open"
    return shown


def test_the_markdown_summary_escapes_everything_and_nothing_breaks_out() -> None:
    rendered = renderer("markdown").render(summarize([hostile_plan()]))
    assert rendered.startswith(MARKER + "\n")
    assert invisible(rendered.replace("\n", "")) == []
    lines = outside_fences(rendered.split("\n"))
    headings = [line for line in lines if line.startswith("#")]
    assert headings[0] == "## Terraform plan summary"
    assert [heading[:6] for heading in headings[1:]] == ["### \u26a0\ufe0f"]
    assert not any(line.lstrip("> -").startswith(("## Forged", "PASS")) for line in lines)
    # Inside a fence every line is a diff line; the policy's own lines (it is not JSON here)
    # stay diff lines, and none can close the fence early.
    fenced = [line for line in rendered.split("\n") if line not in lines]
    assert all(re.match(r"`{3,}|[-+ @]", line) for line in fenced)
    opened = [line for line in lines if line.startswith("<details>")]
    assert len(opened) == lines.count("</details>") == 3  # two policy diffs, the resource list
    # No entity GitHub would decode back into a control: outside code spans (where markdown
    # reads none) every `&` that starts one is escaped.
    prose = [re.sub(r"(`+) .*? \1|`[^`]*`", "", line) for line in lines]
    assert not any(re.search(r"(?<!\\)&#", line) for line in prose)
    assert any("\\&#8238;" in line for line in prose)


def test_a_code_span_holds_any_run_of_backticks() -> None:
    assert code("plain") == "`plain`"
    assert code("a`b") == "`` a`b ``"
    assert code("a```b") == "```` a```b ````"
    assert code("x\ny") == "`x\\x0ay`"


@pytest.mark.parametrize("where", ["address", "value", "stack"])
def test_ten_megabyte_values_are_shortened(where: str) -> None:
    huge = "a" * 10_000_000
    address = f'aws_s3_object.telemetry_folders["{huge if where == "address" else "x"}"]'
    item = resource(
        address, "create", None, {"key": f"{huge if where == 'value' else 'k'}/", "bucket": "b"}
    )
    role = role_update(trust_document(FINOUT, "finout-a"), trust_document(FINOUT, f"x{huge}"))
    plan = parse_plan(huge if where == "stack" else "main", plan_json([item, role]))
    text = renderer("text").render(summarize([plan]))
    markdown = renderer("markdown").render(summarize([plan]))
    assert len(text) < 100_000
    assert len(markdown) <= 65_536
    assert "(10,000,0" in text  # says how long the whole is


# The command's own options.


def test_an_unwritable_output_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write(tmp_path / "main.plan.json", plan_json([]))
    line = one_problem(capsys, "-o", str(tmp_path), str(plan))
    assert f"cannot write '{tmp_path}'" in line and "-o" in line


@pytest.mark.parametrize(
    "value", ["0", "-5", "9" * 5000, "\x1b[2J"], ids=["0", "-5", "5000 digits", "escape"]
)
def test_an_absurd_max_chars_is_refused(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write(tmp_path / "main.plan.json", plan_json([]))
    with pytest.raises(SystemExit) as exit_info:
        main(["plan-summary", "--max-chars", value, str(plan)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    (message,) = err.strip("\n").split("\n")  # one line, without argparse's usage block
    assert message.startswith("finout-telemetry plan-summary: error: argument --max-chars: ")
    assert "pass " in message and len(message) < 300 and invisible(message) == []


def test_load_plan_still_raises_plan_file_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as raised:
        load_plan(tmp_path)
    assert raised.value.path == str(tmp_path)
