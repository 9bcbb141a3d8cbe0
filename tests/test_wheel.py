"""The package as users get it: a wheel built with `python -m build`, installed (not editable)
into a fresh virtual environment, synthesizes the snapshot stacks from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from snapshot_files import assert_matches_snapshot

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "tests" / "snapshots" / "example"
KMS_SNAPSHOTS = REPO / "tests" / "snapshots" / "kms"
SNAPSHOT_ENGINE_VERSION = "0.21.0"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the wheel. Its dependencies come from the test's own environment (a .pth
    file adds that site-packages after the venv's own), so the test downloads nothing; the
    project itself is only the wheel's copy, since that folder's .pth files are not read."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(root)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    [wheel] = root.glob("finout_s3_telemetry-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, str(wheel)],
        check=True,
        capture_output=True,
    )
    (Path(site) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_wheel_holds_every_part_and_synthesizes_the_snapshots(
    installed: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOUT_TELEMETRY_")}
    where = subprocess.run(
        [str(installed), "-c", "import finout_s3_telemetry.cli as c; print(c.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(installed.parent.parent)), where  # not the editable checkout
    # The example, and the SSE-KMS config, whose stacks need the KMS policy templates.
    for config, snapshots, stacks in (
        (REPO / "examples" / "telemetry.yaml", SNAPSHOTS, ("main", "cur", "data-platform")),
        (REPO / "tests" / "kms_telemetry.yaml", KMS_SNAPSHOTS, ("kms-create", "kms-cur")),
    ):
        # The state files sit in the folder synth runs in, next to its cdktf.out.
        folder = tmp_path / config.stem
        folder.mkdir()
        outdir = folder / "cdktf.out"
        result = subprocess.run(
            [str(installed), "-m", "finout_s3_telemetry.cli", "synth", "-q", "-c", str(config),
             "--outdir", str(outdir)],
            cwd=folder, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        for stack in stacks:
            document = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text())
            document["//"]["metadata"]["version"] = SNAPSHOT_ENGINE_VERSION
            actual = json.dumps(document, indent=2, sort_keys=True) + "\n"
            assert_matches_snapshot(actual, snapshots / f"{stack}.cdk.tf.json")
