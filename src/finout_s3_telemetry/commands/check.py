"""`finout-telemetry check`: verify the live account against the config, endpoint by endpoint."""

from __future__ import annotations

import argparse
import os
import unicodedata
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    add_target_options,
    error,
    load_or_report,
    target_or_report,
)
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.targets import ENDPOINT_URL_ENV, Target
from finout_s3_telemetry.terminal_text import is_invisible, printable, quoted

# Same as check.retry.RETRIES_ENV / MAX_RETRIES, check.max_age.MAX_AGE_ENV / MAX_MAX_AGE_DAYS
# and check.runner.DEFAULT_JOBS / MAX_JOBS, repeated so that `--help` and argparse's checks do
# not import boto3 (importing anything under finout_s3_telemetry.check does). A test holds them
# equal.
RETRIES_ENV = "FINOUT_TELEMETRY_CHECK_RETRIES"
MAX_AGE_ENV = "FINOUT_TELEMETRY_MAX_AGE_DAYS"
DEFAULT_RETRIES = 3
MAX_RETRIES = 10
DEFAULT_MAX_AGE_DAYS = 2
MAX_MAX_AGE_DAYS = 366
DEFAULT_JOBS = 8
MAX_JOBS = 64
ENDPOINT_URL_LIMIT = 2048
"""Longer than any URL a local emulator has; a longer value is a mistake (or an attack)."""


def _whole_number(value: str, lowest: int, highest: int, unit: str, default: int) -> int:
    """`value` as a whole number in [lowest, highest], or an ArgumentTypeError whose one line
    (after argparse's `argument --flag: `) says what is wrong and the fix."""
    fix = f"pass {unit} from {lowest} to {highest} (default {default})"
    try:
        number = int(value)
    except ValueError:
        # int() also refuses a number of over 4300 digits; the value is shortened when shown.
        raise argparse.ArgumentTypeError(f"{quoted(value)} is not a whole number; {fix}") from None
    if not lowest <= number <= highest:
        bound = f"at least {lowest}" if number < lowest else f"at most {highest}"
        raise argparse.ArgumentTypeError(f"must be {bound} (got {quoted(value, 20)}); {fix}")
    return number


def _retries(value: str) -> int:
    return _whole_number(value, 0, MAX_RETRIES, "a number", DEFAULT_RETRIES)


def _max_age_days(value: str) -> int:
    return _whole_number(value, 1, MAX_MAX_AGE_DAYS, "a number of days", DEFAULT_MAX_AGE_DAYS)


def _jobs(value: str) -> int:
    return _whole_number(value, 1, MAX_JOBS, "a number", DEFAULT_JOBS)


def _endpoint_url_problem(url: str) -> str:
    """Why the local target's URL cannot be used, or an empty string. botocore accepts escape
    sequences in it and would print them back in its errors."""
    if len(url) > ENDPOINT_URL_LIMIT:
        return f"is {len(url):,} characters long (at most {ENDPOINT_URL_LIMIT:,})"
    invisible = next((char for char in url if is_invisible(char) or char.isspace()), None)
    if invisible is None:
        return ""
    what = unicodedata.name(invisible, "a control character")
    return (
        f"holds the character {printable(invisible)} ({what}, at position {url.index(invisible)})"
    )


def _target(args: argparse.Namespace) -> Target | None:
    """The target, or None after one line on stderr naming the flag or variable and the fix."""
    given = args.endpoint_url or os.environ.get(ENDPOINT_URL_ENV) or ""
    name = "--endpoint-url" if args.endpoint_url else f"${ENDPOINT_URL_ENV}"
    try:
        target = target_or_report(args)
    except ValueError as refused:
        # urllib's own refusals (e.g. "Invalid IPv6 URL"), which the target's checks let through.
        error(
            f"{name} {quoted(given)} is not a URL ({printable(str(refused))}); pass the emulator's "
            "URL, for example http://127.0.0.1:5000"
        )
        return None
    problem = _endpoint_url_problem(target.endpoint_url or "") if target is not None else ""
    if problem:
        error(
            f"{name} {quoted(given)} {problem}; pass the emulator's URL, for example "
            "http://127.0.0.1:5000"
        )
        return None
    return target


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="verify the deployed endpoints against the config",
        description="Check each endpoint's bucket, folders, role, trust policy, inline policy, "
        "effective access, (for created buckets) secure defaults, and the newest file in each "
        "telemetry folder: valid, and not older than --max-age-days. An endpoint of one of the "
        "config's accounts is checked with that account's check role (else its deploy role), "
        "assumed once per account. Exit 0 when every check "
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
        f"0.5, 1, 2, 4 s; at most {MAX_RETRIES} (default: ${RETRIES_ENV}, else "
        f"{DEFAULT_RETRIES})",
    )
    parser.add_argument(
        "--max-age-days",
        type=_max_age_days,
        metavar="N",
        help="warn when a telemetry folder's newest file is older than N days, at most "
        f"{MAX_MAX_AGE_DAYS} (default: ${MAX_AGE_ENV}, else {DEFAULT_MAX_AGE_DAYS})",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=DEFAULT_JOBS,
        metavar="N",
        help="accounts of the config checked at once, the endpoints of one account one after "
        f"the other; 1 to {MAX_JOBS} (default: {DEFAULT_JOBS})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    target = _target(args)
    if config is None or target is None:
        return ExitCode.USAGE
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
        error(printable(str(problem)))
        return ExitCode.USAGE
    try:
        report = run_checks(
            config,
            target,
            args.endpoint,
            retry=RetryPolicy(retries=retries),
            max_age_days=max_age,
            jobs=args.jobs,
        )
    except CheckUsageError as problem:
        error(printable(str(problem)))
        return ExitCode.USAGE
    except AwsUnavailable as problem:
        # Exit 2, never 1: CI reads 1 as drift, and here nothing was checked at all.
        error(printable(f"nothing was checked: {problem}"))
        return ExitCode.USAGE
    print(render(report, args.format))
    return ExitCode.OK if report.ok else ExitCode.PROBLEMS
