"""Run every check for the selected endpoints: read AWS once per endpoint, then judge.

The accounts of the config are checked side by side (`jobs` at a time), each with its own
session and reader; the endpoints of one account one after the other, sharing what is read once
per account (the caller's identity, the organisation and its SCPs, KMS keys).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from finout_s3_telemetry.account_sessions import (
    AccountSessions,
    RolesRefused,
    UnusableEndpoint,
    assume_roles,
    by_account,
)
from finout_s3_telemetry.check.access_answers import AccessInputs, evaluate_access
from finout_s3_telemetry.check.aws import UNEXPECTED_ANSWER, AwsReader, BucketObjects
from finout_s3_telemetry.check.calls import CallCounter
from finout_s3_telemetry.check.checks import ALL_CHECKS
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.errors import (
    AwsUnavailable,
    CheckUsageError,
    classify,
    classify_first_call,
    error_text,
    is_aws_error_code,
)
from finout_s3_telemetry.check.finout_session import base_context
from finout_s3_telemetry.check.max_age import DEFAULT_MAX_AGE_DAYS, max_age_problem
from finout_s3_telemetry.check.model import EndpointReport, Report
from finout_s3_telemetry.check.probes import access_probes
from finout_s3_telemetry.check.registry import CheckSpec
from finout_s3_telemetry.check.retry import RetryPolicy, retries_problem
from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terminal_text import printable, quoted, shorten

T = TypeVar("T")
DEFAULT_JOBS = 8
MAX_JOBS = 64
"""Accounts checked at once, at most: more threads would mostly wait on AWS's request
throttling (IAM's first)."""
NAMES_SHOWN = 10
"""Endpoint names listed in a message before the rest are counted."""


def _names(names: Sequence[str]) -> str:
    """`a, b, c and 3 more`: each name escaped and shortened, as a name given on the command
    line can hold anything, at any length, any number of times."""
    shown = [printable(shorten(name)) if name.strip() else repr(name) for name in names]
    if len(shown) > NAMES_SHOWN:
        return ", ".join(shown[:NAMES_SHOWN]) + f" and {len(shown) - NAMES_SHOWN} more"
    return ", ".join(shown)


def _number(value: int) -> str:
    try:
        return shorten(f"{value:,}", 24)
    except ValueError:  # over 4300 digits: Python refuses to write it out
        return "a number of thousands of digits"


def select_endpoints(config: Config, names: Sequence[str] | None) -> list[EndpointConfig]:
    if not names:
        return list(config.endpoints)
    known = {e.name for e in config.endpoints}
    unknown = list(dict.fromkeys(n for n in names if n not in known))
    if unknown:
        raise CheckUsageError(
            f"no endpoint named {_names(unknown)}; the config has: {_names(sorted(known))}; "
            "pass one of those with --endpoint, or leave it out to check every endpoint"
        )
    return [e for e in config.endpoints if e.name in set(names)]


def jobs_problem(jobs: int) -> str | None:
    """Why `jobs` accounts cannot be checked at once, or None."""
    if jobs < 1:
        return "must be at least 1"
    if jobs > MAX_JOBS:
        return f"must be at most {MAX_JOBS}"
    return None


def run_checks(
    config: Config,
    target: Target,
    endpoint_names: Sequence[str] | None = None,
    *,
    retry: RetryPolicy | None = None,
    checks: Sequence[CheckSpec] = ALL_CHECKS,
    reader: AwsReader | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    now: datetime | None = None,
    jobs: int = DEFAULT_JOBS,
) -> Report:
    """Check the live accounts against `config`. Raises AwsUnavailable when AWS cannot be asked
    (no credentials, rejected credentials, unreachable endpoint, a role of the config's accounts
    that cannot be assumed) and CheckUsageError for an unknown endpoint name or a bad
    `max_age_days`/`now`/`jobs`; a drifted resource is a failed result, never an exception.
    `now` (time zone aware, default: the clock at the start) is what file ages are judged
    against, so tests need not wait. `jobs` accounts are checked at once, the endpoints of one
    account one after the other; `reader` reads the endpoints of no account."""
    endpoints = select_endpoints(config, endpoint_names)
    if problem := max_age_problem(max_age_days):
        unit = "day" if problem.endswith(" 1") else "days"
        raise CheckUsageError(
            f"the maximum file age {problem} {unit} (got {_number(max_age_days)})"
        )
    if retry is not None and (problem := retries_problem(retry.retries)):
        raise CheckUsageError(f"the number of retries {problem} (got {_number(retry.retries)})")
    if too_many := jobs_problem(jobs):
        raise CheckUsageError(f"the number of jobs {too_many} (got {_number(jobs)})")
    if now is not None and now.tzinfo is None:
        raise CheckUsageError("`now` must be time zone aware, e.g. datetime.now(UTC)")
    # One moment for the whole run, so every endpoint judges file ages alike.
    moment = now or datetime.now(UTC)
    retry = retry or RetryPolicy()
    counter = reader.counter if reader is not None else CallCounter()
    sessions = _assume_roles(config, endpoints, target, retry, counter, jobs)
    groups = by_account(endpoints)

    def check_account(name: str | None) -> tuple[str, list[EndpointReport]]:
        group_reader = reader if name is None and reader is not None else None
        group_reader = group_reader or AwsReader(target, retry, counter, sessions.by_account[name])
        members = groups[name]
        account = group_reader.caller_account(members[0].region)
        reports = []
        for endpoint in members:
            with counter.scope(endpoint.name):
                reports.append(
                    _check_endpoint(
                        group_reader, config, endpoint, account, checks, moment, max_age_days
                    )
                )
        return account, reports

    results = _each_account(check_account, list(groups), jobs)
    by_name = {report.name: report for _, reports in results.values() for report in reports}
    return Report(
        endpoints=tuple(by_name[endpoint.name] for endpoint in endpoints),
        api_calls=counter.total,
        account=results[None][0] if None in results else "",
        target=target.describe(),
        api_calls_by_operation=dict(counter.by_operation),
        accounts_named=bool(config.accounts),
        account_count=len(groups),
    )


def _each_account(
    work: Callable[[str | None], T], names: list[str | None], jobs: int
) -> dict[str | None, T]:
    """`work(name)` for every account, `jobs` at a time; the first error ends the run (the
    accounts not yet started are not)."""
    if jobs == 1 or len(names) == 1:
        return {name: work(name) for name in names}
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(names)))
    try:
        futures = {name: pool.submit(work, name) for name in names}
        return {name: future.result() for name, future in futures.items()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _assume_roles(
    config: Config,
    endpoints: Sequence[EndpointConfig],
    target: Target,
    retry: RetryPolicy,
    counter: CallCounter,
    jobs: int,
) -> AccountSessions:
    """The session of every account, its role assumed (counted, in the run's calls); raises
    AwsUnavailable, naming each role, account and endpoint, when one cannot be assumed: then
    nothing is checked. These are the run's first calls when the config has accounts, so an
    answer that is not AWS's says so, as for sts:GetCallerIdentity."""
    where = target.describe()
    urls: list[str] = []

    def attach(sts: Any) -> None:
        counter.attach(sts)
        urls.append(str(sts.meta.endpoint_url))

    try:
        return assume_roles(
            config,
            endpoints,
            target,
            purpose="check",
            jobs=jobs,
            on_client=attach,
            connect_timeout=5,
            read_timeout=30,
            retries={"mode": "standard", "total_max_attempts": retry.retries + 1},
        )
    except RolesRefused as refused:
        url = urls[0] if urls else where
        for refusal in refused.refusals:
            code = refusal.code
            if classify(refusal.error, where) is not None or not is_aws_error_code(code):
                # The caller's own credentials were refused, or what answered is not AWS.
                raise classify_first_call(
                    refusal.error, where, url, local=target.is_local, operation="sts:AssumeRole"
                ) from refusal.error
        raise AwsUnavailable("role-refused", refused.line()) from None
    except UnusableEndpoint as problem:
        raise CheckUsageError(
            f"the endpoint URL {quoted(target.endpoint_url or '')} cannot be used "
            f"({error_text(problem, 60)}); pass one like http://127.0.0.1:5000"
        ) from None
    except (ClientError, BotoCoreError, *UNEXPECTED_ANSWER) as error:
        url = urls[0] if urls else where
        raise classify_first_call(
            error, where, url, local=target.is_local, operation="sts:AssumeRole"
        ) from error


def _check_endpoint(
    reader: AwsReader,
    config: Config,
    endpoint: EndpointConfig,
    account: str,
    checks: Sequence[CheckSpec],
    now: datetime,
    max_age_days: int,
) -> EndpointReport:
    before = reader.counter.in_scope(endpoint.name)
    snapshot = reader.fetch(endpoint, account)
    access = None
    if snapshot.role.is_found:
        role_arn = snapshot.role.get().arn
        inputs = AccessInputs(
            role_arn=role_arn,
            bucket_account=endpoint.account_id or account,
            prefix=endpoint.prefix,
            session=base_context(role_arn, endpoint.region, snapshot.organization, now),
        )
        access = evaluate_access(snapshot, access_probes(endpoint, role_arn), inputs)
    region = snapshot.bucket_region.value or endpoint.region
    ctx = EndpointContext(
        config=config,
        endpoint=endpoint,
        snapshot=snapshot,
        account=account,
        access=access,
        objects=BucketObjects(reader, endpoint, region),
        now=now,
        max_age_days=max_age_days,
    )
    results = tuple(r for spec in checks if (r := spec.run(ctx)) is not None)
    return EndpointReport(
        name=endpoint.name,
        results=results,
        api_calls=reader.counter.in_scope(endpoint.name) - before,
        account=endpoint.account,
        access_method=access.method if access else "",
    )
