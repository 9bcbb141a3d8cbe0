"""The precise path: splitting a line into values, and judging dates and numbers."""

from __future__ import annotations

import pytest

from finout_s3_telemetry.csv_files.fields import (
    LineFault,
    SplitLine,
    date_problem,
    number_problem,
    split_line,
)


@pytest.mark.parametrize(
    ("body", "values", "quoted"),
    [
        (b"a,b,c", [b"a", b"b", b"c"], [False] * 3),
        (b'"a","b,c",""', [b"a", b"b,c", b""], [True] * 3),
        (b'"say ""hi""",x', [b'say "hi"', b"x"], [True, False]),
        (b"a,,", [b"a", b"", b""], [False] * 3),
        (b"", [b""], [False]),
        (b"Z\xc3\xbcrich,1", [b"Z\xc3\xbcrich", b"1"], [False, False]),
    ],
)
def test_split_line(body: bytes, values: list[bytes], quoted: list[bool]) -> None:
    assert split_line(body) == SplitLine(values, quoted)


@pytest.mark.parametrize(
    ("body", "column", "rule"),
    [
        (b'a,"open', 2, "quote"),
        (b'a,"closed"x', 2, "quote"),
        (b'a,b"c', 2, "quote"),
        (b"a,b\rc", 2, "line-ending"),
    ],
)
def test_split_line_faults(body: bytes, column: int, rule: str) -> None:
    fault = split_line(body)
    assert isinstance(fault, LineFault)
    assert (fault.column, fault.rule) == (column, rule)


@pytest.mark.parametrize("value", [b"2022-06-07", b"2024-02-29", b"0001-01-01", b"9999-12-31"])
def test_calendar_days(value: bytes) -> None:
    assert date_problem(value) is None


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (b"2023-02-29", "date-calendar"),
        (b"2022-13-01", "date-calendar"),
        (b"2022-06-31", "date-calendar"),
        (b"0000-01-01", "date-calendar"),
        (b"20220607", "date-format"),
        (b"2022-6-7", "date-format"),
        (b" 2022-06-07", "date-format"),
        (b"2022-06-07T00:00", "date-format"),
        (b"", "date-format"),
    ],
)
def test_not_calendar_days(value: bytes, rule: str) -> None:
    problem = date_problem(value)
    assert problem is not None and problem[0] == rule


@pytest.mark.parametrize(
    "value", [b"1", b"0.5", b".5", b"5.", b"007", b"+2", b"1e3", b"1E-3", b"12345678901234567890"]
)
def test_positive_numbers(value: bytes) -> None:
    assert number_problem(value) is None


@pytest.mark.parametrize(
    ("value", "rule", "words"),
    [
        (b"0", "positive", "zero"),
        (b"0.000", "positive", "zero"),
        (b"-0", "positive", "zero"),
        (b"-1", "positive", "negative"),
        (b"0e5", "positive", "zero"),
        (b"1e-400", "positive", "too small"),
        (b"1e400", "number", "too large"),
        (b"NaN", "number", "NaN"),
        (b"-inf", "number", "NaN and infinity"),
        (b"1,234.5", "number", "thousands"),
        (b"1 234", "number", "thousands"),
        (b" 12", "number", "spaces"),
        (b"", "number", "empty"),
        (b"12kB", "number", "not a number"),
        (b"1.2.3", "number", "not a number"),
        (b".", "number", "not a number"),
    ],
)
def test_not_positive_numbers(value: bytes, rule: str, words: str) -> None:
    problem = number_problem(value)
    assert problem is not None
    assert problem[0] == rule
    assert words in problem[1]
