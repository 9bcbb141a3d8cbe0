"""The corpus: each file, valid or not, gives exactly the errors and warnings of its manifest."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from finout_s3_telemetry.csv_files import FileReport, validate_bytes_stream, validate_path

CORPUS = Path(__file__).parent / "csv_corpus"
MANIFEST: dict[str, dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text())["files"]
TODAY = date(2025, 1, 1)
FINOUT_EXAMPLE = (
    '"date","teamname","bytes"\n'
    '"2022-06-07","Servers","12.12"\n'
    '"2022-06-07","Storage","6.22"\n'
    '"2022-06-08","Network","0.05"\n'
)


def positions(problems: Any) -> list[tuple[int, str]]:
    return sorted((problem.line, problem.rule) for problem in problems)


def validate(name: str, **options: Any) -> FileReport:
    entry = MANIFEST[name]
    path = CORPUS / name
    if not options:
        return validate_path(path, entry.get("telemetry_arg"), latest_day=TODAY)
    with path.open("rb") as stream:
        return validate_bytes_stream(
            stream, str(path), entry.get("telemetry_arg"), latest_day=TODAY, **options
        )


def test_manifest_lists_every_corpus_file() -> None:
    on_disk = {str(path.relative_to(CORPUS)) for path in CORPUS.rglob("*.csv")}
    assert on_disk == set(MANIFEST)


def test_finout_example_is_verbatim() -> None:
    assert (CORPUS / "valid" / "finout_example.csv").read_text() == FINOUT_EXAMPLE


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file(name: str) -> None:
    entry = MANIFEST[name]
    report = validate(name)
    assert positions(report.errors) == sorted(map(tuple, entry["errors"]))
    assert positions(report.warnings) == sorted(map(tuple, entry["warnings"]))
    assert report.ok == (not entry["errors"])
    assert name.startswith("invalid/") != report.ok
    if "telemetry" in entry:
        assert report.telemetry == entry["telemetry"]
    for problem in (*report.errors, *report.warnings):
        assert problem.message and problem.hint


@pytest.mark.parametrize("name", sorted(MANIFEST))
@pytest.mark.parametrize("chunk_size", [1, 3, 17])
def test_corpus_file_same_on_every_path(name: str, chunk_size: int) -> None:
    """Tiny chunks split lines, BOMs and CRLFs anywhere; the precise path alone agrees too."""
    reference = validate(name)
    assert validate(name, chunk_size=chunk_size) == reference
    assert validate(name, fast=False) == reference


def test_finout_example_report() -> None:
    report = validate("valid/finout_example.csv")
    assert (report.rows, report.telemetry) == (3, "bytes")
    assert (report.first_day, report.last_day, report.single_day) == (
        date(2022, 6, 7),
        date(2022, 6, 8),
        None,
    )


def test_stream_without_a_name_day() -> None:
    report = validate_bytes_stream(io.BytesIO(FINOUT_EXAMPLE.encode()), "s3://b/k/2022-06-07.csv")
    assert [problem.rule for problem in report.warnings] == ["file-date"]
    assert report.warnings[0].line == 4
