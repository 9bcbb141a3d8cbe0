"""Secure defaults for a telemetry bucket we create, in one place.

User settings are merged over these defaults, never the other way round: `BucketSettings(...)`
names only what differs, every other field keeps its secure default, so a default cannot silently
undo what a user asked for and a user cannot forget a default they did not mention. A setting
that weakens a default is named by `weakened_defaults`, which the bucket construct turns into a
synth warning (AWS Solutions Constructs' `flagOverriddenDefaults`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class BucketSettings:
    """How a created telemetry bucket is configured. Every field's default is the secure one."""

    block_public_acls: bool = True
    """Default true: S3 rejects public ACLs."""
    block_public_policy: bool = True
    """Default true: S3 rejects bucket policies that grant public access."""
    ignore_public_acls: bool = True
    """Default true: existing public ACLs are ignored."""
    restrict_public_buckets: bool = True
    """Default true: only AWS principals and the owner may access a bucket with a public policy."""
    object_ownership: Literal["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"] = (
        "BucketOwnerEnforced"
    )
    """Default `BucketOwnerEnforced`: ACLs are off and the bucket owner owns every object."""
    sse_algorithm: Literal["AES256", "aws:kms", "aws:kms:dsse"] = "AES256"
    """Default `AES256` (SSE-S3), which Finout can read without a key grant. With `aws:kms` the
    key policy must let Finout's role decrypt: `FinoutTelemetryEndpointProps(encryption="sse-kms",
    kms_key=...)` sets this and `kms_master_key_id` and grants the role kms:Decrypt."""
    kms_master_key_id: str | None = None
    """Default none (the AWS managed key when `sse_algorithm` is KMS)."""
    bucket_key_enabled: bool = True
    """Default true: fewer KMS requests when `sse_algorithm` is KMS."""
    versioning: bool = True
    """Default true: an overwritten or deleted telemetry file can be recovered."""
    noncurrent_version_expiration_days: int | None = 90
    """Default 90: replaced or deleted file versions are kept 90 days, then expire, so
    versioning does not grow the bucket forever. None keeps them forever."""
    abort_incomplete_multipart_upload_days: int = 7
    """Default 7: parts of uploads that never completed are removed after a week."""
    enforce_tls: bool = True
    """Default true: a bucket policy denies every request made without TLS."""
    force_destroy: bool = False
    """Default false: `destroy` fails on a bucket that still holds files, so none is lost."""

    def problems(self) -> list[tuple[str, str | None]]:
        """(setting, problem) for values AWS would refuse at deploy."""
        return [
            (
                "settings.abort_incomplete_multipart_upload_days",
                _days_problem(self.abort_incomplete_multipart_upload_days),
            ),
            (
                "settings.noncurrent_version_expiration_days",
                None
                if self.noncurrent_version_expiration_days is None
                else _days_problem(self.noncurrent_version_expiration_days),
            ),
            (
                "settings.object_ownership",
                None
                if self.object_ownership in _OWNERSHIPS
                else f"{self.object_ownership!r} is not one of {', '.join(_OWNERSHIPS)}",
            ),
            (
                "settings.sse_algorithm",
                None
                if self.sse_algorithm in _ALGORITHMS
                else f"{self.sse_algorithm!r} is not one of {', '.join(_ALGORITHMS)}",
            ),
            (
                "settings.kms_master_key_id",
                "is set but sse_algorithm is AES256, which uses no KMS key; set sse_algorithm "
                "to aws:kms or drop the key"
                if self.kms_master_key_id and self.sse_algorithm == "AES256"
                else None,
            ),
        ]


_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def _days_problem(days: int) -> str | None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36_500:
        return f"{days!r} is not a number of days S3 accepts; use 1 to 36,500"
    return None


SECURE_BUCKET_DEFAULTS = BucketSettings()

# The defaults whose change lowers the bucket's protection, and what is lost.
_WEAKENING = {
    "block_public_acls": "public ACLs are no longer rejected",
    "block_public_policy": "a public bucket policy is no longer rejected",
    "ignore_public_acls": "existing public ACLs take effect",
    "restrict_public_buckets": "a public bucket policy may open the bucket to anyone",
    "object_ownership": "ACLs are on, so files written by other accounts may not be owned by "
    "the bucket owner",
    "versioning": "an overwritten or deleted telemetry file cannot be recovered",
    "enforce_tls": "requests without TLS are no longer denied",
    "force_destroy": "`destroy` deletes the bucket with every file in it",
}


def weakened_defaults(settings: BucketSettings) -> list[str]:
    """A sentence for each secure default `settings` changes for a weaker one."""
    return [
        f"{name} is {_shown(getattr(settings, name))} instead of the secure default "
        f"{_shown(getattr(SECURE_BUCKET_DEFAULTS, name))}: {loss}"
        for name, loss in _WEAKENING.items()
        if getattr(settings, name) != getattr(SECURE_BUCKET_DEFAULTS, name)
    ]


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
