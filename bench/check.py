"""Bench `finout-telemetry check`: 10 endpoints x 100 telemetries on a local moto server.

Provisions every endpoint with boto3 (separate buckets, one role per endpoint), runs the checker
in-process and prints the wall time and AWS API calls, in total and per endpoint. Runs again with
10 telemetries per endpoint to show that the calls per endpoint do not depend on the number of
telemetries. Prints figures only; the target for the 10 x 100 check is 3 s or less.

The folders stay empty (no CSV file is uploaded), so the content checks read no object:
FINOUT-CSV-001 has nothing to validate and FINOUT-CSV-002 warns on every endpoint. A third run
uses SSE-KMS endpoints whose folders hold files: each non-empty folder adds one HeadObject and one
GetObject of its newest file, each endpoint's key one DescribeKey and one GetKeyPolicy; the run
is repeated after more files are added, to show the calls do not grow with the files.

Then, on an emulator serving every account (moto without a pinned account), 50 accounts x 4
endpoints x 20 telemetries: each account's check role is created in that account, and the checker
assumes it, checking 8 accounts at once (`--jobs`), then one at a time for the ratio; the
target is 5 s or less, the calls per endpoint those of the single-account runs, plus one
sts:AssumeRole (and one sts:GetCallerIdentity and organizations:DescribeOrganization) per
account. Last, an existing
bucket without prefix, checked before and after 10,000 unrelated objects are added to it, first
before and after its folders, then between every two of them: the folders' listing costs the
same calls as without them, and never more than one per folder.

    .venv/bin/python bench/check.py [--endpoints 10] [--telemetries 100] [--accounts 50]
        [--unrelated 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from finout_s3_telemetry.check import Report, RetryPolicy, Status, run_checks
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.config.load import parse_config
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

# The boto3 provisioning of endpoints is test code (tests/check_provisioning.py), not the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from check_provisioning import client, provision

REGIONS = ("us-east-1", "eu-west-1")


def bench_config(endpoints: int, telemetries: int, *, kms: bool = False) -> Config:
    tag = f"{'k' if kms else 't'}{telemetries}"

    def endpoint(index: int) -> dict[str, Any]:
        return {
            "name": f"{tag}-ep{index:02d}",
            "region": REGIONS[index % len(REGIONS)],
            "bucket": f"bench-{tag}-ep{index:02d}",
            "prefix": "finout/telemetry",
            "external_id": f"finout-bench{index:02d}",
            "role_name": f"FinoutBenchRole-{tag}-{index:02d}",
            "telemetries": [f"metric_{n:03d}" for n in range(telemetries)],
            **({"encryption": "sse-kms", "kms_key": "create"} if kms else {}),
        }

    return Config.model_validate(
        {
            "finout": {"principal": "123456789012"},
            "endpoints": [endpoint(i) for i in range(endpoints)],
        }
    )


def add_files(config: Config, target: Target, count: int) -> None:
    """`count` small valid CSV files in every folder (each newer than the last)."""
    for endpoint in config.endpoints:
        s3 = target.client("s3", endpoint.region)
        for telemetry in endpoint.telemetries:
            for n in range(count):
                body = f'"date","{telemetry}"\n"2024-06-07","{n + 1}"\n'.encode()
                key = f"{endpoint.folder_key(telemetry)}export-{time.time_ns()}.csv"
                s3.put_object(Bucket=endpoint.bucket, Key=key, Body=body)


def accounts_config(accounts: int, per_account: int, telemetries: int) -> Config:
    """`accounts` accounts of `per_account` endpoints each, as a user writes it (the loader
    gives each endpoint its account's id)."""

    def account(index: int) -> dict[str, Any]:
        account_id = f"{100000000000 + index:012d}"
        return {
            "account_id": account_id,
            "deploy_role_arn": f"arn:aws:iam::{account_id}:role/finout-telemetry-deploy",
            "check_role_arn": f"arn:aws:iam::{account_id}:role/ci/finout-telemetry-check",
        }

    def endpoint(index: int, number: int) -> dict[str, Any]:
        return {
            "name": f"acct{index:02d}-ep{number}",
            "account": f"acct{index:02d}",
            "region": REGIONS[number % len(REGIONS)],
            "bucket": f"bench-acct{index:02d}-ep{number}",
            "prefix": "finout/telemetry",
            "external_id": f"finout-bench{index:02d}{number}",
            "role_name": f"FinoutBenchRole-{number}",
            "telemetries": [f"metric_{n:03d}" for n in range(telemetries)],
        }

    raw = {
        "finout": {"principal": "123456789012"},
        "accounts": {f"acct{index:02d}": account(index) for index in range(accounts)},
        "endpoints": [
            endpoint(index, number) for index in range(accounts) for number in range(per_account)
        ],
    }
    return parse_config(json.dumps(raw))


def provision_accounts(config: Config, target: Target) -> None:
    """Each account's endpoints in that account, accounts side by side (the emulator serves
    requests in threads)."""
    names = list(config.accounts)

    def one(name: str) -> None:
        provision(config, target, [e.name for e in config.endpoints if e.account == name])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, names))


