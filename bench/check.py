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

    .venv/bin/python bench/check.py [--endpoints 10] [--telemetries 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from finout_s3_telemetry.check import Report, RetryPolicy, Status, run_checks
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

# The boto3 provisioning of endpoints is test code (tests/check_provisioning.py), not the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from check_provisioning import provision

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


def timed_check(config: Config, target: Target) -> tuple[Report, float]:
    started = time.perf_counter()
    report = run_checks(config, target, retry=RetryPolicy(retries=0))
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
        f"  API calls total     {report.api_calls} (incl. 1 sts:GetCallerIdentity and 1 "
        "organizations:DescribeOrganization)"
    )
    print(f"  API calls/endpoint  {', '.join(map(str, per_endpoint))}")
    operations = ", ".join(f"{op} {n}" for op, n in sorted(report.api_calls_by_operation.items()))
    print(f"  by operation        {operations}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--telemetries", type=int, default=100)
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


if __name__ == "__main__":
    main()
