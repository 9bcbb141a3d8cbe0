"""Every check, in report order. One module per subject; each exposes `CHECKS`.

To add a check, write `checks/<subject>.py` with `@check(...)` functions and a `CHECKS` tuple,
and append it here. Content checks (FINOUT-CSV-*) take the newest file per folder from
`newest_files` (the listing is already fetched, with LastModified) and read it through
`ctx.objects`; they come last, as they judge what the deployment holds rather than the deployment.
"""

from __future__ import annotations

from finout_s3_telemetry.check.checks import (
    access,
    account,
    bucket,
    bucket_policy_reads,
    encryption_keys,
    file_ownership,
    folders,
    inline_policy,
    permissions_boundary,
    role,
    secure_defaults,
    telemetry_files,
    telemetry_freshness,
    tls_policy,
    trust_policy,
)
from finout_s3_telemetry.check.registry import CheckSpec

ALL_CHECKS: tuple[CheckSpec, ...] = (
    *account.CHECKS,
    *bucket.CHECKS,
    *folders.CHECKS,
    *secure_defaults.CHECKS,
    *tls_policy.CHECKS,
    *bucket_policy_reads.CHECKS,
    *file_ownership.CHECKS,
    role.role_exists,
    *trust_policy.CHECKS,
    *inline_policy.CHECKS,
    role.no_other_policies,
    *access.CHECKS,
    *permissions_boundary.CHECKS,
    *encryption_keys.CHECKS,
    *telemetry_files.CHECKS,
    *telemetry_freshness.CHECKS,
)
