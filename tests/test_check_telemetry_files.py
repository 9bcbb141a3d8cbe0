"""FINOUT-CSV-001 (the newest file per folder is valid) and FINOUT-CSV-002 (every folder has a
recent file), against the real moto server; ages are judged against an injected `now`."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ReadTimeoutError
from check_helpers import (
    NO_RETRIES,
    check,
    deploy,
    endpoint_raw,
    failing,
    fill_folders,
    last_modified,
    make_config,
    put_file,
    result,
    target_of,
    write_config,
)

import finout_s3_telemetry.check as check_package
from finout_s3_telemetry.check import Report
from finout_s3_telemetry.check.aws import AwsReader, BucketObjects
from finout_s3_telemetry.check.aws import _GuardedBody as GuardedBody
from finout_s3_telemetry.check.checks.telemetry_files import newest_files_are_valid
from finout_s3_telemetry.check.context import EndpointContext, UnreadableObject
from finout_s3_telemetry.check.errors import CheckUsageError
from finout_s3_telemetry.check.model import Status
from finout_s3_telemetry.check.snapshot import EndpointSnapshot, Listing, Read, S3Object
from finout_s3_telemetry.cli import main
from finout_s3_telemetry.csv_files import ByteStream
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

CORPUS = Path(__file__).parent / "csv_corpus"
BUCKET = "acme-finout-telemetry"
NEGATIVE_ON_LINE_3 = b'"date","team","bytes"\n"2024-06-07","a","1.5"\n"2024-06-07","b","-2"\n'


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 6, day, hour, tzinfo=UTC)


def statuses(report: Report) -> dict[str, str]:
    return {
        r.id: r.status.value for r in report.endpoints[0].results if r.id.startswith("FINOUT-CSV")
    }


# The choice of the newest file, on plain data.


def test_the_newest_file_is_the_last_modified_and_folder_markers_are_not_files() -> None:
    listing = Listing(
        "p/",
        (
            S3Object("p/bytes/", 0, at(1)),
            S3Object("p/bytes/a-newer.csv", 10, at(8)),
            S3Object("p/bytes/z-older.csv", 10, at(7)),
            S3Object("p/bytes/archive/", 0, at(9)),  # a subfolder marker, however recent
            S3Object("p/requests/", 0, at(1)),
        ),
    )
    newest = listing.newest_in("p/bytes/")
    assert newest is not None and newest.key == "p/bytes/a-newer.csv"
    assert listing.newest_in("p/requests/") is None


def test_files_of_the_same_second_are_told_apart_by_key() -> None:
    """S3 keeps LastModified to the second. The newest file (the one the content checks read,
    and whose head and ACL the service layer reads) must not depend on the listing's order: the
    later name wins, and a nested folder marker is never a file."""
    objects = (
        S3Object("p/bytes/2024-06-07.csv", 1, at(8)),
        S3Object("p/bytes/2024-06-08.csv", 1, at(8)),
        S3Object("p/bytes/zz/", 0, at(8)),
    )
    for order in (objects, objects[::-1]):
        newest = Listing("p/", order).newest_in("p/bytes/")
        assert newest is not None and newest.key == "p/bytes/2024-06-08.csv"


# Unreadable files, with a reader that refuses (the emulator grants every read).


class RefusingReader:
    def read(self, key: str, max_bytes: int) -> bytes:
        raise UnreadableObject(f"s3://{BUCKET}/{key}: AccessDenied: Access Denied")

    def stream(self, key: str) -> AbstractContextManager[ByteStream]:
        raise UnreadableObject(f"s3://{BUCKET}/{key}: AccessDenied: Access Denied")


def test_an_unreadable_newest_file_fails_and_asks_for_s3_get_object() -> None:
    config = make_config()
    key = "finout/telemetry/bytes/2024-06-07.csv"
    snapshot = EndpointSnapshot(
        "main",
        listing=Read.found(Listing("finout/telemetry/", (S3Object(key, 10, at(7)),))),
    )
    ctx = EndpointContext(
        config, config.endpoints[0], snapshot, "111122223333", objects=RefusingReader()
    )
    finding = newest_files_are_valid.run(ctx)
    assert finding is not None and finding.status is Status.FAIL
    assert finding.detail.splitlines()[0] == (
        f"The newest file in folder finout/telemetry/bytes/, s3://{BUCKET}/{key}, "
        "could not be read."
    )
    assert "could not be read (AccessDenied: Access Denied)." in finding.detail
    assert f"s3:GetObject on arn:aws:s3:::{BUCKET}/*" in finding.remediation
    assert "upload" not in finding.remediation


class CutOff:
    """A body whose connection drops after the first chunk."""

    def __init__(self) -> None:
        self.chunks = [b'"date","bytes"\n']

    def read(self, size: int) -> bytes:
        if self.chunks:
            return self.chunks.pop()
        raise ReadTimeoutError(endpoint_url="https://s3.us-east-1.amazonaws.com")


def test_a_read_that_breaks_off_midway_is_an_unreadable_object() -> None:
    body = GuardedBody(CutOff(), f"s3://{BUCKET}/k.csv")
    assert body.read(1024) == b'"date","bytes"\n'
    with pytest.raises(UnreadableObject, match=r"k\.csv: reading stopped after 15 bytes"):
        body.read(1024)


# Against the emulator.


@pytest.mark.moto
def test_a_valid_newest_file_passes_and_costs_one_get_object(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    key = put_file(local_aws, endpoint, "bytes", "2024-06-07.csv")
    report = check(
        local_aws, config, now=last_modified(local_aws, endpoint, key) + timedelta(hours=1)
    )
    assert statuses(report) == {"FINOUT-CSV-001": "pass", "FINOUT-CSV-002": "warn"}
    assert result(report, "FINOUT-CSV-001").detail == (
        "The newest file in the one non-empty telemetry folder under "
        f"s3://{BUCKET}/finout/telemetry/ is valid Finout CSV."
    )
    # The two other folders are empty: no request for them.
    assert report.api_calls_by_operation["s3:GetObject"] == 1
    assert report.api_calls_by_operation["s3:ListObjectsV2"] == 1


@pytest.mark.moto
def test_every_folder_with_a_recent_valid_file_passes_both(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    fill_folders(local_aws, config)
    endpoint = config.endpoints[0]
    stamp = last_modified(local_aws, endpoint, endpoint.folder_key("bytes") + "export.csv")
    report = check(local_aws, config, now=stamp + timedelta(days=1))
    assert report.ok, failing(report)
    assert statuses(report) == {"FINOUT-CSV-001": "pass", "FINOUT-CSV-002": "pass"}
    assert result(report, "FINOUT-CSV-002").detail == (
        f"All 3 telemetry folders under s3://{BUCKET}/finout/telemetry/ hold a file modified "
        "within the last 2 days."
    )
    assert report.api_calls_by_operation["s3:GetObject"] == 3


@pytest.mark.moto
def test_an_invalid_newest_file_fails_naming_folder_key_line_and_rule(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    key = put_file(local_aws, config.endpoints[0], "bytes", "2024-06-07.csv", NEGATIVE_ON_LINE_3)
    report = check(local_aws, config)
    assert set(failing(report)) == {"FINOUT-CSV-001"}
    found = result(report, "FINOUT-CSV-001")
    first, *rest = found.detail.splitlines()
    assert first == (
        f"The newest file in folder finout/telemetry/bytes/, s3://{BUCKET}/{key}, is not valid "
        "Finout CSV."
    )
    assert rest == [
        f"s3://{BUCKET}/{key} (folder finout/telemetry/bytes/, telemetry bytes) has 1 error:",
        "  line 3, column 3: [positive] bytes: '-2' is negative",
    ]
    assert found.resource == f"s3://{BUCKET}/finout/telemetry/"
    assert "`finout-telemetry csv validate FILE --telemetry bytes`" in found.remediation
    assert "`finout-telemetry upload --endpoint main FILE --replace`" in found.remediation


@pytest.mark.moto
def test_the_first_problems_are_shown_and_the_rest_counted(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    rows = b"".join(b'"2024-06-07","t%d","-%d"\n' % (n, n + 1) for n in range(5))
    put_file(local_aws, config.endpoints[0], "bytes", "many.csv", b'"date","team","bytes"\n' + rows)
    detail = result(check(local_aws, config), "FINOUT-CSV-001").detail.splitlines()
    assert detail[1].endswith("has 5 errors:")
    assert [line.split(":")[0].strip() for line in detail[2:5]] == [
        "line 2, column 3",
        "line 3, column 3",
        "line 4, column 3",
    ]
    assert detail[5] == "  ... and 2 more"


@pytest.mark.moto
def test_the_newest_file_decides_not_an_older_one(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    put_file(local_aws, endpoint, "bytes", "2024-06-07.csv")
    newer = put_file(local_aws, endpoint, "bytes", "2024-06-08.csv", NEGATIVE_ON_LINE_3)
    failed = failing(check(local_aws, config))
    assert set(failed) == {"FINOUT-CSV-001"} and newer in failed["FINOUT-CSV-001"]
    assert "2024-06-07.csv" not in failed["FINOUT-CSV-001"]
    # Fixed by a newer valid file: the old invalid one is no longer judged.
    put_file(local_aws, endpoint, "bytes", "2024-06-09.csv")
    report = check(local_aws, config)
    assert report.ok and statuses(report)["FINOUT-CSV-001"] == "pass"


@pytest.mark.moto
def test_a_file_for_another_telemetry_fails_in_this_folder(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    # Finout's example, whose telemetry column is `bytes`, stored in the `requests` folder.
    body = (CORPUS / "valid" / "finout_example.csv").read_bytes()
    key = put_file(local_aws, config.endpoints[0], "requests", "export.csv", body)
    found = result(check(local_aws, config), "FINOUT-CSV-001")
    assert found.status is Status.FAIL
    assert key in found.detail and "(folder finout/telemetry/requests/, telemetry requests)" in (
        found.detail
    )
    assert "line 1: [telemetry-column] no column is named 'requests'" in found.detail
    assert "rename the column or move the file to its telemetry's folder" in found.remediation


@pytest.mark.moto
def test_a_valid_file_with_warnings_passes_and_says_so(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    body = (CORPUS / "warnings" / "duplicate_rows.csv").read_bytes()
    key = put_file(local_aws, config.endpoints[0], "bytes", "dups.csv", body)
    found = result(check(local_aws, config), "FINOUT-CSV-001")
    assert found.status is Status.PASS
    assert f"s3://{BUCKET}/{key} has warnings that `finout-telemetry csv validate` explains." in (
        found.detail
    )


@pytest.mark.moto
def test_empty_folders_are_a_warning_naming_them(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    key = put_file(local_aws, config.endpoints[0], "bytes", "2024-06-07.csv")
    report = check(local_aws, config)
    assert report.ok
    found = result(report, "FINOUT-CSV-002")
    assert found.status is Status.WARN
    assert found.detail == (
        f"2 of 3 telemetry folders under s3://{BUCKET}/finout/telemetry/ hold no file yet: "
        "finout/telemetry/requests/ and finout/telemetry/gpu_hours/."
    )
    assert "finout-telemetry upload --endpoint main FILE" in found.remediation
    assert key not in found.detail


@pytest.mark.moto
def test_no_file_at_all_validates_nothing_and_warns(local_aws: LocalAws) -> None:
    config = make_config()
    deploy(local_aws, config)
    report = check(local_aws, config)
    assert report.ok
    assert statuses(report) == {"FINOUT-CSV-001": "pass", "FINOUT-CSV-002": "warn"}
    assert "so there was no file to validate" in result(report, "FINOUT-CSV-001").detail
    assert "3 of 3 telemetry folders" in result(report, "FINOUT-CSV-002").detail
    assert "s3:GetObject" not in report.api_calls_by_operation


@pytest.mark.moto
def test_a_file_older_than_the_maximum_age_is_a_warning(local_aws: LocalAws) -> None:
    config = make_config(endpoint_raw(telemetries=["bytes"]))
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    key = put_file(local_aws, endpoint, "bytes", "2024-06-07.csv")
    stamp = last_modified(local_aws, endpoint, key)
    later = stamp + timedelta(days=2, hours=3)
    found = result(check(local_aws, config, now=later), "FINOUT-CSV-002")
    assert found.status is Status.WARN
    when = stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert found.detail == (
        f"The newest file in 1 of 1 telemetry folders under s3://{BUCKET}/finout/telemetry/ is "
        f"older than 2 days: s3://{BUCKET}/{key} (last modified {when}, 2 days 3 hours ago)."
    )
    assert "--max-age-days" in found.remediation
    # Exactly at the limit is still fresh; a larger limit accepts it.
    at_limit = check(local_aws, config, now=stamp + timedelta(days=2))
    assert result(at_limit, "FINOUT-CSV-002").status is Status.PASS
    relaxed = check(local_aws, config, now=later, max_age_days=3)
    assert result(relaxed, "FINOUT-CSV-002").status is Status.PASS


def test_run_checks_refuses_a_bad_age_or_a_naive_now() -> None:
    config = make_config()
    target = Target("local", "http://127.0.0.1:9")  # never reached: refused before any call
    with pytest.raises(CheckUsageError, match="at least 1 day"):
        check_package.run_checks(config, target, max_age_days=0)
    with pytest.raises(CheckUsageError, match="time zone aware"):
        check_package.run_checks(config, target, now=datetime(2024, 6, 7))


@pytest.mark.moto
def test_the_reader_streams_a_body_with_one_counted_call(local_aws: LocalAws) -> None:
    config = make_config()
    endpoint = config.endpoints[0]
    deploy(local_aws, config)
    body = b'"date","bytes"\n' + b'"2024-06-07","1"\n' * 100_000
    key = put_file(local_aws, endpoint, "bytes", "big.csv", body)
    reader = AwsReader(target_of(local_aws), NO_RETRIES)
    objects = BucketObjects(reader, endpoint, endpoint.region)
    before = reader.counter.total
    sizes: list[int] = []
    with objects.stream(key) as stream:
        while chunk := stream.read(64 * 1024):
            assert len(chunk) <= 64 * 1024  # the caller's chunk size bounds what is held
            sizes.append(len(chunk))
    assert sum(sizes) == len(body) and len(sizes) > 1
    assert reader.counter.total == before + 1
    with pytest.raises(UnreadableObject, match="NoSuchKey"), objects.stream(key + ".gone"):
        pass


# Through the CLI.


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FINOUT_TELEMETRY_TARGET",
        "FINOUT_TELEMETRY_ENDPOINT_URL",
        "FINOUT_TELEMETRY_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FINOUT_TELEMETRY_MAX_AGE_DAYS", raising=False)
    monkeypatch.setenv("FINOUT_TELEMETRY_CHECK_RETRIES", "0")


@pytest.mark.moto
@pytest.mark.usefixtures("cli_env")
def test_an_invalid_file_exits_1_through_the_cli(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config()
    deploy(local_aws, config)
    key = put_file(local_aws, config.endpoints[0], "bytes", "2024-06-07.csv", NEGATIVE_ON_LINE_3)
    path = write_config(tmp_path / "telemetry.yaml", config)
    argv = ["-c", str(path), "--endpoint-url", local_aws.endpoint_url, "--format", "json"]
    code = main(["check", *argv])
    out, _ = capsys.readouterr()
    assert code == 1
    (endpoint,) = json.loads(out)["endpoints"]
    failed = [c for c in endpoint["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["FINOUT-CSV-001"]
    assert key in failed[0]["detail"] and "line 3, column 3: [positive]" in failed[0]["detail"]


@pytest.mark.moto
@pytest.mark.usefixtures("cli_env")
def test_the_cli_threads_the_maximum_age_from_the_flag_or_the_environment(
    local_aws: LocalAws,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = make_config()
    deploy(local_aws, config)
    path = write_config(tmp_path / "telemetry.yaml", config)
    real = check_package.run_checks
    seen: list[int] = []

    def spy(*args: object, **kwargs: object) -> Report:
        seen.append(int(str(kwargs["max_age_days"])))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(check_package, "run_checks", spy)
    argv = ["check", "-c", str(path), "--endpoint-url", local_aws.endpoint_url]
    assert main(argv) == 0
    assert main([*argv, "--max-age-days", "7"]) == 0
    monkeypatch.setenv("FINOUT_TELEMETRY_MAX_AGE_DAYS", "5")
    assert main(argv) == 0
    assert main([*argv, "--max-age-days", "9"]) == 0  # the flag wins over the environment
    assert seen == [2, 7, 5, 9]
    capsys.readouterr()


@pytest.mark.usefixtures("cli_env")
def test_a_bad_maximum_age_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path / "telemetry.yaml", make_config())
    argv = ["check", "-c", str(path), "--endpoint-url", "http://127.0.0.1:9"]
    for bad in ("0", "two"):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--max-age-days", bad])
        assert exit_info.value.code == 2
    monkeypatch.setenv("FINOUT_TELEMETRY_MAX_AGE_DAYS", "soon")
    assert main(argv) == 2
    assert "FINOUT_TELEMETRY_MAX_AGE_DAYS must be a whole number of days" in capsys.readouterr().err
