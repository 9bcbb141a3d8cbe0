"""Snapshot files: compare, or with UPDATE_SNAPSHOTS=1 rewrite, and never pass silently.

A rewrite fails the test that made it: a run with UPDATE_SNAPSHOTS=1 can never be mistaken for
a green run, and the rewritten files wait for review (`git diff`) before the next, plain run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

UPDATE_ENV = "UPDATE_SNAPSHOTS"


def assert_matches_snapshot(actual: str, snapshot: Path) -> None:
    current = snapshot.read_text(encoding="utf-8") if snapshot.is_file() else None
    if actual == current:
        return
    if os.environ.get(UPDATE_ENV) == "1":
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
        pytest.fail(
            f"rewrote {snapshot}; review the change (git diff), then run again without {UPDATE_ENV}"
        )
    assert current is not None, f"no snapshot {snapshot}; run with {UPDATE_ENV}=1 and review it"
    assert actual == current, (
        f"{snapshot} differs; if the change is intended, run with {UPDATE_ENV}=1"
    )
