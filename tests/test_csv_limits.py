"""Bounds and big inputs: capped problem lists, long lines, the duplicate check's limit, and the
fast path agreeing with the precise path over many windows of rows."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any

import pytest

from finout_s3_telemetry.csv_files import FileReport, validate_bytes_stream
from finout_s3_telemetry.csv_files.problems import MAX_LISTED
from finout_s3_telemetry.csv_files.scanner import MAX_LINE

TODAY = date(2025, 1, 1)


def validate(data: bytes, name: str = "t.csv", **options: Any) -> FileReport:
    return validate_bytes_stream(io.BytesIO(data), name, latest_day=TODAY, **options)


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    rows = b"".join(b"2024-05-01,team-%d,0\n" % number for number in range(150))
    report = validate(b"date,team,bytes\n" + rows, telemetry="bytes")
    assert len(report.errors) == MAX_LISTED
    assert report.errors_omitted == 50
    assert [problem.line for problem in report.errors] == list(range(2, 102))
    assert {problem.rule for problem in report.errors} == {"positive"}


def test_warnings_are_capped_too() -> None:
    rows = b"2024-05-01,same,1\n" * 151
    report = validate(b"date,team,bytes\n" + rows)
    assert report.ok
    assert len(report.warnings) == MAX_LISTED
    assert report.warnings_omitted == 50
    assert report.warnings[0].message == "line 3 repeats the date and metadata of line 2"


def test_the_earliest_errors_are_listed_whatever_their_kind() -> None:
    # Row errors, value errors and encoding errors are collected apart; the list merges them.
    rows = [b"2024-05-01,t%d,1\n" % number for number in range(300)]
    rows[250] = b"2024-05-01,t\xff,1\n"
    rows[5] = b"2024-05-01,t,0\n"
    rows[7] = b"2024-13-01,t,1\n"
    rows += [b"2024-05-01,x,0\n"] * 120
    report = validate(b"date,team,bytes\n" + b"".join(rows), telemetry="bytes")
    assert [(problem.line, problem.rule) for problem in report.errors[:3]] == [
        (7, "positive"),
        (9, "date-calendar"),
        (252, "encoding"),
    ]
    assert len(report.errors) + report.errors_omitted == 123


def test_duplicate_check_limit_binds_only_columns_that_may_be_the_telemetry() -> None:
    # Over a megabyte of rows. The team is no number from the first row on, so the telemetry is
    # known at once and the check covers every row: the limit is for several candidate columns.
    rows = b"".join(b"2024-05-01,team-%d,1\n" % number for number in range(60_000))
    data = b"date,team,bytes\n2024-05-01,early,1\n" + rows + b"2024-05-01,early,2\n"
    for limit in (100, 100_000):
        report = validate(data, duplicate_limit=limit)
        assert report.ok
        assert [(problem.line, problem.rule) for problem in report.warnings] == [
            (60_003, "duplicate-row")
        ]


def test_a_line_too_long_is_reported_and_skipped() -> None:
    long_value = b"x" * (MAX_LINE + 10)
    data = b"date,team,bytes\n2024-05-01,a,1\n2024-05-01," + long_value + b",1\n2024-05-01,b,0\n"
    report = validate(data, chunk_size=64 << 10, telemetry="bytes")
    assert [(problem.line, problem.rule) for problem in report.errors] == [
        (3, "line-too-long"),
        (4, "positive"),
    ]
    assert report.rows == 3


def test_a_header_too_long_stops_the_checks_but_not_the_count() -> None:
    data = b"date," + b"x" * (MAX_LINE + 1) + b"\n2024-05-01,1\n2024-05-01,2\n"
    report = validate(data, chunk_size=1 << 16)
    assert [(problem.line, problem.rule) for problem in report.errors] == [(1, "line-too-long")]
    assert report.rows == 2


class ShortReads(io.RawIOBase):
    """A stream that returns fewer bytes than asked, as sockets do."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data = data
        self._position = 0
        self._random = random.Random(seed)

    def read(self, size: int = -1) -> bytes:
        size = min(size, self._random.randint(1, 9))
        chunk = self._data[self._position : self._position + size]
        self._position += len(chunk)
        return chunk


