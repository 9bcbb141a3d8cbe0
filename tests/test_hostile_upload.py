"""`finout-telemetry upload` against hostile input, on a real moto server: files whose rows hold
other days than --date, future days, standard input, special files, AWS failures, terminal
escapes, absurd arguments and files that change between validation and upload."""

from __future__ import annotations

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
from test_upload import (
    BUCKET,
    DAY_FILE,
    KEY,
    PREFIX,
    body,
    bucket,
    config_path,
    keys,
    upload,
    write,
)

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.commands import upload as upload_command
from finout_s3_telemetry.config import load_config
from finout_s3_telemetry.csv_files import FileReport
from finout_s3_telemetry.csv_files.dates import latest_day_now
from finout_s3_telemetry.csv_files.uploader import ALLOW_FUTURE_FLAG, plan_uploads
from finout_s3_telemetry.local.moto_server import LocalAws

pytestmark = pytest.mark.moto
# `bucket` and `config_path` are the upload tests' fixtures, shared rather than copied.
__all__ = ["bucket", "config_path"]

REPO = Path(__file__).resolve().parents[1]
TERMINAL_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def _no_ambient_target(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FINOUT_TELEMETRY_TARGET", "FINOUT_TELEMETRY_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


def day_file(*days: date, telemetry: str = "requests") -> bytes:
    rows = b"".join(
        b"%s,team-%d,%d\n" % (day.isoformat().encode(), n, n + 1) for n, day in enumerate(days)
    )
    return b"date,team," + telemetry.encode() + b"\n" + rows


def one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert not TERMINAL_CONTROL.search(err), err
    return err


# --date must agree with the rows ----------------------------------------------------------------


def test_date_that_disagrees_with_the_rows_stores_nothing_and_replaces_nothing(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert upload(config_path, local_aws, write(tmp_path, "real.csv", DAY_FILE)) == 0
    assert body(bucket, KEY) == DAY_FILE
    other = write(tmp_path, "other.csv", DAY_FILE.replace(b"2022-06-07", b"2022-06-08"))
    capsys.readouterr()
    assert upload(config_path, local_aws, other, "--date", "2022-06-07", "--replace") == 1
    err = one_line(capsys.readouterr().err)
    assert "--date 2022-06-07 does not match" in err and "2022-06-08" in err
    assert body(bucket, KEY) == DAY_FILE
    assert keys(bucket) == [KEY]


def test_a_file_named_for_one_day_holding_another_goes_to_the_day_it_holds(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
) -> None:
    misnamed = write(tmp_path, "2022-06-07.csv", DAY_FILE.replace(b"2022-06-07", b"2022-06-09"))
    assert upload(config_path, local_aws, misnamed) == 0
    assert keys(bucket) == [f"{PREFIX}/bytes/2022-06-09.csv"]


def test_many_days_are_listed_shortened_with_a_count(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = date(2022, 1, 1)
    days = [first + timedelta(days=offset) for offset in range(365)]
    path = write(tmp_path, "year.csv", day_file(*reversed(days)))
    for extra in ([], ["--date", "2022-06-07"]):
        capsys.readouterr()
        assert upload(config_path, local_aws, path, *extra) == 1
        err = one_line(capsys.readouterr().err)
        assert "365 days (2022-01-01, 2022-01-02, 2022-01-03" in err
        assert "360 more, up to 2022-12-31" in err
        assert "2022-06-07," not in err
        assert len(err) < 600
    assert keys(bucket) == []


def test_nothing_is_uploaded_when_one_file_of_a_batch_disagrees(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = write(tmp_path, "good.csv", DAY_FILE)
    wrong = write(tmp_path, "wrong.csv", day_file(date(2022, 6, 8)))
    assert upload(config_path, local_aws, good, wrong, "--date", "2022-06-07") == 1
    assert "wrong.csv: --date 2022-06-07 does not match" in capsys.readouterr().err
    assert keys(bucket) == []


def report_of(first: date | None, last: date | None, **fields: Any) -> FileReport:
    return FileReport(__file__, 1, "bytes", (), 0, (), 0, first, last, **fields)


def test_plan_uploads_places_a_file_only_on_the_one_day_its_rows_hold(
    config_path: Path,
) -> None:
    endpoint = load_config(config_path).endpoint("main")
    june_7, june_8 = date(2022, 6, 7), date(2022, 6, 8)
    one = report_of(june_7, june_7, days=(june_7,), day_count=1)
    two = report_of(june_7, june_8, days=(june_7, june_8), day_count=2)
    bare = report_of(june_7, june_8)  # made without its list of days
    empty = report_of(None, None)
    planned, problems = plan_uploads(endpoint, [one], None)
    assert ([upload.day for upload in planned], problems) == ([june_7], [])
    for report, day, usage in ((one, june_8, False), (two, None, False), (two, june_7, False),
                               (bare, june_7, False), (empty, None, True)):  # fmt: skip
        planned, problems = plan_uploads(endpoint, [report], day)
        assert planned == [] and [problem.usage for problem in problems] == [usage]
        assert "\n" not in problems[0].message
    assert plan_uploads(endpoint, [empty], june_8)[0][0].day == june_8
    future = report_of(date(2030, 1, 2), date(2030, 1, 2), days=(date(2030, 1, 2),), day_count=1)
    latest = date(2030, 1, 1)
    _, problems = plan_uploads(endpoint, [future], None, latest_day=latest)
    assert [problem.usage for problem in problems] == [True]
    assert ALLOW_FUTURE_FLAG in problems[0].message
    assert plan_uploads(endpoint, [future], None, latest_day=latest, allow_future=True)[0]


# Future days ------------------------------------------------------------------------------------


def test_a_future_date_needs_the_flag(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    future = latest_day_now() + timedelta(days=1)
    path = write(tmp_path, "future.csv", day_file(future))
    assert upload(config_path, local_aws, path, "--date", future.isoformat()) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before any file is read
    assert "--allow-future-date" in one_line(captured.err)
    assert keys(bucket) == []
    # Rows of a future day, without --date: the same case.
    assert upload(config_path, local_aws, path) == 2
    err = one_line(capsys.readouterr().err)
    assert "--allow-future-date" in err and future.isoformat() in err
    assert keys(bucket) == []
    assert upload(config_path, local_aws, path, "--allow-future-date") == 0
    assert keys(bucket) == [f"{PREFIX}/requests/{future.isoformat()}.csv"]


def test_the_latest_day_that_has_begun_is_not_the_future(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
) -> None:
    today = latest_day_now()
    path = write(tmp_path, "today.csv", day_file(today))
    assert upload(config_path, local_aws, path, "--date", today.isoformat()) == 0


def test_one_future_file_stops_the_batch(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
) -> None:
    good = write(tmp_path, "good.csv", DAY_FILE)
    future = write(tmp_path, "future.csv", day_file(latest_day_now() + timedelta(days=30)))
    assert upload(config_path, local_aws, good, future) == 2
    assert keys(bucket) == []


# Files that cannot be uploaded ------------------------------------------------------------------


def test_standard_input_is_refused_in_one_line(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert upload(config_path, local_aws, "-") == 2
    assert "not - (standard input)" in one_line(capsys.readouterr().err)


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock.csv"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    try:
        yield path
    finally:
        server.close()


def test_special_files_are_refused_at_once(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    unix_socket: Path,
) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    good = write(tmp_path, "good.csv", DAY_FILE)
    for path in ("/dev/zero", str(fifo), str(tmp_path), str(unix_socket)):
        # In a process of its own: a hang fails the test instead of stalling it.
        result = subprocess.run(
            [sys.executable, "-m", "finout_s3_telemetry.cli", "upload", "-c", str(config_path),
             "--endpoint", "main", "--endpoint-url", local_aws.endpoint_url, good, path],
            capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert result.returncode == 2, (path, result.stderr)
        assert f"{path}: is a" in result.stderr and "not a regular file" in result.stderr
        assert "nothing was uploaded" in result.stderr
    assert keys(bucket) == []


@pytest.mark.parametrize(
    ("data", "rule"),
    [(b"", "empty-file"), (b"\xef\xbb\xbf", "empty-file"), (bytes(range(256)) * 8, "encoding")],
)
def test_empty_and_binary_files_upload_nothing(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    data: bytes,
    rule: str,
) -> None:
    good = write(tmp_path, "good.csv", DAY_FILE)
    odd = write(tmp_path, "odd.csv", data)
    assert upload(config_path, local_aws, good, odd) == 1
    captured = capsys.readouterr()
    assert f"[{rule}]" in captured.out
    assert not TERMINAL_CONTROL.search(captured.out + captured.err)
    assert keys(bucket) == []


# Files that change between validation and upload -----------------------------------------------


def run_after_validation(
    monkeypatch: pytest.MonkeyPatch, action: Any, target: str = "existing_keys"
) -> None:
    """Run `action` just before the command's step `target` (after every file was validated)."""
    real = getattr(upload_command, target)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        action()
        return real(*args, **kwargs)

    monkeypatch.setattr(upload_command, target, wrapped)


def test_a_file_deleted_after_validation_stops_the_batch_before_any_upload(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = write(tmp_path, "good.csv", DAY_FILE)
    gone = write(tmp_path, "gone.csv", day_file(date(2022, 6, 8)))
    run_after_validation(monkeypatch, lambda: os.unlink(gone))
    assert upload(config_path, local_aws, good, gone) == 2
    err = capsys.readouterr().err
    assert "gone.csv cannot be read any more" in err and "nothing was uploaded" in err
    assert keys(bucket) == []


def test_a_file_changed_after_validation_is_not_uploaded(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(tmp_path, "day.csv", DAY_FILE)
    # Same size, other bytes: a zero total that was never validated.
    changed = DAY_FILE.replace(b"12.12", b"00.00")
    run_after_validation(monkeypatch, lambda: Path(path).write_bytes(changed))
    assert upload(config_path, local_aws, path) == 2
    assert "day.csv changed after it was validated" in capsys.readouterr().err
    assert keys(bucket) == []


def test_a_file_deleted_midway_is_named_and_the_rest_is_said(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = write(tmp_path, "first.csv", DAY_FILE)
    second = write(tmp_path, "second.csv", day_file(date(2022, 6, 8), telemetry="bytes"))
    calls: list[int] = []

    def delete_second_after_the_first() -> None:
        if calls:
            os.unlink(second)
        calls.append(1)

    run_after_validation(monkeypatch, delete_second_after_the_first, "upload_verified")
    assert upload(config_path, local_aws, first, second) == 2
    err = capsys.readouterr().err
    assert "second.csv: cannot read the file" in err and "was not uploaded" in err
    assert "1 of 2 files were uploaded; not uploaded:" in err
    assert keys(bucket) == [KEY]


# AWS failures -----------------------------------------------------------------------------------


def test_a_missing_bucket_is_one_line_naming_the_target_once(
    local_aws: LocalAws,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert upload(config_path, local_aws, write(tmp_path, "day.csv", DAY_FILE)) == 2
    err = one_line(capsys.readouterr().err)
    assert err.count(f"local AWS at {local_aws.endpoint_url}") == 1
    assert f"'{BUCKET}'" in err and "NoSuchBucket" in err and "deploy" in err
    assert "An error occurred" not in err and "AWS (" not in err


def test_a_refusal_names_its_code_and_the_bucket(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deny = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", '
        f'"Action": "s3:PutObject", "Resource": "arn:aws:s3:::{BUCKET}/*"}}]}}'
    )
    bucket.put_bucket_policy(Bucket=BUCKET, Policy=deny)
    assert upload(config_path, local_aws, write(tmp_path, "day.csv", DAY_FILE)) == 2
    err = one_line(capsys.readouterr().err)
    assert (
        f"local AWS at {local_aws.endpoint_url} refused PutObject on the bucket '{BUCKET}'" in err
    )
    assert "(403" in err and "s3:PutObject" in err
    assert keys(bucket) == []


def test_an_unreachable_endpoint_is_told_apart(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    path = write(tmp_path, "day.csv", DAY_FILE)
    code = main(
        ["upload", "-c", str(config_path), "--endpoint", "main", "--endpoint-url", closed, path]
    )
    assert code == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"finout-telemetry: error: cannot reach local AWS at {closed}")
    assert "is the local emulator running" in err


def test_missing_credentials_are_told_apart(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = write(tmp_path, "day.csv", DAY_FILE)
    assert main(["upload", "-c", str(config_path), "--endpoint", "main", path]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith("finout-telemetry: error: AWS: no usable AWS credentials were found")


# Terminal escapes and absurd arguments ----------------------------------------------------------


def test_a_hostile_file_name_is_escaped_in_every_line(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "day\x1b[2J\n\u202e.csv"
    path = write(tmp_path, name, DAY_FILE)
    assert upload(config_path, local_aws, path) == 0
    out = capsys.readouterr().out
    assert not TERMINAL_CONTROL.search(out)
    assert out.count("\n") == 2  # the report and the upload, one line each
    assert "day\\x1b[2J\\x0a\\u202e.csv" in out
    two = write(tmp_path, "two\x1b.csv", day_file(date(2022, 6, 1), date(2022, 6, 2)))
    assert upload(config_path, local_aws, two) == 1
    captured = capsys.readouterr()
    assert "two\\x1b.csv" in one_line(captured.err)


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--endpoint", "e" * 1_000_000, "no endpoint named"),
        ("--endpoint", "ma\x1b[2Jin", "no endpoint named"),
        ("--endpoint-url", "http://127.0.0.1:5000/" + "x" * 1_000_000, "characters long"),
        ("--endpoint-url", "http://127.0.0.1:5000/\x1b[2J", "control character"),
        ("--date", "2" * 1_000_000, "not a calendar day"),
    ],
)
def test_absurd_arguments_are_one_short_line(
    local_aws: LocalAws,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    words: str,
) -> None:
    argv = ["upload", "-c", str(config_path), "--endpoint", "main"]
    argv += ["--endpoint-url", local_aws.endpoint_url, write(tmp_path, "day.csv", DAY_FILE)]
    argv += [option, value]
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own refusal of a bad --date
        code = int(exited.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if "error" in line]
    assert len(error_lines) == 1 and len(err) < 2_000, err[:300]
    assert words in err
    assert not TERMINAL_CONTROL.search(err)
