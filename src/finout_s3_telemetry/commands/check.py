"""`finout-telemetry check`: verify the live account against the config, endpoint by endpoint."""

from __future__ import annotations

import argparse
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    add_target_options,
    error,
    load_or_report,
    target_or_report,
)

# Same as check.retry.RETRIES_ENV and check.max_age.MAX_AGE_ENV, repeated so that `--help` does
# not import boto3.
RETRIES_ENV = "FINOUT_TELEMETRY_CHECK_RETRIES"
MAX_AGE_ENV = "FINOUT_TELEMETRY_MAX_AGE_DAYS"


def _retries(value: str) -> int:
    try:
        retries = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if retries < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return retries


def _max_age_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return days


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="verify the deployed endpoints against the config",
        description="Check each endpoint's bucket, folders, role, trust policy, inline policy, "
        "effective access, (for created buckets) secure defaults, and the newest file in each "
        "telemetry folder: valid, and not older than --max-age-days. Exit 0 when every check "
        "passes (warnings allowed), 1 when one fails, 2 for a config or usage error or when AWS "
        "cannot be reached.",
    )
    add_config_option(parser)
    add_target_options(parser)
    parser.add_argument(
        "--endpoint",
        action="append",
        metavar="NAME",
        help="check only this endpoint (repeatable; default: every endpoint)",
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    parser.add_argument(
        "--retries",
        type=_retries,
        metavar="N",
        help="retries for IAM's eventual consistency and network errors, with backoff "
        f"0.5, 1, 2, 4 s (default: ${RETRIES_ENV}, else 3)",
    )
    parser.add_argument(
        "--max-age-days",
        type=_max_age_days,
        metavar="N",
        help="warn when a telemetry folder's newest file is older than N days "
        f"(default: ${MAX_AGE_ENV}, else 2)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    target = target_or_report(args)
    if config is None or target is None:
        return 2
    # Imported here so other subcommands do not pay for boto3.
    from finout_s3_telemetry.check import (
        AwsUnavailable,
        CheckUsageError,
        RetryPolicy,
        render,
        run_checks,
    )
    from finout_s3_telemetry.check.max_age import max_age_from_environment
    from finout_s3_telemetry.check.retry import retries_from_environment

    try:
        retries = args.retries if args.retries is not None else retries_from_environment()
        max_age = args.max_age_days or max_age_from_environment()
    except ValueError as problem:
        error(str(problem))
        return 2
    try:
        report = run_checks(
            config,
            target,
            args.endpoint,
            retry=RetryPolicy(retries=retries),
            max_age_days=max_age,
        )
    except CheckUsageError as problem:
        error(str(problem))
        return 2
    except AwsUnavailable as problem:
        error(f"nothing was checked: {problem}")
        return 2
    print(render(report, args.format))
    return 0 if report.ok else 1
