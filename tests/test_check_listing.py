"""The one listing per endpoint, kept whole for later content checks (newest file per folder)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from check_helpers import NO_RETRIES, deploy, make_config, target_of
from check_provisioning import clients

from finout_s3_telemetry.check.aws import AwsReader, BucketObjects
from finout_s3_telemetry.check.snapshot import Listing, S3Object
from finout_s3_telemetry.local.moto_server import LocalAws


def at(day: int) -> datetime:
    return datetime(2024, 6, day, tzinfo=UTC)


def test_files_and_newest_file_per_folder() -> None:
    listing = Listing(
        "p/",
        (
            S3Object("p/bytes/", 0, at(1)),
            S3Object("p/bytes/2024-06-07.csv", 10, at(7)),
            S3Object("p/bytes/2024-06-08.csv", 10, at(8)),
            S3Object("p/bytes/old/2024-06-01.csv", 10, at(2)),
            S3Object("p/requests/", 0, at(1)),
        ),
    )
    assert [o.key for o in listing.files_in("p/bytes/")] == [
        "p/bytes/2024-06-07.csv",
        "p/bytes/2024-06-08.csv",
        "p/bytes/old/2024-06-01.csv",
    ]
    newest = listing.newest_in("p/bytes/")
    assert newest is not None and newest.key == "p/bytes/2024-06-08.csv"
    assert listing.newest_in("p/requests/") is None
    assert "p/requests/" in listing.keys


@pytest.mark.moto
def test_the_snapshot_keeps_the_objects_and_the_reader_reads_them(local_aws: LocalAws) -> None:
    config = make_config()
    endpoint = config.endpoints[0]
    target = deploy(local_aws, config)
    s3, _ = clients(target, endpoint.region)
    key = "finout/telemetry/bytes/2024-06-07.csv"
    s3.put_object(Bucket=endpoint.bucket, Key=key, Body=b'"date","bytes"\n"2024-06-07","12.12"\n')
    reader = AwsReader(target_of(local_aws), NO_RETRIES)
    snapshot = reader.fetch(endpoint)
    assert snapshot.listing is not None and snapshot.listing.is_found
    newest = snapshot.listing.get().newest_in("finout/telemetry/bytes/")
    assert newest is not None and newest.key == key and newest.size > 0
    assert newest.last_modified.tzinfo is not None
    before = reader.counter.total
    head = BucketObjects(reader, endpoint, endpoint.region).read(key, 14)
    assert head == b'"date","bytes"'
    assert reader.counter.total == before + 1
