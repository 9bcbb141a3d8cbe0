"""Run every check for the selected endpoints: read AWS once per endpoint, then judge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from finout_s3_telemetry.check.access_answers import AccessInputs, evaluate_access
from finout_s3_telemetry.check.aws import AwsReader, BucketObjects
from finout_s3_telemetry.check.calls import CallCounter
from finout_s3_telemetry.check.checks import ALL_CHECKS
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.errors import CheckUsageError
from finout_s3_telemetry.check.finout_session import base_context
from finout_s3_telemetry.check.max_age import DEFAULT_MAX_AGE_DAYS, max_age_problem
from finout_s3_telemetry.check.model import EndpointReport, Report
from finout_s3_telemetry.check.probes import access_probes
from finout_s3_telemetry.check.registry import CheckSpec
from finout_s3_telemetry.check.retry import RetryPolicy, retries_problem
from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terminal_text import printable, shorten

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
) -> Report:
    """Check the live account against `config`. Raises AwsUnavailable when AWS cannot be asked
    (no credentials, rejected credentials, unreachable endpoint) and CheckUsageError for an
    unknown endpoint name or a bad `max_age_days`/`now`; a drifted resource is a failed result,
    never an exception. `now` (time zone aware, default: the clock at the start) is what file
    ages are judged against, so tests need not wait."""
    endpoints = select_endpoints(config, endpoint_names)
    if problem := max_age_problem(max_age_days):
        unit = "day" if problem.endswith(" 1") else "days"
        raise CheckUsageError(
            f"the maximum file age {problem} {unit} (got {_number(max_age_days)})"
        )
    if retry is not None and (problem := retries_problem(retry.retries)):
        raise CheckUsageError(f"the number of retries {problem} (got {_number(retry.retries)})")
    if now is not None and now.tzinfo is None:
        raise CheckUsageError("`now` must be time zone aware, e.g. datetime.now(UTC)")
    # One moment for the whole run, so every endpoint judges file ages alike.
    moment = now or datetime.now(UTC)
    reader = reader or AwsReader(target, retry or RetryPolicy(), CallCounter())
    counter = reader.counter
    account = reader.caller_account(endpoints[0].region)
    reports = []
    for endpoint in endpoints:
        with counter.scope(endpoint.name):
            reports.append(
                _check_endpoint(reader, config, endpoint, account, checks, moment, max_age_days)
            )
    return Report(
        endpoints=tuple(reports),
        api_calls=counter.total,
        account=account,
        target=target.describe(),
        api_calls_by_operation=dict(counter.by_operation),
    )


def _check_endpoint(
    reader: AwsReader,
    config: Config,
    endpoint: EndpointConfig,
    account: str,
    checks: Sequence[CheckSpec],
    now: datetime,
    max_age_days: int,
) -> EndpointReport:
    before = reader.counter.by_scope[endpoint.name]
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
        api_calls=reader.counter.by_scope[endpoint.name] - before,
        access_method=access.method if access else "",
    )
