"""Rewriting a snapshot fails the run; an unchanged one passes without a write."""

from __future__ import annotations

from pathlib import Path

import pytest
from snapshot_files import assert_matches_snapshot


def test_a_rewrite_fails_the_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")
    snapshot = tmp_path / "s.json"
    snapshot.write_text("old\n")
    with pytest.raises(pytest.fail.Exception, match=r"rewrote .*review the change"):
        assert_matches_snapshot("new\n", snapshot)
    assert snapshot.read_text() == "new\n"
    # The next run, without the setting, compares with what was written.
    monkeypatch.delenv("UPDATE_SNAPSHOTS")
    assert_matches_snapshot("new\n", snapshot)


def test_a_missing_snapshot_is_written_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")
    with pytest.raises(pytest.fail.Exception):
        assert_matches_snapshot("x", tmp_path / "sub" / "s.md")
    assert (tmp_path / "sub" / "s.md").read_text() == "x"


def test_an_unchanged_snapshot_passes_and_is_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")
    snapshot = tmp_path / "s.json"
    snapshot.write_text("same")
    before = snapshot.stat().st_mtime_ns
    assert_matches_snapshot("same", snapshot)
    assert snapshot.stat().st_mtime_ns == before


def test_without_the_setting_a_difference_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    snapshot = tmp_path / "s.json"
    snapshot.write_text("old")
    with pytest.raises(AssertionError, match="differs"):
        assert_matches_snapshot("new", snapshot)
    assert snapshot.read_text() == "old"
    with pytest.raises(AssertionError, match="no snapshot"):
        assert_matches_snapshot("new", tmp_path / "missing.json")
