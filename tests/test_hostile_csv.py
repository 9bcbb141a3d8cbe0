"""The validator and `csv validate` against hostile input: CR-only files of any size, numbers a
double cannot hold, standard input, paths that are no regular file, text that would drive a
terminal, and absurd arguments."""

from __future__ import annotations

import io
import json
import math
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.csv_files import FileReport, validate_bytes_stream
from finout_s3_telemetry.csv_files.fields import PLAIN_SAFE_LENGTH, number_problem
from finout_s3_telemetry.csv_files.grammar import BARE, Layout, plain_run, row_run
from finout_s3_telemetry.csv_files.scanner import MAX_LINE

TODAY = date(2025, 1, 1)
REPO = Path(__file__).resolve().parents[1]
# What a terminal would act on: C0 and C1 controls but the line feeds we write ourselves.
TERMINAL_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def validate(data: bytes, name: str = "t.csv", **options: Any) -> FileReport:
    return validate_bytes_stream(io.BytesIO(data), name, latest_day=TODAY, **options)


def errors(report: FileReport) -> list[tuple[int, int | None, str]]:
    return [(problem.line, problem.column, problem.rule) for problem in report.errors]


def cli(
    *argv: str, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, so a hang fails the test instead of stalling it."""
    return subprocess.run(
        [sys.executable, "-m", "finout_s3_telemetry.cli", *argv],
        input=stdin.decode("latin-1") if stdin is not None else None,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
    )


# CR-only line endings ---------------------------------------------------------------------------

CR_FILES = {
    "bare": (b"date,team,bytes\r", b"2024-05-01,a,1\r"),
    "quoted": (b'"date","team","bytes"\r', b'"2024-05-01","a","1"\r'),
    "quoted-last-only": (b"date,team,bytes\r", b'2024-05-01,a,"1"\r'),
    "quote-in-value": (b"date,team,bytes\r", b'2024-05-01,"a\rb",1\r'),
}


@pytest.mark.parametrize("kind", sorted(CR_FILES))
@pytest.mark.parametrize("chunk_size", [4093, 64 << 10, 4 << 20])
def test_a_cr_only_file_gets_the_line_ending_rule_at_any_size(kind: str, chunk_size: int) -> None:
    header, row = CR_FILES[kind]
    small = validate(header + row * 3)
    big = validate(header + row * (MAX_LINE // len(row) + 10), chunk_size=chunk_size)
    assert [problem.rule for problem in small.errors] == ["line-ending"]
    assert errors(big) == errors(small)
    assert big.errors == small.errors


@pytest.mark.parametrize("crlf_header", [False, True])
def test_cr_only_rows_after_a_good_header_get_the_line_ending_rule_at_any_size(
    crlf_header: bool,
) -> None:
    header = b"date,team,bytes" + (b"\r\n" if crlf_header else b"\n")
    row = b"2024-05-01,a,1\r"
    small = validate(header + row * 3 + b"\n")
    big = validate(header + row * (MAX_LINE // len(row) + 10) + b"\n")
    assert errors(small) == [(2, 3, "line-ending")]
    assert errors(big) == errors(small)
    assert big.rows == small.rows == 1


def test_a_long_line_without_carriage_returns_is_still_too_long() -> None:
    report = validate(b"date,team,bytes\n2024-05-01," + b"x" * (MAX_LINE + 5) + b",1\n")
    assert errors(report) == [(2, None, "line-too-long")]


def test_a_crlf_split_between_chunks_is_no_carriage_return_fault() -> None:
    # The first chunk ends in the CR of a CRLF that ends a line too long to hold.
    line = b"2024-05-01," + b"x" * (MAX_LINE + 10) + b",1"
    data = b"date,team,bytes\r\n" + line + b"\r\n2024-05-01,b,2\r\n"
    chunk = len(b"date,team,bytes\r\n") + len(line) + 1
    report = validate(data, chunk_size=chunk, telemetry="bytes")
    assert errors(report) == [(2, None, "line-too-long")]


# Numbers a double cannot hold -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rule", "words"),
    [
        (b"1e309", "number", "too large"),
        (b"1" * 400, "number", "too large"),
        (b"9" * 309, "number", "too large"),
        (b"1" * 400 + b".5", "number", "too large"),
        (b"+" + b"1" * 400, "number", "too large"),
        (b"1e-400", "positive", "too small"),
        (b"0." + b"0" * 400 + b"1", "positive", "too small"),
        (b"." + b"0" * 400 + b"1", "positive", "too small"),
    ],
)
def test_every_spelling_of_a_number_beyond_a_double_is_refused_alike(
    value: bytes, rule: str, words: str
) -> None:
    problem = number_problem(value)
    assert problem is not None and problem[0] == rule and words in problem[1]
    # Shown shortened, not 400 digits long.
    assert len(problem[1]) < 100
    data = b"date,team,bytes\n" + b"2024-05-01,a,1\n" * 20 + b"2024-05-01,b," + value + b"\n"
    fast, precise = validate(data, telemetry="bytes"), validate(data, telemetry="bytes", fast=False)
    assert [(p.line, p.rule) for p in fast.errors] == [(22, rule)]
    assert fast == precise


@pytest.mark.parametrize(
    "value",
    [b"1" * 300, b"1" * 308, b"0" * 500 + b"7", b"1." + b"0" * 500, b"0." + b"0" * 300 + b"1"],
)
def test_long_spellings_of_ordinary_numbers_pass(value: bytes) -> None:
    assert number_problem(value) is None


DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=420)


@st.composite
def decimal_spellings(draw: st.DrawFn) -> bytes:
    """Unsigned numbers as Finout's syntax allows them, with lengths around a double's limits."""
    integer = draw(DIGITS)
    fraction = draw(st.none() | DIGITS)
    exponent = draw(st.none() | st.integers(-400, 400))
    text = integer + ("" if fraction is None else "." + fraction)
    if not any(char.isdigit() for char in text):
        text += "1"
    if exponent is not None:
        text += f"e{exponent}"
    return text.encode()


@settings(max_examples=400, deadline=None)
@given(decimal_spellings())
@example(b"1" * 400)
@example(b"0." + b"0" * 330 + b"5")
@example(b"0" * 400 + b"1e-300")
def test_a_number_is_valid_exactly_when_it_is_a_double_other_than_zero(value: bytes) -> None:
    as_double = float(value)
    problem = number_problem(value)
    assert (problem is None) == (math.isfinite(as_double) and as_double != 0.0), problem


@settings(max_examples=300, deadline=None)
@given(decimal_spellings(), st.booleans())
@example(b"1" * 400, False)
@example(b"0." + b"0" * 400 + b"1", False)
def test_the_fast_path_accepts_no_number_the_precise_path_refuses(value: bytes, crlf: bool) -> None:
    eol = b"\r\n" if crlf else b"\n"
    layout = Layout((BARE, BARE, BARE), crlf)
    row = b"2024-05-01,a," + value + eol
    for pattern in (row_run(layout, 0, (2,)), plain_run(layout, 0, (2,))):
        if pattern.fullmatch(row):
            assert number_problem(value) is None
    data = b"date,team,bytes" + eol + (b"2024-05-01,a,1" + eol) * 9 + row
    assert validate(data, telemetry="bytes") == validate(data, telemetry="bytes", fast=False)


def test_the_fast_path_and_the_precise_path_share_one_digit_limit() -> None:
    # Checked on values either side of the limit, so the two stay in step if it changes.
    for value in (b"1" * (PLAIN_SAFE_LENGTH - 1), b"1" * (PLAIN_SAFE_LENGTH + 1)):
        data = b"date,team,bytes\n" + b"2024-05-01,a,1\n" * 9 + b"2024-05-01,b," + value + b"\n"
        assert validate(data, telemetry="bytes").ok


# Days a file holds ------------------------------------------------------------------------------


def test_the_report_counts_every_distinct_day_and_names_the_earliest() -> None:
    days = [date(2024, 1, 1) + timedelta(days=offset) for offset in range(400)]
    rows = b"".join(b"%s,t,1\n" % day.isoformat().encode() for day in reversed(days))
    data = b"date,team,bytes\n" + rows + rows
    for report in (validate(data), validate(data, fast=False), validate(data, chunk_size=977)):
        assert report.day_count == 400
        assert report.days == tuple(days[:5])
        assert (report.first_day, report.last_day) == (days[0], days[-1])


# Standard input ---------------------------------------------------------------------------------

GOOD = b"date,team,bytes\n2024-05-01,a,1\n"


def test_dash_reads_standard_input_in_text() -> None:
    result = cli("csv", "validate", "-", stdin=GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<stdin>: valid (1 row, telemetry bytes, 2024-05-01)")


def test_dash_reads_standard_input_in_json() -> None:
    result = cli("csv", "validate", "-", "--format", "json", stdin=b"date,bytes\n2024-05-01,0\n")
    assert result.returncode == 1
    entry = json.loads(result.stdout)["files"][0]
    assert (entry["path"], entry["ok"], entry["rows"]) == ("<stdin>", False, 1)
    assert [error["rule"] for error in entry["errors"]] == ["positive"]


def test_dash_reads_a_pipe_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, GOOD)
    os.close(write_end)
    with os.fdopen(read_end, "r") as pipe:
        monkeypatch.setattr(sys, "stdin", pipe)
        assert main(["csv", "validate", "-", "--telemetry", "bytes"]) == 0
    assert "<stdin>: valid" in capsys.readouterr().out


def test_dash_twice_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["csv", "validate", "-", "-"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_standard_input_from_a_device_that_never_ends_is_refused() -> None:
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run(
            [sys.executable, "-m", "finout_s3_telemetry.cli", "csv", "validate", "-"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=REPO,
        )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "standard input is a character device" in result.stderr


# Paths that are no regular file -----------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    yield path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock.csv"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        yield path
    finally:
        server.close()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_special_files_are_refused_at_once(
    fifo: Path, unix_socket: Path, tmp_path: Path, fmt: str
) -> None:
    for path, kind in (
        ("/dev/zero", "a character device"),
        (str(fifo), "a named pipe (FIFO)"),
        (str(tmp_path), "a directory"),
        (str(unix_socket), "a socket"),
    ):
        result = cli("csv", "validate", path, "--format", fmt)
        assert result.returncode == 2, path
        assert result.stderr == (
            f"finout-telemetry: error: {path}: is {kind}, not a regular file; pass the path of "
            "a CSV file\n"
        )
        if fmt == "json":
            entry = json.loads(result.stdout)["files"][0]
            assert (entry["path"], entry["errors"][0]["rule"]) == (path, "unreadable")


def test_a_missing_file_next_to_a_good_one_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    assert main(["csv", "validate", str(good), str(good / "not-a-folder.csv")]) == 2
    captured = capsys.readouterr()
    assert "good.csv: valid" in captured.out
    assert captured.err.count("\n") == 1 and "cannot read the file" in captured.err


def test_an_absurdly_long_path_is_one_short_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["csv", "validate", "x" * 1_000_000]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 1000
    assert "1,000,000 characters in all" in err


# Terminal injection -----------------------------------------------------------------------------

HOSTILE = "\x1b[2J\x1b]0;owned\x07\u202e\r"


def test_text_output_escapes_what_a_file_holds_and_json_keeps_it_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"evil{HOSTILE}\nname.csv"
    hostile = HOSTILE[:-1]  # a carriage return would end the line
    data = (
        f"date,te\x1bam,by{hostile}tes\n"
        f"2024-05-01,x\x1b[31m,0\n"
        f"2024-05-01,a\u202eb,1\n"
        f"2024-05-01,{hostile},2\n"
    )
    path.write_bytes(data.encode())
    assert main(["csv", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert not TERMINAL_CONTROL.search(out), out
    assert "\\x1b" in out and "\\u202e" in out
    assert out.startswith(f"{tmp_path}/evil\\x1b[2J")
    assert main(["csv", "validate", str(path), "--format", "json"]) == 1
    entry = json.loads(capsys.readouterr().out)["files"][0]
    assert entry["path"] == str(path)
    assert entry["telemetry"] == f"by{hostile}tes"
    assert main(["csv", "validate", str(path), "--telemetry", "x"]) == 1
    out = capsys.readouterr().out
    assert "no column is named 'x'" in out
    assert not TERMINAL_CONTROL.search(out), out


def test_header_names_in_messages_are_escaped_and_shortened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long_name = "n" * 100_000
    path = tmp_path / "header.csv"
    path.write_bytes(f"date,{long_name},bad\x1bname,bad\x1bname,x y\n2024-05-01,1,2,3,4\n".encode())
    assert main(["csv", "validate", str(path), "--telemetry", "bytes"]) == 1
    out = capsys.readouterr().out
    assert not TERMINAL_CONTROL.search(out)
    assert len(out) < 5_000
    assert "'bad\\x1bname' is used twice" in out


def test_a_valid_file_with_a_hostile_telemetry_header_says_so_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"date,team,by\x1b[2Jtes\n2024-05-01,a,1\n")
    assert main(["csv", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "telemetry by\\x1b[2Jtes" in out
    assert not TERMINAL_CONTROL.search(out)
    assert main(["csv", "validate", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["telemetry"] == "by\x1b[2Jtes"


# Absurd arguments and odd files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("telemetry", "words"),
    [
        ("b" * 1_000_000, "1,000,000 bytes long"),
        ("by\x1b[2Jtes", "control character"),
        ("by tes", "space"),
        ("", "is empty"),
    ],
)
def test_an_impossible_telemetry_argument_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], telemetry: str, words: str
) -> None:
    path = tmp_path / "good.csv"
    path.write_bytes(GOOD)
    assert main(["csv", "validate", str(path), "--telemetry", telemetry]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and len(captured.err) < 500
    assert words in captured.err
    assert not TERMINAL_CONTROL.search(captured.err)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf", "the file holds only a byte-order mark"),
    ],
)
def test_empty_files_say_what_they_hold(data: bytes, message: str) -> None:
    report = validate(data)
    assert [(p.rule, p.message) for p in report.errors] == [("empty-file", message)]


def test_a_binary_file_is_invalid_and_shown_safely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 64)
    assert main(["csv", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out
    assert not TERMINAL_CONTROL.search(out)
