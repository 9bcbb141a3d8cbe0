"""Configs and a correct deployment for the checker's tests (boto3, no terraform)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from check_provisioning import clients, provision

from finout_s3_telemetry.check import Report, RetryPolicy, run_checks
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.max_age import DEFAULT_MAX_AGE_DAYS
from finout_s3_telemetry.check.model import CheckResult
from finout_s3_telemetry.check.registry import CheckSpec
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

FINOUT_ACCOUNT = "123456789012"
FINOUT_ROOT = f"arn:aws:iam::{FINOUT_ACCOUNT}:root"
NO_RETRIES = RetryPolicy(retries=0)


def endpoint_raw(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "name": "main",
        "region": "us-east-1",
        "account_id": "111122223333",
        "bucket": "acme-finout-telemetry",
        "prefix": "finout/telemetry",
        "external_id": "finout-ab12cd3",
        "telemetries": ["bytes", "requests", "gpu_hours"],
    }
    raw.update(overrides)
    # None drops a key, so the model's default applies (an explicit empty prefix is refused).
    return {key: value for key, value in raw.items() if value is not None}


def config_raw(*endpoints: dict[str, Any]) -> dict[str, Any]:
    return {
        "finout": {"principal": FINOUT_ACCOUNT},
        "endpoints": list(endpoints) or [endpoint_raw()],
    }


def make_config(*endpoints: dict[str, Any]) -> Config:
    return Config.model_validate(config_raw(*endpoints))


def write_config(path: Path, config: Config) -> Path:
    path.write_text(yaml.safe_dump(config.model_dump(mode="json")), encoding="utf-8")
    return path


def target_of(aws: LocalAws) -> Target:
    return Target("local", aws.endpoint_url)


def deploy(aws: LocalAws, config: Config) -> Target:
    target = target_of(aws)
    provision(config, target)
    return target


def check(
    aws: LocalAws,
    config: Config,
    retry: RetryPolicy = NO_RETRIES,
    *,
    now: datetime | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Report:
    return run_checks(config, target_of(aws), retry=retry, now=now, max_age_days=max_age_days)


VALID_CSV = (
    b'"date","team","{telemetry}"\n"2024-06-07","servers","12.5"\n"2024-06-07","storage","3"\n'
)


def put_file(
    aws: LocalAws, endpoint: EndpointConfig, telemetry: str, name: str, body: bytes | None = None
) -> str:
    """Store a file in a telemetry's folder (a small valid one by default); returns its key."""
    s3, _ = clients(target_of(aws), endpoint.region)
    key = endpoint.folder_key(telemetry) + name
    content = body if body is not None else VALID_CSV.replace(b"{telemetry}", telemetry.encode())
    s3.put_object(Bucket=endpoint.bucket, Key=key, Body=content)
    return key


def fill_folders(aws: LocalAws, config: Config) -> None:
    """A valid file in every telemetry folder of every endpoint."""
    for endpoint in config.endpoints:
        for telemetry in endpoint.telemetries:
            put_file(aws, endpoint, telemetry, "export.csv")


def last_modified(aws: LocalAws, endpoint: EndpointConfig, key: str) -> datetime:
    """The emulator's LastModified of `key`: tests judge ages from it, never from the clock."""
    s3, _ = clients(target_of(aws), endpoint.region)
    stamp: datetime = s3.head_object(Bucket=endpoint.bucket, Key=key)["LastModified"]
    return stamp


def failing(report: Report) -> dict[str, str]:
    """Failed check id -> detail, across endpoints."""
    return {r.id: r.detail for e in report.endpoints for r in e.results if r.status.value == "fail"}


def result(report: Report, check_id: str, endpoint: str = "main") -> Any:
    for e in report.endpoints:
        if e.name == endpoint:
            for r in e.results:
                if r.id == check_id:
                    return r
    raise AssertionError(f"{check_id} not reported for {endpoint}")


def ran(spec: CheckSpec, ctx: EndpointContext) -> CheckResult:
    """The check's result, which it must give for this context."""
    found = spec.run(ctx)
    assert found is not None, spec.id
    return found
