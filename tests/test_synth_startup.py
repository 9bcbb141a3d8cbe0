"""How `finout-telemetry synth` starts and ends, which is most of its time: the engine starts in a
thread while the config is validated, and the command exits without tearing the interpreter
down. Neither may change what a run writes, prints or returns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from finout_s3_telemetry.constructs.cdktf_core import (
    App,
    AwsProvider,
    TerraformStack,
    address,
    attribute,
    aws_data_source,
    aws_resource,
)
from test_engines import clean_environment

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.commands.engine_start import EngineStart
from finout_s3_telemetry.engines import chosen_engine

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "telemetry.yaml"
COMMAND = str(Path(sys.executable).parent / "finout-telemetry")

pytestmark = pytest.mark.engine  # run again under cdktn by `make test`


def run_command(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The installed command in a new user's environment, with a temporary folder of its own:
    whatever the engine's Node.js process leaves behind there was not cleaned up at exit."""
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    return subprocess.run(
        [COMMAND, *argv],
        cwd=tmp_path,
        env={**clean_environment(chosen_engine(), tmp_path), "TMPDIR": str(temp)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=300,
    )


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(path.name for path in (tmp_path / "temp").iterdir())


def test_a_synth_prints_every_line_through_a_pipe_and_leaves_no_temporary_files(
    tmp_path: Path,
) -> None:
    result = run_command(["synth", "-c", str(EXAMPLE), "--outdir", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    names = [endpoint["name"] for endpoint in _example_endpoints()]
    assert [line.split("/")[-2] for line in result.stdout.splitlines()] == names
    assert all((tmp_path / "out" / "stacks" / name / "cdk.tf.json").is_file() for name in names)
    # jsii writes its runtime into a temporary folder and removes it in its exit handler.
    assert leftovers(tmp_path) == []


def test_a_bad_config_fails_as_before_while_the_engine_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("us-east-1", "moon-base-1", 1))
    result = run_command(["synth", "-c", str(bad), "--outdir", "out"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == [
        "  - endpoints[0].region: 'moon-base-1' is not an AWS region name; use one like "
        "us-east-1 or eu-west-2"
    ]
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def test_exit_codes_other_than_0_and_2_come_through(tmp_path: Path) -> None:
    # `csv` exits 1 for a file with problems.
    csv = tmp_path / "2026-11-30.csv"
    csv.write_text("not,a,telemetry\nfile\n")
    result = run_command(["csv", "validate", str(csv)], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr


def test_synth_in_process_leaves_the_interpreter_as_it_found_it(tmp_path: Path) -> None:
    before = sys.getswitchinterval()
    assert main(["synth", "-q", "-c", str(EXAMPLE), "--outdir", str(tmp_path / "out")]) == 0
    assert sys.getswitchinterval() == before
    bad = tmp_path / "bad.yaml"
    bad.write_text("endpoints: []\n")
    assert main(["synth", "-q", "-c", str(bad), "--outdir", str(tmp_path / "bad-out")]) == 2
    assert sys.getswitchinterval() == before


def test_a_failing_engine_import_is_raised_where_the_command_waits() -> None:
    before = sys.getswitchinterval()
    start = EngineStart(module="finout_s3_telemetry.no_such_engine_module").start()
    with pytest.raises(ModuleNotFoundError, match="no_such_engine_module"):
        start.wait()
    assert sys.getswitchinterval() == before


def test_an_engine_already_imported_starts_no_thread() -> None:
    start = EngineStart(module="finout_s3_telemetry.constructs.cdktf_core")
    start.start()
    assert start._thread is None  # imported by this test module already
    start.wait()


def test_references_built_here_are_the_ones_the_engine_resolves(tmp_path: Path) -> None:
    """`attribute` and `address` spell a reference without a jsii call; the engine's own
    `get_string_attribute` must resolve to exactly the same text."""
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "refs")
    provider = AwsProvider(stack, "aws", {"region": "us-east-1"})
    named = aws_resource(stack, "b", "aws_s3_bucket", provider, {"bucket": "x"}, logical_id="own")
    unnamed = aws_resource(stack, "r", "aws_iam_role", provider, {"name": "r"})
    data = aws_data_source(stack, "d", "aws_s3_bucket", provider, {"bucket": "y"})
    pairs = {
        "named": (attribute(named, "arn"), named.get_string_attribute("arn")),
        "unnamed": (attribute(unnamed, "id"), unnamed.get_string_attribute("id")),
        "data": (attribute(data, "arn"), data.get_string_attribute("arn")),
    }
    for key, (ours, engines) in pairs.items():
        aws_resource(
            stack, f"{key}_ours", "aws_s3_object", provider, {"key": ours}, logical_id=f"{key}_o"
        )
        aws_resource(
            stack,
            f"{key}_engine",
            "aws_s3_object",
            provider,
            {"key": engines},
            logical_id=f"{key}_e",
        )
    app.synth()
    document = json.loads((tmp_path / "stacks" / "refs" / "cdk.tf.json").read_text())
    objects = document["resource"]["aws_s3_object"]
    for key in pairs:
        assert objects[f"{key}_o"]["key"] == objects[f"{key}_e"]["key"], key
    assert objects["named_o"]["key"] == "${aws_s3_bucket.own.arn}"
    assert objects["data_o"]["key"].startswith("${data.aws_s3_bucket.")
    assert address(named) == "aws_s3_bucket.own"


def _example_endpoints() -> list[dict[str, str]]:
    import yaml

    return list(yaml.safe_load(EXAMPLE.read_text())["endpoints"])
