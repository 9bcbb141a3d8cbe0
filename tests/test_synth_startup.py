"""How `finout-telemetry synth` starts and ends, which is most of its time: the engine starts in a
thread while the config is validated, and the command exits without tearing the interpreter
down. Neither may change what a run writes, prints or returns."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
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


def shell(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`script` run by sh, with $F naming the command, in the same new-user environment."""
    (tmp_path / "temp").mkdir(exist_ok=True)
    return subprocess.run(
        ["sh", "-c", script],
        cwd=tmp_path,
        env={
            **clean_environment(chosen_engine(), tmp_path),
            "TMPDIR": str(tmp_path / "temp"),
            "F": COMMAND,
            "C": str(EXAMPLE),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ('"$F" validate -c "$C" >&-', 0),
        ('"$F" stacks -c "$C" 2>&- >/dev/null', 0),
        ('"$F" stacks -c missing.yaml 2>&- >/dev/null', 2),
        ('"$F" synth -q -c "$C" --outdir out >&- 2>&-', 0),
    ],
)
def test_a_closed_stdout_or_stderr_changes_no_exit_code(
    script: str, code: int, tmp_path: Path
) -> None:
    result = shell(script + '; echo "rc=$?"', tmp_path)
    assert result.stdout.strip().splitlines()[-1] == f"rc={code}", result.stderr
    assert "Traceback" not in result.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly_with_141(tmp_path: Path) -> None:
    # Forty invalid files make far more output than a pipe holds.
    for day in range(1, 41):
        (tmp_path / f"2026-11-{day % 28 + 1:02d}-{day}.csv").write_text("a,b\n1\n" * 200)
    result = shell('"$F" csv validate *.csv | head -c 10 >/dev/null; echo "rc=$?"', tmp_path)
    # `$?` of a pipe is its last command's; the command's own code comes next.
    pipe = shell('{ "$F" csv validate *.csv; echo "rc=$?" >&2; } | head -c 10 >/dev/null', tmp_path)
    assert result.stdout.strip() == "rc=0"
    assert pipe.stderr.strip().splitlines() == ["rc=141"], pipe.stderr


def test_sigterm_during_a_synth_cleans_up_like_ctrl_c(tmp_path: Path) -> None:
    """SIGTERM (a cancelled CI job) once the engine has begun to start: exit 143, no Node.js
    left running, nothing left in the temporary folder."""
    temp = tmp_path / "temp"
    temp.mkdir()
    bad = tmp_path / "bad.yaml"
    bad.write_text("endpoints: []\n")
    terminated = 0
    for config in (EXAMPLE, bad):
        process = subprocess.Popen(
            [COMMAND, "synth", "-q", "-c", str(config), "--outdir", str(tmp_path / "out")],
            cwd=tmp_path,
            env={**clean_environment(chosen_engine(), tmp_path), "TMPDIR": str(temp)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not any(temp.iterdir()) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # until jsii has written its runtime: the engine is starting
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        if process.returncode in (0, 2):
            continue  # it ended before the signal: nothing to prove this time
        assert process.returncode == 143, stderr
        assert stderr.splitlines()[-1] == "terminated"
        assert leftovers(tmp_path) == []
        terminated += 1
    assert terminated, "both runs ended before the signal reached them"


def fake_node(tmp_path: Path, runtime: str) -> Path:
    """Says it is Node.js 24, then runs `runtime` (sh) instead of jsii's runtime."""
    script = tmp_path / "fake-node"
    script.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo v24.0.0; exit 0; fi\n{runtime}\n'
    )
    script.chmod(0o755)
    return script


def test_a_node_that_crashes_at_start_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    node = fake_node(tmp_path, "exit 3")
    result = shell('"$F" synth -q -c "$C" --outdir out', tmp_path, JSII_NODE=str(node))
    assert result.returncode == 2
    assert (
        f"finout-telemetry: error: the CDK engine ({chosen_engine()}) did not start on Node.js "
        f"'{node}': it exited, or answered something other than jsii's runtime; " in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_a_node_that_never_answers_does_not_keep_a_bad_config_waiting(tmp_path: Path) -> None:
    pid_file = tmp_path / "node.pid"
    node = fake_node(tmp_path, f'echo $$ > "{pid_file}"; exec sleep 600')
    (tmp_path / "bad.yaml").write_text("endpoints: []\n")
    try:
        result = shell('"$F" synth -q -c bad.yaml --outdir out', tmp_path, JSII_NODE=str(node))
    finally:
        if pid_file.exists():  # the fake Node.js outlives the command: jsii never heard from it
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert result.returncode == 2
    assert "endpoints: needs at least one endpoint" in result.stderr
    # It waited ABANDON_TIMEOUT for the engine, then exited without it (a hang would have run
    # into shell()'s timeout).
