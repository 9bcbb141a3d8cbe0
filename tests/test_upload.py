"""`finout-telemetry upload` against a real moto server: placement, no-overwrite, verification."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import load_config
from finout_s3_telemetry.csv_files import validate_path
from finout_s3_telemetry.csv_files.digests import file_digests
from finout_s3_telemetry.csv_files.progress import MIN_SIZE, ProgressBar
from finout_s3_telemetry.csv_files.uploader import (
    PlannedUpload,
    UploadFailed,
    upload_verified,
    verify_upload,
)
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY

pytestmark = pytest.mark.moto

BUCKET = "acme-upload-test"
PREFIX = "finout/telemetry"
DAY_FILE = (
    b'"date","teamname","bytes"\n"2022-06-07","Servers","12.12"\n"2022-06-07","Storage","6.22"\n'
)
KEY = f"{PREFIX}/bytes/2022-06-07.csv"


@pytest.fixture(autouse=True)
def _no_ambient_target(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FINOUT_TELEMETRY_TARGET", "FINOUT_TELEMETRY_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


def s3(local_aws: LocalAws) -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=local_aws.endpoint_url,
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
    )


@pytest.fixture
def bucket(local_aws: LocalAws) -> Any:
    """The telemetry bucket as the stacks create it: versioned, TLS-only policy."""
    client = s3(local_aws)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    arn = f"arn:aws:s3:::{BUCKET}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    return client


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    data = {
        "finout": {"principal": "123456789012"},
        "endpoints": [
            {
                "name": "main",
                "region": "us-east-1",
                "bucket": BUCKET,
                "prefix": PREFIX,
                "external_id": "finout-ab12cd3",
                "telemetries": ["bytes", "requests"],
            }
        ],
    }
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def upload(config_path: Path, local_aws: LocalAws, *argv: str) -> int:
    return main(
        [
            "upload",
            "-c",
            str(config_path),
            "--endpoint",
            "main",
            "--endpoint-url",
            local_aws.endpoint_url,
            *argv,
        ]
    )


def keys(client: Any) -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def body(client: Any, key: str) -> bytes:
    data: bytes = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return data


def test_uploads_to_the_telemetry_folder_under_the_day(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, "today.csv", DAY_FILE)
    assert upload(config_path, local_aws, path) == 0
    assert keys(bucket) == [KEY]
    assert body(bucket, KEY) == DAY_FILE
    assert f"uploaded {path} to s3://{BUCKET}/{KEY} ({len(DAY_FILE)} bytes, SHA-256 verified)" in (
        capsys.readouterr().out
    )
    stored = bucket.head_object(Bucket=BUCKET, Key=KEY, ChecksumMode="ENABLED")
    assert stored["ChecksumSHA256"] == file_digests(Path(path)).sha256_base64
    assert stored["ContentType"] == "text/csv; charset=utf-8"


def test_an_existing_day_is_kept_unless_replace(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = write(tmp_path, "first.csv", DAY_FILE)
    second = write(tmp_path, "second.csv", DAY_FILE.replace(b"12.12", b"99"))
    assert upload(config_path, local_aws, first) == 0
    assert upload(config_path, local_aws, second) == 1
    assert f"s3://{BUCKET}/{KEY} already exists" in capsys.readouterr().err
    assert body(bucket, KEY) == DAY_FILE
    assert upload(config_path, local_aws, second, "--replace") == 0
    assert body(bucket, KEY) == Path(second).read_bytes()


def test_nothing_is_uploaded_when_one_file_is_invalid(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = write(tmp_path, "good.csv", DAY_FILE)
    bad = write(tmp_path, "bad.csv", b"date,requests\n2022-06-07,0\n")
    assert upload(config_path, local_aws, good, bad) == 1
    captured = capsys.readouterr()
    assert "bad.csv: INVALID: 1 error" in captured.out
    assert "nothing was uploaded" in captured.err
    assert keys(bucket) == []


def test_the_day_comes_from_the_rows_and_date_must_agree(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A file holding two days fits no single day's file, with --date or without.
    two_days = write(tmp_path, "two.csv", b"date,requests\n2022-06-07,1\n2022-06-08,2\n")
    assert upload(config_path, local_aws, two_days) == 1
    assert "split it into one file per day" in capsys.readouterr().err
    assert upload(config_path, local_aws, two_days, "--date", "2022-06-30") == 1
    assert "2022-06-07 and 2022-06-08" in capsys.readouterr().err
    assert keys(bucket) == []
    one_day = write(tmp_path, "one.csv", b"date,requests\n2022-06-07,1\n")
    assert upload(config_path, local_aws, one_day, "--date", "2022-06-07") == 0
    assert keys(bucket) == [f"{PREFIX}/requests/2022-06-07.csv"]
    # A file with no rows has no day of its own: --date names it.
    header_only = write(tmp_path, "header.csv", b"date,requests\n")
    assert upload(config_path, local_aws, header_only) == 2
    assert "pass --date YYYY-MM-DD" in capsys.readouterr().err
    assert upload(config_path, local_aws, header_only, "--date", "2022-06-30") == 0
    assert f"{PREFIX}/requests/2022-06-30.csv" in keys(bucket)


def test_the_telemetry_must_be_one_of_the_endpoint(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, "gpu.csv", b"date,gpu_hours\n2022-06-07,1\n")
    assert upload(config_path, local_aws, path) == 1
    assert "'gpu_hours' is not a telemetry of endpoint 'main'" in capsys.readouterr().err
    assert keys(bucket) == []


def test_a_known_telemetry_header_settles_numeric_metadata(
    local_aws: LocalAws, bucket: Any, config_path: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "shards.csv", b"date,shard,requests\n2022-06-07,1,5\n2022-06-07,2,6\n")
    assert validate_path(path).telemetry is None  # ambiguous on its own
    assert upload(config_path, local_aws, path) == 0
    assert keys(bucket) == [f"{PREFIX}/requests/2022-06-07.csv"]


def test_usage_errors_exit_2(
    local_aws: LocalAws,
    bucket: Any,
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    one = write(tmp_path, "one.csv", DAY_FILE)
    other = write(tmp_path, "other.csv", DAY_FILE)
    assert upload(config_path, local_aws, one, other) == 2
    assert "is also to be stored as" in capsys.readouterr().err
    assert upload(config_path, local_aws, str(tmp_path / "missing.csv")) == 2
    assert (
        main(
            [
                "upload",
                "-c",
                str(config_path),
                "--endpoint",
                "nope",
                "--endpoint-url",
                local_aws.endpoint_url,
                one,
            ]
        )
        == 2
    )
    with pytest.raises(SystemExit) as exit_info:
        upload(config_path, local_aws, one, "--date", "2023-02-29")
    assert exit_info.value.code == 2
    assert keys(bucket) == []


def test_a_missing_bucket_is_an_aws_error(
    local_aws: LocalAws, config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "today.csv", DAY_FILE)
    assert upload(config_path, local_aws, path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"finout-telemetry: error: local AWS at {local_aws.endpoint_url} refused")
    assert f"'{BUCKET}' (NoSuchBucket" in err
    assert "An error occurred" not in err


def planned(tmp_path: Path) -> PlannedUpload:
    path = Path(write(tmp_path, "today.csv", DAY_FILE))
    report = validate_path(path)
    assert report.single_day is not None
    return PlannedUpload(path, KEY, report.single_day, report)


def test_the_conditional_put_refuses_a_day_written_meanwhile(
    local_aws: LocalAws, bucket: Any, tmp_path: Path
) -> None:
    upload_plan = planned(tmp_path)
    bucket.put_object(Bucket=BUCKET, Key=KEY, Body=b"written by someone else")
    bar = ProgressBar("test", 0)
    with pytest.raises(UploadFailed) as failure:
        upload_verified(bucket, BUCKET, upload_plan, replace=False, bar=bar)
    assert failure.value.exists
    assert body(bucket, KEY) == b"written by someone else"
    upload_verified(bucket, BUCKET, upload_plan, replace=True, bar=bar)
    assert body(bucket, KEY) == DAY_FILE


def test_verification_catches_other_bytes(local_aws: LocalAws, bucket: Any, tmp_path: Path) -> None:
    upload_plan = planned(tmp_path)
    digests = file_digests(upload_plan.path)
    same_size = bytes(reversed(DAY_FILE))
    bucket.put_object(Bucket=BUCKET, Key=KEY, Body=same_size)
    with pytest.raises(UploadFailed, match="MD5"):
        verify_upload(bucket, BUCKET, KEY, digests)
    bucket.put_object(Bucket=BUCKET, Key=KEY, Body=DAY_FILE[:-1])
    with pytest.raises(UploadFailed, match="bytes"):
        verify_upload(bucket, BUCKET, KEY, digests)
    bucket.put_object(Bucket=BUCKET, Key=KEY, Body=DAY_FILE, ChecksumSHA256=digests.sha256_base64)
    verify_upload(bucket, BUCKET, KEY, digests)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_for_large_files_on_a_terminal() -> None:
    terminal = Terminal()
    bar = ProgressBar("uploading big.csv", MIN_SIZE, terminal)
    bar.show(MIN_SIZE // 2, force=True)
    bar.close()
    shown = terminal.getvalue()
    assert shown.startswith("\ruploading big.csv [###############...............]  50% 4/8 MiB")
    assert "[##############################] 100% 8/8 MiB" in shown
    assert shown.endswith("\n")
    for stream, size in ((io.StringIO(), MIN_SIZE), (Terminal(), MIN_SIZE - 1)):
        quiet = ProgressBar("x", size, stream)
        quiet.show(size, force=True)
        quiet.close()
        assert stream.getvalue() == ""


def test_the_config_fixture_is_valid(config_path: Path) -> None:
    assert load_config(config_path).endpoint("main").folder_key("bytes") == f"{PREFIX}/bytes/"
