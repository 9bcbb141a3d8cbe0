"""`finout-telemetry plan-summary`: reading plan files, naming stacks, exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from plan_json import folder, plan_json
from synth_helpers import stack_json, synth_to

from finout_s3_telemetry.cli import COMMAND_MODULES
from finout_s3_telemetry.commands import plan_summary
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.endpoint_form import form_rows
from finout_s3_telemetry.plan_summary import PlanFileError, finout_form, load_plan, renderer
from finout_s3_telemetry.plan_summary.parse import stack_name
from finout_s3_telemetry.plan_summary.render_markdown import MARKER, MarkdownRenderer
from finout_s3_telemetry.plan_summary.render_text import TextRenderer


def main(argv: list[str]) -> int:
    """The subcommand alone, so these tests do not depend on every other command importing."""
    parser = argparse.ArgumentParser(prog="finout-telemetry")
    plan_summary.register(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def test_the_cli_has_both_commands() -> None:
    assert {"plan_summary", "plan"} <= set(COMMAND_MODULES)


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("name", "stack"),
    [
        ("main.plan.json", "main"),
        ("data-platform.json", "data-platform"),
        ("stacks/cur/plan.json", "cur"),
        ("stacks/cur/tfplan.json", "cur"),
    ],
)
def test_the_stack_is_named_after_the_file(tmp_path: Path, name: str, stack: str) -> None:
    assert stack_name(tmp_path / name) == stack


def test_markdown_goes_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = write(tmp_path / "main.plan.json", plan_json([folder("bytes")]))
    assert main(["plan-summary", str(plan)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(MARKER + "\n")
    assert "### `main`: 1 to create" in out


def test_text_goes_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = write(tmp_path / "main.plan.json", plan_json([folder("bytes")]))
    target = tmp_path / "summary.txt"
    assert main(["plan-summary", "--format", "text", "-o", str(target), str(plan)]) == 0
    assert capsys.readouterr().out == ""
    assert "== main: 1 to create" in target.read_text()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not the JSON of a Terraform plan"),
        ('{"format_version": "1.0", "values": {}}', "looks like state"),
        ('{"format_version": "2.0", "planned_values": {}}', "format 2.0 is not supported"),
        (
            '{"format_version": "1.2", "planned_values": {}, "resource_changes": [{"address": '
            '"a.b", "type": "a", "name": "b", "change": {"actions": ["explode"]}}]}',
            "resource_changes[0] (a.b): unknown actions ['explode']",
        ),
        ('{"format_version": "1.2", "planned_values": {}, "resource_changes": [{}]}', "address"),
    ],
)
def test_an_invalid_plan_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    good = write(tmp_path / "good.plan.json", plan_json([]))
    bad = tmp_path / "bad.plan.json"
    bad.write_text(content)
    assert main(["plan-summary", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"finout-telemetry: error: {bad}: " in captured.err
    assert reason in captured.err


def test_a_missing_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.plan.json"
    assert main(["plan-summary", str(missing)]) == 2
    assert f"{missing}: cannot read it" in capsys.readouterr().err


def test_two_plans_of_one_stack_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = write(tmp_path / "a" / "main.plan.json", plan_json([]))
    two = write(tmp_path / "b" / "main.json", plan_json([]))
    assert main(["plan-summary", str(one), str(two)]) == 2
    assert "both plans of stack 'main'" in capsys.readouterr().err


def test_load_plan_raises_with_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("")
    with pytest.raises(PlanFileError) as raised:
        load_plan(bad)
    assert raised.value.path == str(bad)


def test_the_renderers_share_one_interface() -> None:
    assert isinstance(renderer("markdown"), MarkdownRenderer)
    assert isinstance(renderer("text"), TextRenderer)
    with pytest.raises(ValueError, match="unknown format"):
        renderer("html")


def test_the_form_fields_are_the_stack_outputs(example_config: Config, tmp_path: Path) -> None:
    stacks = synth_to(example_config, tmp_path)
    outputs = set(stack_json(stacks["main"])["output"])
    names = {name for _, name in finout_form.FORM_FIELDS} | {finout_form.TELEMETRY_FOLDERS}
    assert names == outputs
    assert [label for label, _ in finout_form.FORM_FIELDS] == [label for label, _ in form_rows({})]
