"""The post-deploy checker: proves the live account matches the config.

    report = run_checks(config, target)          # raises AwsUnavailable / CheckUsageError
    print(render(report, "table"))               # or "json"
    exit_code = 0 if report.ok else 1

Layers: `aws` reads (the only AWS calls, counted), `checks/` judge a snapshot (one unit per check,
stable ids), `output` renders. Secure-default checks (FINOUT-S3-004..008) apply only to buckets the
project created; an existing bucket is only read, and its settings are not reported.
"""

from finout_s3_telemetry.check.errors import AwsUnavailable, CheckUsageError
from finout_s3_telemetry.check.model import CheckResult, EndpointReport, Report, Severity, Status
from finout_s3_telemetry.check.output import render
from finout_s3_telemetry.check.retry import RetryPolicy
from finout_s3_telemetry.check.runner import run_checks

__all__ = [
    "AwsUnavailable",
    "CheckResult",
    "CheckUsageError",
    "EndpointReport",
    "Report",
    "RetryPolicy",
    "Severity",
    "Status",
    "render",
    "run_checks",
]
