"""`finout-telemetry csv validate`: output, JSON shape and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finout_s3_telemetry.cli import main

GOOD = b'"date","teamname","bytes"\n"2022-06-07","Servers","12.12"\n'
BAD = b"date,team,bytes\n2022-06-07,a,0\n2022-06-07,b,1\n2022-06-07,b,2\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "good.csv").write_bytes(GOOD)
    (tmp_path / "bad.csv").write_bytes(BAD)
    return {name: str(tmp_path / f"{name}.csv") for name in ("good", "bad")}


def test_valid_files_exit_0(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["csv", "validate", files["good"]]) == 0
    out = capsys.readouterr().out
    assert "good.csv: valid (1 row, telemetry bytes, 2022-06-07)" in out


def test_an_invalid_file_exits_1_with_each_problem(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["csv", "validate", files["good"], files["bad"]]) == 1
    out = capsys.readouterr().out
    assert "bad.csv: INVALID: 1 error, 1 warning" in out
    assert "line 2, column 3: [positive] bytes: '0' is zero" in out
    assert "warning: line 4: [duplicate-row] line 4 repeats the date and metadata of line 3" in out
    assert "fix: " in out


def test_json(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["csv", "validate", files["good"], files["bad"], "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    good, bad = document["files"]
    assert (good["path"], good["ok"], good["rows"], good["telemetry"]) == (
        files["good"],
        True,
        1,
        "bytes",
    )
    assert bad["errors"] == [
        {
            "line": 2,
            "column": 3,
            "rule": "positive",
            "message": "bytes: '0' is zero",
            "hint": "leave out rows whose total is zero or negative; Finout takes positive totals",
        }
    ]
    assert [warning["rule"] for warning in bad["warnings"]] == ["duplicate-row"]


def test_telemetry_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two_numbers.csv"
    path.write_bytes(b"date,shard,bytes\n2022-06-07,1,5\n")
    assert main(["csv", "validate", str(path)]) == 1
    assert "[telemetry-column]" in capsys.readouterr().out
    assert main(["csv", "validate", str(path), "--telemetry", "bytes"]) == 0


def test_unreadable_file_exits_2(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.csv")
    assert main(["csv", "validate", files["bad"], missing, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "missing.csv: cannot read the file" in captured.err
    entry = json.loads(captured.out)["files"][1]
    assert (entry["path"], entry["ok"], entry["errors"][0]["rule"]) == (
        missing,
        False,
        "unreadable",
    )
    assert main(["csv", "validate", str(tmp_path)]) == 2  # a folder


@pytest.mark.parametrize(
    "argv", [["csv"], ["csv", "validate"], ["csv", "validate", "x", "--format", "xml"]]
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
