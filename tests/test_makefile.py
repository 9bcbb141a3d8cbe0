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