def put_unrelated(target: Target, bucket: str, keys: list[str]) -> None:
    s3 = client(target, "s3", "us-east-1")
    with ThreadPoolExecutor(10) as pool:  # botocore keeps 10 connections per client
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=b"x"), keys))


def listings(report: Report) -> int:
    return report.api_calls_by_operation.get("s3:ListObjectsV2", 0)


def bench_unrelated_objects(target: Target, count: int) -> None:
    """An existing bucket without prefix, checked as it is, after `count` unrelated objects
    sort before and after its folders, and after a fifth as many more sort between every two
    (beside each folder's name)."""
    raw = {
        "finout": {"principal": "123456789012"},
        "endpoints": [
            {
                "name": "data-lake",
                "region": "us-east-1",
                "bucket": "bench-data-lake",
                "existing_bucket": True,
                "external_id": "finout-d4t4l4k",
                "telemetries": [f"metric_{n:03d}" for n in range(20)],
            }
        ],
    }
    config = parse_config(json.dumps(raw))
    provision(config, target)
    alone, alone_seconds = timed_check(config, target)
    # `exports/...`, `logs/...` sort before the folders, `raw/...` after them.
    outside = [
        f"{root}/{n:05d}.parquet"
        for n in range(count // 3 + 1)
        for root in ("exports", "logs", "raw")
    ]
    put_unrelated(target, "bench-data-lake", outside[:count])
    around, around_seconds = timed_check(config, target)
    # `metric_004-old/...`, `metric_004.csv`, `metric_0040/...`: right beside each folder.
    folders = config.endpoints[0].telemetries
    between = [
        f"{folder}{tail}{n:04d}"
        for n in range(count // 5 // (3 * len(folders)) + 1)
        for folder in folders
        for tail in ("-old/", ".csv.", "0/")
    ]
    put_unrelated(target, "bench-data-lake", between[: count // 5])
    spread, spread_seconds = timed_check(config, target)
    s3 = client(target, "s3", "us-east-1")
    pages = len(list(s3.get_paginator("list_objects_v2").paginate(Bucket="bench-data-lake")))
    print(
        f"\ncheck: an existing bucket without prefix, 20 telemetries, {count:,} unrelated objects"
    )
    for title, report, seconds in (
        ("folders alone", alone, alone_seconds),
        (f"+ {count:,} before and after the folders", around, around_seconds),
        (f"+ {count // 5:,} more between every two folders", spread, spread_seconds),
    ):
        (endpoint,) = report.endpoints
        print(
            f"  {title:<42} {listings(report)} ListObjectsV2, {endpoint.api_calls} calls, "
            f"{seconds:.2f} s"
        )
    print(
        f"  listing the whole bucket takes {pages} ListObjectsV2 calls; the folders' listing "
        f"at most {len(folders)} (one per folder) and never more than the whole"
    )


def bench_accounts(
    accounts: int, per_account: int, telemetries: int
) -> tuple[Report, float, float, float]:
    """The check with 8 accounts at once and with one at a time: (the report, its wall time, the
    checker's own CPU time, the wall time one at a time). On a machine of few cores the
    emulator's CPU and the checker's bound the wall time, so the ratio is the figure to read."""
    with LocalAws(account_id=None) as aws:
        target = Target("local", aws.endpoint_url)
        config = accounts_config(accounts, per_account, telemetries)
        started = time.perf_counter()
        provision_accounts(config, target)
        print(
            f"\nprovisioned {accounts} accounts x {per_account} endpoints x {telemetries} "
            f"telemetries in {time.perf_counter() - started:.1f} s (moto serving every account)"
        )
        cpu = time.process_time()
        report, seconds = timed_check(config, target, jobs=8)
        cpu = time.process_time() - cpu
        _, one_at_a_time = timed_check(config, target, jobs=1)
        return report, seconds, cpu, one_at_a_time


def timed_check(config: Config, target: Target, jobs: int = 8) -> tuple[Report, float]:
    started = time.perf_counter()
    report = run_checks(config, target, retry=RetryPolicy(retries=0), jobs=jobs)
    return report, time.perf_counter() - started


def print_report(title: str, report: Report, seconds: float) -> None:
    per_endpoint = [e.api_calls for e in report.endpoints]
    results = sum(len(e.results) for e in report.endpoints)
    warned = sorted({r.id for e in report.endpoints for r in e.results if r.status is Status.WARN})
    print(f"\n{title}")
    print(f"  wall time           {seconds:.2f} s")
    print(f"  no check failed     {report.ok} ({results} results)")
    print(f"  warnings            {report.count(Status.WARN)} ({', '.join(warned) or 'none'})")
    print(
        f"  API calls total     {report.api_calls} (incl. per account 1 sts:GetCallerIdentity, "
        "1 organizations:DescribeOrganization and, for an account of the config, 1 "
        "sts:AssumeRole)"
    )
    if len(per_endpoint) > 20:
        tally = Counter(per_endpoint)
        shown = ", ".join(f"{calls} ({tally[calls]} endpoints)" for calls in sorted(tally))
    else:
        shown = ", ".join(map(str, per_endpoint))
    print(f"  API calls/endpoint  {shown}")
    operations = ", ".join(f"{op} {n}" for op, n in sorted(report.api_calls_by_operation.items()))
    print(f"  by operation        {operations}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--telemetries", type=int, default=100)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--unrelated", type=int, default=10_000)
    args = parser.parse_args()
    small_count = max(1, args.telemetries // 10)
    with LocalAws() as aws:
        target = Target("local", aws.endpoint_url)
        big = bench_config(args.endpoints, args.telemetries)
        small = bench_config(args.endpoints, small_count)
        started = time.perf_counter()
        provision(big, target)
        provision(small, target)
        print(
            f"provisioned {args.endpoints} x {args.telemetries} and {args.endpoints} x "
            f"{small_count} endpoints with boto3 in {time.perf_counter() - started:.1f} s "
            f"(moto at {aws.endpoint_url})"
        )
        big_report, big_seconds = timed_check(big, target)
        small_report, small_seconds = timed_check(small, target)
        encrypted = bench_config(args.endpoints, small_count, kms=True)
        provision(encrypted, target)
        add_files(encrypted, target, 1)
        one_file, one_file_seconds = timed_check(encrypted, target)
        add_files(encrypted, target, 5)
        more_files, more_files_seconds = timed_check(encrypted, target)
    print_report(
        f"check: {args.endpoints} endpoints x {args.telemetries} telemetries (target <= 3 s)",
        big_report,
        big_seconds,
    )
    print_report(
        f"check: {args.endpoints} endpoints x {small_count} telemetries",
        small_report,
        small_seconds,
    )
    reads = sum(r.api_calls_by_operation.get("s3:GetObject", 0) for r in (big_report, small_report))
    big_calls = {e.api_calls for e in big_report.endpoints}
    small_calls = {e.api_calls for e in small_report.endpoints}
    print(
        f"\ncalls per endpoint: {sorted(small_calls)} with {small_count} telemetries, "
        f"{sorted(big_calls)} with {args.telemetries} telemetries "
        f"({'independent of' if big_calls == small_calls else 'DEPENDENT ON'} the telemetry count; "
        f"the folders are empty, so s3:GetObject ran {reads} times)"
    )
    print_report(
        f"check: {args.endpoints} SSE-KMS endpoints x {small_count} telemetries, 1 file per folder",
        one_file,
        one_file_seconds,
    )
    print_report(
        "check: the same with 6 files per folder",
        more_files,
        more_files_seconds,
    )
    before = sorted({e.api_calls for e in one_file.endpoints})
    after = sorted({e.api_calls for e in more_files.endpoints})
    print(
        f"\ncalls per SSE-KMS endpoint: {before} with 1 file per folder, {after} with 6 "
        f"({'independent of' if before == after else 'DEPENDENT ON'} the number of files)"
    )
    per_account = 4
    accounts, accounts_seconds, cpu, sequential = bench_accounts(args.accounts, per_account, 20)
    print_report(
        f"check: {args.accounts} accounts x {per_account} endpoints x 20 telemetries, "
        "8 accounts at once (target <= 5 s)",
        accounts,
        accounts_seconds,
    )
    print(f"  checker CPU time    {cpu:.2f} s ({cpu / accounts.api_calls * 1000:.1f} ms per call)")
    print(
        f"  one at a time       {sequential:.2f} s ({sequential / accounts_seconds:.1f}x the "
        "time of 8 at once)"
    )
    single = sorted(big_calls | small_calls)
    each = sorted({e.api_calls for e in accounts.endpoints})
    operations = accounts.api_calls_by_operation
    print(
        f"\ncalls per endpoint: {each} across {args.accounts} accounts, {single} in one account "
        f"({'the same' if each == single else 'NOT THE SAME'}); per account "
        f"{operations.get('sts:AssumeRole', 0) / args.accounts:g} sts:AssumeRole, "
        f"{operations.get('sts:GetCallerIdentity', 0) / args.accounts:g} "
        "sts:GetCallerIdentity, "
        f"{operations.get('organizations:DescribeOrganization', 0) / args.accounts:g} "
        "organizations:DescribeOrganization"
    )
    with LocalAws() as aws:
        bench_unrelated_objects(Target("local", aws.endpoint_url), args.unrelated)


if __name__ == "__main__":
    main()
