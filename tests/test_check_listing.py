"""The listing of an endpoint's telemetry folders, kept whole for the content checks (newest file
per folder), in calls that follow the folders and their files, not the bucket's other objects."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from check_helpers import NO_RETRIES, check, deploy, endpoint_raw, make_config, result, target_of
from check_provisioning import clients

from finout_s3_telemetry.check.aws import AwsReader, BucketObjects
from finout_s3_telemetry.check.folder_listing import BEFORE_FOLDER, FolderWalk, Request
from finout_s3_telemetry.check.snapshot import Listing, S3Object
from finout_s3_telemetry.config.model import EndpointConfig
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


# The listing follows the telemetry folders, whatever else the bucket holds.

WALKED = ["bytes", "requests", "telemetry"]


def unrelated_keys() -> list[str]:
    """3,000 keys of no telemetry, before, between and after the folders, most of them sorting
    right around a folder's name (`telemetry!`, `telemetry-x/`, `bytes.csv`, `requests0/`), and
    1,050 of the rare keys that sort between where a jump lands and its folder."""
    around = [
        f"{name}{tail}" for name in WALKED for tail in ("!", "-x/", "-old/", ".csv", "0/", "_v2/")
    ]
    roots = ["a/", "archive/2023/", "c-", "gpu/", "s/", "zz/", *around]
    keys = [f"{root}{n:04d}" for n in range(1950 // len(roots) + 1) for root in roots][:1950]
    return keys + [f"telemetry{BEFORE_FOLDER}{n:04d}" for n in range(1050)]


def put_all(s3: Any, bucket: str, keys: list[str]) -> None:
    with ThreadPoolExecutor(10) as pool:  # botocore's pool holds 10 connections
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=b"x"), keys))


def listed(reader: AwsReader, endpoint: EndpointConfig) -> tuple[list[S3Object], int]:
    """The checker's listing of `endpoint`'s folders and the ListObjectsV2 calls it took."""
    before = reader.counter.by_operation["s3:ListObjectsV2"]
    snapshot = reader.fetch(endpoint)
    assert snapshot.listing is not None and snapshot.listing.is_found, snapshot.listing
    calls = reader.counter.by_operation["s3:ListObjectsV2"] - before
    return list(snapshot.listing.get().objects), calls


def unbounded(s3: Any, endpoint: EndpointConfig) -> tuple[list[S3Object], int]:
    """The folders' objects from a listing of the whole bucket, and its number of pages."""
    folders = tuple(endpoint.folder_keys.values())
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=endpoint.bucket))
    objects = [
        S3Object(item["Key"], item["Size"], item["LastModified"], item["ETag"])
        for page in pages
        for item in page.get("Contents", [])
        if item["Key"].startswith(folders)
    ]
    return objects, len(pages)


@pytest.mark.moto
def test_other_objects_in_a_bucket_without_prefix_cost_no_calls(local_aws: LocalAws) -> None:
    config = make_config(endpoint_raw(prefix=None, existing_bucket=True, telemetries=WALKED))
    endpoint = config.endpoints[0]
    target = deploy(local_aws, config)
    s3, _ = clients(target, endpoint.region)
    put_all(s3, endpoint.bucket, [f"bytes/2024-06-{n:04d}.csv" for n in range(1200)])
    put_all(s3, endpoint.bucket, ["bytes/deep/er/a.csv"])
    s3.delete_object(Bucket=endpoint.bucket, Key="requests/")  # files, no marker
    put_all(s3, endpoint.bucket, ["requests/2024-06-07.csv"])
    reader = AwsReader(target, NO_RETRIES)
    alone, calls_alone = listed(reader, endpoint)
    assert (alone, calls_alone) == unbounded(s3, endpoint)  # 1,204 keys: the same two pages
    assert len(alone) == 1204
    report_alone = check(local_aws, config)

    put_all(s3, endpoint.bucket, unrelated_keys())
    asked: list[dict[str, Any]] = []
    reader.client("s3", endpoint.region).meta.events.register(
        "provide-client-params.s3.ListObjectsV2", lambda params, **_: asked.append(dict(params))
    )
    crowded, calls = listed(reader, endpoint)
    everything, pages = unbounded(s3, endpoint)
    assert crowded == everything == alone
    # One call per folder plus one per 1,000 keys in them, where listing everything takes 5.
    limit = len(WALKED) + len(crowded) // 1000
    assert calls <= limit < pages, (calls, limit, pages, asked)
    # A page ending among the 1,050 keys just before telemetry/ made it listed by its own prefix.
    assert [(a["Prefix"], a.get("StartAfter")) for a in asked][-1] == ("telemetry/", None)
    report = check(local_aws, config)
    assert report.endpoints[0].results == report_alone.endpoints[0].results
    assert result(report, "FINOUT-S3-003").status.value == "warn"  # requests/ has no marker


@pytest.mark.moto
def test_a_bucket_holding_only_its_folders_is_listed_in_one_call(local_aws: LocalAws) -> None:
    config = make_config(endpoint_raw(prefix=None, existing_bucket=True, telemetries=WALKED))
    endpoint = config.endpoints[0]
    target = deploy(local_aws, config)
    s3, _ = clients(target, endpoint.region)
    put_all(s3, endpoint.bucket, [f"{t}/2024-06-{n:02d}.csv" for t in WALKED for n in range(1, 31)])
    objects, calls = listed(AwsReader(target, NO_RETRIES), endpoint)
    assert len(objects) == len(WALKED) * 31 and calls == 1


def test_a_walk_goes_from_folder_to_folder() -> None:
    walk = FolderWalk("p/", ["p/b/", "p/a/"])
    first = walk.first()
    assert first == Request("p/", "p/a" + BEFORE_FOLDER)
    assert first.arguments() == {"Prefix": "p/", "StartAfter": "p/a" + BEFORE_FOLDER}
    # A page ending inside a folder goes on from its last key.
    assert walk.after(first, True, "p/a/x") == Request("p/", "p/a/x")
    # One ending between folders jumps to just before the next folder.
    assert walk.after(first, True, "p/a0/zzz") == Request("p/", "p/b" + BEFORE_FOLDER)
    # Past the last folder, or at the end of the prefix, the walk ends.
    assert walk.after(first, True, "p/b0") is None
    assert walk.after(first, False, "p/a/x") is None
    # Among the keys between a jump's landing and the folder: the folder's own prefix, and after
    # it the next folder.
    landing = Request("p/", "p/b" + BEFORE_FOLDER)
    own = walk.after(landing, True, "p/b" + BEFORE_FOLDER + "z")
    assert own == Request("p/b/", "", "p/b/") and own.arguments() == {"Prefix": "p/b/"}
    assert walk.after(own, True, "p/b/k") == Request("p/b/", "p/b/k", "p/b/")
    assert walk.after(Request("p/", "", "p/a/"), False, None) == Request(
        "p/", "p/b" + BEFORE_FOLDER
    )
    assert walk.after(own, False, None) is None
    assert [walk.holds(k) for k in ("p/a/", "p/a/x/y", "p/a", "p/a!", "p/b0/", "p/")] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("truncated", "last_key"),
    [(True, None), (True, "p/a"), (True, "q/b/x")],
    ids=["truncated-but-empty", "before-start", "outside-the-prefix"],
)
def test_a_page_no_s3_sends_ends_the_walk_with_an_error(
    truncated: bool, last_key: str | None
) -> None:
    walk = FolderWalk("p/", ["p/a/", "p/b/"])
    with pytest.raises(ValueError, match="ListObjectsV2"):
        walk.after(walk.first(), truncated, last_key)
