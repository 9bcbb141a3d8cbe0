"""One set of exit codes for every command: the enum's values are the README's."""

from __future__ import annotations

import re
from pathlib import Path

from finout_s3_telemetry.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_states_the_enum() -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert (
        f"Exit codes: {ExitCode.OK} ok, {ExitCode.PROBLEMS} problems found" in readme
        and f"{ExitCode.USAGE} bad config, bad usage, or AWS not reachable" in readme
    )


def test_no_command_returns_a_bare_number() -> None:
    """Commands return ExitCode members, so a code's meaning is looked up in one place."""
    offenders = []
    for path in sorted((REPO / "src" / "finout_s3_telemetry" / "commands").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\breturn [0-9]+\b|\bexit\([0-9]+", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