def test_short_reads_change_nothing() -> None:
    data = b'\xef\xbb\xbf"date","team","bytes"\r\n"2024-05-01","a","1"\r\n"2024-05-01","b","0"'
    expected = validate(data)
    assert validate_bytes_stream(ShortReads(data, 1), "t.csv", latest_day=TODAY) == expected
    assert [(problem.line, problem.rule) for problem in expected.errors] == [(3, "positive")]


def big_file(seed: int, rows: int, sorted_by_day: bool) -> tuple[bytes, set[tuple[int, str]]]:
    """Many rows in a few layouts, with some broken rows; the (line, rule) each must produce."""
    rng = random.Random(seed)
    days = [f"2024-0{month}-1{day}" for month in range(1, 4) for day in range(3)]
    lines = [b"date,team,service,bytes"]
    expected: set[tuple[int, str]] = set()
    for number in range(rows):
        day = days[number * len(days) // rows] if sorted_by_day else rng.choice(days)
        team = f'"team {number % 7}"' if number % 1000 < 500 else f"team-{number % 7}"
        row = f"{day},{team},svc-{number},{rng.randint(1, 10**6) / 100}"
        line = number + 2
        roll = rng.random()
        if roll < 0.001:
            row, rule = f"2023-02-29,t,svc-{number},1", "date-calendar"
        elif roll < 0.002:
            row, rule = f"{day},t,svc-{number},0", "positive"
        elif roll < 0.003:
            row, rule = f"{day},t,svc-{number},1,2", "field-count"
        elif roll < 0.004:
            row, rule = f'{day},"t,svc-{number},1', "quote"
        else:
            rule = ""
        if rule:
            expected.add((line, rule))
        lines.append(row.encode())
    return b"\r\n".join(lines) + b"\r\n", expected


@pytest.mark.parametrize("sorted_by_day", [True, False])
def test_fast_path_agrees_with_precise_path_on_a_big_file(sorted_by_day: bool) -> None:
    data, expected = big_file(seed=3, rows=40_000, sorted_by_day=sorted_by_day)
    fast = validate(data, telemetry="bytes")
    assert [(problem.line, problem.rule) for problem in fast.errors] == sorted(expected)[:100]
    assert fast.errors_omitted == len(expected) - 100
    assert fast.rows == 40_000
    assert validate(data, telemetry="bytes", fast=False) == fast
    assert validate(data, telemetry="bytes", chunk_size=4093) == fast


def test_days_found_by_the_fast_path_warn_at_their_first_line() -> None:
    rows = [b"2024-05-01,t%d,1\n" % number for number in range(5000)]
    rows[3000] = b"2031-01-01,future,1\n"
    rows[4000] = b"2024-05-02,other,1\n"
    report = validate(b"date,team,bytes\n" + b"".join(rows), name="data/2024-05-01.csv")
    assert report.ok
    assert [(problem.line, problem.rule) for problem in report.warnings] == [
        (3002, "future-date"),
        (3002, "file-date"),
    ]
    assert (report.first_day, report.last_day) == (date(2024, 5, 1), date(2031, 1, 1))


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (b"2024-05-01x", False),
        (b"2024-05-010", False),
        (b"2024-5-01", False),
        (b"2024-05-32", False),
        (b"2024-05-1", False),
        (b'"2024-05-01"', True),  # quoted in one row only: the same day
        (b"2024-05-02", True),  # another day among thousands of one day
    ],
)
@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
def test_the_fast_path_reads_every_date_whole(value: bytes, valid: bool, eol: bytes) -> None:
    # The fast path checks the date apart from the rest of the row; one odd value among
    # thousands of good rows of one day must be judged exactly as the precise path judges it.
    rows = [b"2024-05-01,team-%d,%d.5" % (number, number + 1) for number in range(5000)]
    rows[4321] = value + b",team-x,1"
    data = eol.join([b"date,team,bytes", *rows]) + eol
    fast = validate(data, telemetry="bytes")
    assert {problem.line for problem in fast.errors} == (set() if valid else {4323})
    assert validate(data, telemetry="bytes", fast=False) == fast
