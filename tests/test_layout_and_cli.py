"""The project layout, the cdktf CLI and the `finout-telemetry` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from finout_s3_telemetry.cli import build_parser, main
from finout_s3_telemetry.commands.external_id import new_external_id
from finout_s3_telemetry.engines import CLI_NAMES, chosen_engine, node_environment
from finout_s3_telemetry.naming import external_id_problem

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "telemetry.yaml"


def python_in_repo_root(code: str) -> subprocess.CompletedProcess[str]:
    # `python -c` puts the current folder first on sys.path: the worst case for shadowing.
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_the_constructs_folder_never_shadows_the_constructs_package() -> None:
    result = python_in_repo_root(
        "import constructs, cdktf; print(constructs.__file__); print(constructs.Construct)"
    )
    assert result.returncode == 0, result.stderr
    location, construct_class = result.stdout.splitlines()
    assert "site-packages" in location
    assert not location.startswith(str(REPO / "constructs"))
    assert "constructs.Construct" in construct_class


@pytest.mark.parametrize("folder", ["constructs", "stacks", "policies"])
def test_top_level_folders_are_not_importable_packages(folder: str) -> None:
    assert not (REPO / folder / "__init__.py").exists()


def test_our_constructs_import_as_a_subpackage() -> None:
    result = python_in_repo_root(
        "from finout_s3_telemetry.constructs.telemetry_bucket import TelemetryBucket; "
        "import constructs; print(constructs.Construct.__module__)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "constructs"


@pytest.mark.slow
@pytest.mark.engine
def test_the_engine_cli_synth_and_finout_telemetry_synth_write_the_same_stacks(
    tmp_path: Path,
) -> None:
    engine = chosen_engine()
    cdktf = REPO / "node_modules" / ".bin" / CLI_NAMES[engine]
    if not cdktf.exists():
        pytest.fail(f"the {CLI_NAMES[engine]} CLI is missing: run `npm ci` (make setup does)")
    env = node_environment(os.environ, engine)
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]]),
        FINOUT_TELEMETRY_CONFIG=str(EXAMPLE),
        FINOUT_TELEMETRY_STATE_DIR=str(tmp_path),
        FINOUT_TELEMETRY_ENGINE=engine,
    )
    env.pop("FINOUT_TELEMETRY_TARGET", None)
    env.pop("FINOUT_TELEMETRY_ENDPOINT_URL", None)
    by_cli = tmp_path / "cli" / "cdktf.out"
    by_us = tmp_path / "ours" / "cdktf.out"
    by_engine_cli = subprocess.run(
        [str(cdktf), "synth", "--output", str(by_cli)], cwd=REPO, env=env, check=True,
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    # The CLI warns about a NODE_OPTIONS without a heap size; node_environment gives it one.
    assert "NODE_OPTIONS" not in by_engine_cli.stdout + by_engine_cli.stderr
    subprocess.run(
        [sys.executable, "-m", "finout_s3_telemetry.cli", "synth", "--outdir", str(by_us), "-q"],
        cwd=REPO, env=env, check=True, capture_output=True,
    )  # fmt: skip
    cli_stacks = sorted(p.name for p in (by_cli / "stacks").iterdir())
    assert cli_stacks == ["cur", "data-platform", "main"]
    for name in cli_stacks:
        ours = (by_us / "stacks" / name / "cdk.tf.json").read_text()
        theirs = (by_cli / "stacks" / name / "cdk.tf.json").read_text()
        assert ours == theirs


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    action = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    subcommands: list[str] = list(action.choices or [])
    assert {"validate", "synth", "external-id"} <= set(subcommands)
    for name in [None, *subcommands]:
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"] if name else ["--help"])
        assert exited.value.code == 0
        assert "usage: finout-telemetry" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["no-such-command"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-c", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == (
        f"{EXAMPLE}: valid: 3 endpoint(s) (main, cur, data-platform), 60 telemetry folder(s)\n"
    )


def test_the_config_can_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FINOUT_TELEMETRY_CONFIG", str(EXAMPLE))
    assert main(["validate"]) == 0
    assert "valid: 3 endpoint(s)" in capsys.readouterr().out


def test_local_target_without_an_url_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FINOUT_TELEMETRY_ENDPOINT_URL", raising=False)
    code = main(["synth", "-c", str(EXAMPLE), "--target", "local", "--outdir", str(tmp_path / "o")])
    assert code == 2
    assert "the local target needs an endpoint URL" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_external_ids_follow_finouts_convention_and_never_repeat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = {new_external_id() for _ in range(200)}
    assert len(ids) == 200
    for value in ids:
        assert value.startswith("finout-") and len(value) == 14
        assert external_id_problem(value) is None
    assert main(["external-id"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("finout-") and len(printed) == 14


def test_building_the_cli_imports_no_heavy_library() -> None:
    """Every command pays for what build_parser imports: cdktf's runtime start, boto3 and moto
    must wait until a command needs them (synth, check, upload, demo)."""
    result = python_in_repo_root(
        "import sys; from finout_s3_telemetry.cli import build_parser; build_parser(); "
        "heavy = ('cdktf', 'jsii', 'boto3', 'botocore', 'moto'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_command_imports_only_its_own_module() -> None:
    """`synth` is cdktf.json's app command, run on every `cdktf synth`, `diff` and `deploy`: it
    builds its own parser only, and pays for no other command's imports."""
    result = python_in_repo_root(
        "import sys; from finout_s3_telemetry.cli import build_parser; "
        "parser = build_parser('synth'); "
        "others = [m for m in sys.modules if m.startswith(('finout_s3_telemetry.csv_files', "
        "'finout_s3_telemetry.plan_summary', 'finout_s3_telemetry.local', "
        "'finout_s3_telemetry.check'))]; "
        "print(sorted(others)); print(parser.parse_args(['synth', '-q']).command)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "synth"]
