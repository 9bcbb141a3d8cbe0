"""The Makefile's housekeeping never breaks the install it made."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_clean_keeps_the_editable_install_and_the_state(tmp_path: Path) -> None:
    for folder in ("build/__editable__.finout_s3_telemetry-0.1.0-py3-none-any", "build/lib",
                   "cdktf.out/stacks/main", ".mypy_cache"):  # fmt: skip
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "build" / "lib" / "x.py").write_text("")
    (tmp_path / "terraform.main.tfstate").write_text("{}")
    subprocess.run(
        ["make", "-f", str(REPO / "Makefile"), "clean"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "build" / "__editable__.finout_s3_telemetry-0.1.0-py3-none-any").is_dir()
    assert (tmp_path / "terraform.main.tfstate").is_file()
    for gone in ("build/lib", "cdktf.out", ".mypy_cache"):
        assert not (tmp_path / gone).exists(), gone


def test_setup_relinks_when_the_links_are_gone() -> None:
    """The relink rule's condition also asks for the links' folder, not only the file list."""
    makefile = (REPO / "Makefile").read_text()
    rule = makefile[makefile.index("$(VENV)/.links:") :].split("\n\n")[0]
    assert "ls -d build/__editable__.*" in rule


def config_seen_by_recipes(env: dict[str, str], *assignments: str) -> str:
    """$FINOUT_TELEMETRY_CONFIG as the Makefile's recipes (synth, scan, plan) see it."""
    result = subprocess.run(
        ["make", "-s", "-C", str(REPO), *assignments,
         "--eval", "show-config: ; @printf '%s' \"$$FINOUT_TELEMETRY_CONFIG\"", "show-config"],
        env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def test_make_uses_the_clis_default_config_unless_told() -> None:
    # Nothing said: nothing exported, so the CLI takes ./telemetry.yaml like a plain run.
    assert config_seen_by_recipes({}) == ""
    # The user's own setting passes through.
    assert config_seen_by_recipes({"FINOUT_TELEMETRY_CONFIG": "mine.yaml"}) == "mine.yaml"
    # CONFIG wins over it, given on the command line or in the environment.
    env = {"FINOUT_TELEMETRY_CONFIG": "exported.yaml"}
    assert config_seen_by_recipes(env, "CONFIG=chosen.yaml") == "chosen.yaml"
    assert config_seen_by_recipes({**env, "CONFIG": "chosen.yaml"}) == "chosen.yaml"


def test_the_demo_shows_the_example_unless_told() -> None:
    dry = subprocess.run(
        ["make", "-s", "-C", str(REPO), "--eval", "show-demo: ; @echo $(DEMO_CONFIG)",
         "show-demo"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert dry.stdout.strip() == "examples/telemetry.yaml"
