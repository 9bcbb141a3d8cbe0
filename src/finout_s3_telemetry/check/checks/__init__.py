"""Every check, in report order. One module per subject; each exposes `CHECKS`.

To add a check (for example FINOUT-CSV-001 "the newest file in each folder is valid and fresh"),
write `checks/<subject>.py` with `@check(...)` functions and a `CHECKS` tuple, and append it here.
Content checks take the newest file per folder from `ctx.snapshot.listing.newest_in(folder_key)`
(the listing is already fetched, with LastModified) and read it through `ctx.objects`.
"""

from __future__ import annotations

from finout_s3_telemetry.check.checks import (
    access,
    account,
    bucket,
    bucket_defaults,
    folders,
    inline_policy,
    role,
    tls_policy,
    trust_policy,
)
from finout_s3_telemetry.check.registry import CheckSpec

ALL_CHECKS: tuple[CheckSpec, ...] = (
    *account.CHECKS,
    *bucket.CHECKS,
    *folders.CHECKS,
    *bucket_defaults.CHECKS,
    *tls_policy.CHECKS,
    role.role_exists,
    *trust_policy.CHECKS,
    *inline_policy.CHECKS,
    role.no_other_policies,
    *access.CHECKS,
)
