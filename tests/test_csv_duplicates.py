"""The duplicate check: every row of a file of any size, in bounded memory, and never a report
that a hash collision made up."""

from __future__ import annotations

import io
import random
from array import array
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from test_csv_properties import CHUNK_SIZES, Generated, valid_files

from finout_s3_telemetry.csv_files import (
    FileReport,
    duplicates,
    validate,
    validate_bytes_stream,
    validate_local_file,
    validate_path,
)
from finout_s3_telemetry.csv_files.digests import file_digests
from finout_s3_telemetry.csv_files.duplicates import Budget, DuplicateTracker, repeated_entries
from finout_s3_telemetry.csv_files.problems import MAX_LISTED
from finout_s3_telemetry.csv_files.scanner import MAX_LINE, Scanner

TODAY = date(2025, 1, 1)
HEADER = b"date,team,service,bytes\n"


def validate_data(data: bytes, **options: Any) -> FileReport:
    return validate_bytes_stream(io.BytesIO(data), "t.csv", latest_day=TODAY, **options)


def repeats(report: FileReport) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in report.warnings]


def big_file(rows: int) -> bytes:
    """`rows` rows, every key distinct, sorted by day like a month of daily totals."""
    per_day = rows // 3 + 1
    return HEADER + b"".join(
        b"2024-05-%02d,team-%d,svc-%d,%d.25\n"
        % (1 + number // per_day, number % 7, number, number % 1000 + 1)
        for number in range(rows)
    )


class OneWayStream(io.RawIOBase):
    """A stream that can be read once only, as standard input or an S3 body can."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


# Every row, whatever the size ------------------------------------------------------------------


@pytest.fixture(scope="module")
def far_pair() -> bytes:
    """250,000 rows, one of which repeats the first: the old check stopped after 200,000."""
    body = big_file(250_000)
    return body + b"2024-05-01,team-0,svc-0,99\n"


def test_a_pair_far_apart_in_a_big_file_is_reported_exactly(far_pair: bytes) -> None:
    report = validate_data(far_pair)
    assert report.ok
    assert report.rows == 250_001
    assert repeats(report) == [(250_002, "line 250002 repeats the date and metadata of line 2")]
    assert report.warnings[0].rule == "duplicate-row"
    assert report.warnings_omitted == 0


def test_the_big_file_gets_the_same_report_on_every_path(far_pair: bytes, tmp_path: Path) -> None:
    expected = validate_data(far_pair)
    path = tmp_path / "t.csv"
    path.write_bytes(far_pair)
    assert validate_path(path, latest_day=TODAY) == replace(expected, path=str(path))
    one_way = validate_bytes_stream(OneWayStream(far_pair), "t.csv", latest_day=TODAY)
    assert one_way == expected
    assert validate_data(far_pair, chunk_size=65_537) == expected
    assert validate_data(far_pair, fast=False) == expected


def test_a_file_without_repeats_is_not_read_again() -> None:
    scanner = Scanner("t.csv", None, (), TODAY)
    scanner.feed(big_file(20_000))
    report = scanner.finish(lambda: pytest.fail("read again"))
    assert report.ok and report.warnings == ()
    assert scanner.duplicates is not None
    assert scanner.duplicates.rows_checked == 20_000
    assert scanner.duplicates.rows_reread == 0


def test_every_repeat_is_counted_and_the_earliest_listed() -> None:
    rows = [b"2024-05-01,team-%d,svc,1\n" % (number % 50) for number in range(400)]
    report = validate_data(b"date,team,service,bytes\n" + b"".join(rows))
    assert len(report.warnings) == MAX_LISTED
    assert report.warnings_omitted == 350 - MAX_LISTED
    assert report.warnings[0].message == "line 52 repeats the date and metadata of line 2"
    # A repeat names the first row with its key, not the one before it.
    assert report.warnings[-1].message == "line 151 repeats the date and metadata of line 51"


# Keys are compared as written ------------------------------------------------------------------


def test_keys_compare_as_written_whichever_path_reads_them() -> None:
    data = (
        b"date,team,bytes\n"
        b"2024-05-01,a,1\n"
        b'2024-05-01,a,"2"\n'  # the telemetry's quotes are not part of the key: a repeat
        b'2024-05-01,"a",3\n'  # a quoted value differs from a bare one: no repeat
        b"2024-05-01,a,4e1\n"  # a number the fast path leaves to the precise path: a repeat
        b"2024-05-01,a,0\n"  # an invalid number still has a key
    )
    report = validate_data(data)
    assert [problem.line for problem in report.warnings] == [3, 5, 6]
    assert {problem.message.split(" of ")[1] for problem in report.warnings} == {"line 2"}
    assert validate_data(data, fast=False) == report


def test_a_repeat_in_a_crlf_file_or_with_the_telemetry_in_the_middle() -> None:
    crlf = b"date,team,bytes\r\n2024-05-01,a,1\r\n2024-05-01,b,1\r\n2024-05-01,a,7\r\n"
    assert repeats(validate_data(crlf)) == [(4, "line 4 repeats the date and metadata of line 2")]
    middle = b"date,bytes,team\n" + b"2024-05-01,1,a\n2024-05-01,1,b\n2024-05-01,5,a\n" * 2
    report = validate_data(middle, telemetry="bytes")
    assert [problem.message for problem in report.warnings] == [
        f"line {line} repeats the date and metadata of line {first}"
        for line, first in [(4, 2), (5, 2), (6, 3), (7, 2)]
    ]


def expected_repeats(generated: Generated) -> list[tuple[int, str]]:
    """The repeats of a generated file, found the slow way: each row's values but the telemetry,
    as written, against those of the rows before it."""
    first_lines: dict[tuple[bytes, ...], int] = {}
    found = []
    for number, row in enumerate(generated.rows):
        key = tuple(
            cell.render() for index, cell in enumerate(row) if index != generated.telemetry_index
        )
        line = number + 2
        first = first_lines.setdefault(key, line)
        if first != line:
            found.append((line, f"line {line} repeats the date and metadata of line {first}"))
    return found


@settings(max_examples=150, deadline=None)
@given(valid_files(), CHUNK_SIZES)
def test_repeats_are_exactly_those_of_the_rows(generated: Generated, chunk_size: int) -> None:
    data = generated.render()
    report = validate_data(data, telemetry=generated.telemetry, chunk_size=chunk_size)
    assert repeats(report) == expected_repeats(generated)
    # With every key hashed alike, all rows are re-read and compared: the same repeats.
    with mock.patch.object(duplicates, "key_hash", lambda key: 3):
        assert validate_data(data, telemetry=generated.telemetry, chunk_size=chunk_size) == report
    one_way = OneWayStream(data)
    assert validate_bytes_stream(one_way, "t.csv", generated.telemetry, latest_day=TODAY) == report


# A hash collision is never a report ----------------------------------------------------------


def test_keys_that_collide_are_compared_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    data = big_file(3000) + b"2024-05-01,team-5,svc-5,1\n"
    expected = validate_data(data)
    assert repeats(expected) == [(3002, "line 3002 repeats the date and metadata of line 7")]
    # Every key now hashes alike: all 3,001 rows are candidates, and only the true repeat stays.
    monkeypatch.setattr(duplicates, "key_hash", lambda key: 42)
    assert validate_data(data) == expected
    assert validate_data(data, fast=False) == expected


def test_a_collision_alone_reports_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [b"2024-05-01,a,1\n", b"2024-05-01,b,2\n", b"2024-05-02,a,3\n"]
    data = b"date,team,bytes\n" + b"".join(lines)
    tracker = DuplicateTracker(3, 2, Budget(100, live=1))
    monkeypatch.setattr(duplicates, "key_hash", lambda key: -7)
    tracker.add_keys([b"2024-05-01,a,", b"2024-05-01,b,"], 2)
    tracker.add_line(lines[2], 4)
    tracker.confirm(lambda: io.BytesIO(data), MAX_LINE)
    assert tracker.rows_reread == 3
    assert tracker.log.total == 0
    assert tracker.unconfirmed is None


def test_rows_changed_before_they_are_read_again_are_left_out() -> None:
    first = b"date,team,bytes\n2024-05-01,a,1\n2024-05-01,b,1\n2024-05-01,a,2\n"
    second = first.replace(b"2024-05-01,a,2", b"2024-05-01,c,2")
    scanner = Scanner("t.csv", None, (), TODAY)
    scanner.feed(first)
    assert scanner.finish(lambda: io.BytesIO(second)).warnings == ()


def test_many_keys_are_compared_in_several_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"date,team,bytes\n" + b"".join(
        b"2024-05-01,team-%d,%d\n" % (number % 300, number + 1) for number in range(900)
    )
    expected = validate_data(data)
    assert len(expected.warnings) + expected.warnings_omitted == 600
    monkeypatch.setattr(duplicates, "KEY_BYTES", 2000)  # a few dozen keys a pass
    assert validate_data(data) == expected


@pytest.mark.parametrize("use_numpy", [True, False])
@pytest.mark.parametrize("entries", [0, 1, 2, 5000])
def test_repeated_entries_with_or_without_numpy(
    monkeypatch: pytest.MonkeyPatch, use_numpy: bool, entries: int
) -> None:
    if use_numpy and duplicates.numpy_module() is None:
        pytest.skip("numpy is not installed")
    if not use_numpy:
        monkeypatch.setattr(duplicates, "numpy_module", lambda: None)
    monkeypatch.setattr(duplicates, "PURE_UP_TO", 0 if use_numpy else 1 << 40)
    # Small slices, so that several slices of the hash range are searched.
    monkeypatch.setattr(duplicates, "NUMPY_SLICE", 700)
    monkeypatch.setattr(duplicates, "PURE_SLICE", 700)
    rng = random.Random(entries)
    values = [rng.randrange(-(1 << 63), 1 << 63) for _ in range(entries)]
    if entries == 2:
        values[1] = values[0]
    elif entries > 2:
        # A repeat far apart, and the ends of the hash range, held by several entries.
        values[-1] = values[0]
        values[entries // 2] = values[entries // 3] = -(1 << 63)
        values[1] = values[7] = (1 << 63) - 1
    counts = Counter(values)
    expected = [index for index, value in enumerate(values) if counts[value] > 1]
    assert list(repeated_entries(array("q", values))) == expected


# Streams that cannot be read twice, and what cannot be checked ---------------------------------


def test_a_stream_that_cannot_seek_is_copied_to_be_read_again() -> None:
    data = b"date,team,bytes\n2024-05-01,a,1\n2024-05-01,b,1\n2024-05-01,a,3\n"
    report = validate_bytes_stream(OneWayStream(data), "t.csv", latest_day=TODAY)
    assert repeats(report) == [(4, "line 4 repeats the date and metadata of line 2")]


class FullDisk(io.BytesIO):
    def write(self, data: Any, /) -> int:
        raise OSError(28, "No space left on device")


def test_a_copy_that_cannot_be_kept_confirms_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "_copy_file", FullDisk)
    data = b"date,team,bytes\n2024-05-01,a,1\n2024-05-01,b,1\n2024-05-01,a,3\n"
    report = validate_bytes_stream(OneWayStream(data), "t.csv", latest_day=TODAY)
    assert report.ok
    assert [(problem.line, problem.rule) for problem in report.warnings] == [
        (2, "duplicate-check-partial")
    ]
    assert "No space left on device" in report.warnings[0].message


def test_the_check_stops_only_while_several_columns_may_be_the_telemetry() -> None:
    # Both a and b hold numbers until line 2,002: the columns share 1,000 hashes until then.
    rows = [b"2024-05-01,%d,%d\n" % (number, number % 400 + 1) for number in range(2000)]
    rows.append(b"2024-05-01,x,1\n")  # a is no number: b is the telemetry
    data = b"date,a,b\n" + b"".join(rows)
    report = validate_data(data, duplicate_limit=1000)
    assert report.telemetry == "b"
    partial = [problem for problem in report.warnings if problem.rule != "duplicate-row"]
    assert [problem.rule for problem in partial] == ["duplicate-check-partial"]
    assert partial[0].line <= 600
    # Told which column is the telemetry, the check covers every row.
    assert validate_data(data, duplicate_limit=1000, telemetry="b").warnings == ()


def test_checksums_are_those_of_the_first_read(tmp_path: Path) -> None:
    path = tmp_path / "2024-05-01.csv"
    path.write_bytes(b"date,team,bytes\n2024-05-01,a,1\n2024-05-01,a,2\n")
    checked = validate_local_file(path, latest_day=TODAY, digests=True)
    assert [problem.rule for problem in checked.report.warnings] == ["duplicate-row"]
    assert checked.digests == file_digests(path)


class CountingStream(io.BytesIO):
    """A seekable stream that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


@pytest.mark.parametrize("chunk_size", [65_536, 1 << 20, 3_000_001])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_repeats_near_the_end_of_a_large_file_are_re_read_from_close_by(
    chunk_size: int, bom: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scanner records where lines begin; re-reading the rows of a repeat near the end of a
    file seeks close to them instead of reading it all again, and names the same lines."""
    monkeypatch.setattr(duplicates, "LINE_START_STEP", 1 << 20)
    body = big_file(400_000)  # about 13 MB
    rows = body.split(b"\n")
    # A repeat of row 2 (line 2) and one of a row late in the file, at the very end.
    late = 399_990
    data = bom + body + rows[late] + b"\n" + rows[1] + b"\n"
    last = data.count(b"\n")
    scanner = Scanner("t.csv", None, (), TODAY)
    for start in range(0, len(data), chunk_size):
        scanner.feed(data[start : start + chunk_size])
    again = CountingStream(data)
    report = scanner.finish(lambda: again)
    assert repeats(report) == [
        (last - 1, f"line {last - 1} repeats the date and metadata of line {late + 1}"),
        (last, f"line {last} repeats the date and metadata of line 2"),
    ]
    # Line 2 is among the rows re-read, so the file is read from its start once; what matters
    # is that the answer is the one a full re-read gives.
    assert report == validate_data(data)


def test_a_repeat_only_near_the_end_reads_a_little_of_the_file_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(duplicates, "LINE_START_STEP", 1 << 20)
    body = big_file(400_000)
    rows = body.split(b"\n")
    data = body + rows[399_990] + b"\n"
    scanner = Scanner("t.csv", None, (), TODAY)
    for start in range(0, len(data), 1 << 20):
        scanner.feed(data[start : start + (1 << 20)])
    again = CountingStream(data)
    report = scanner.finish(lambda: again)
    last = data.count(b"\n")
    assert repeats(report) == [(last, f"line {last} repeats the date and metadata of line 399991")]
    assert again.bytes_read < 3 * (1 << 20) + duplicates.REREAD_CHUNK, again.bytes_read
    # A stream that cannot seek is read from its start, with the same answer.
    one_way = scanner_report_one_way(data)
    assert repeats(one_way) == repeats(report)


def scanner_report_one_way(data: bytes) -> FileReport:
    scanner = Scanner("t.csv", None, (), TODAY)
    scanner.feed(data)
    return scanner.finish(lambda: OneWayStream(data))
