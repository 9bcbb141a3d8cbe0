"""Secure defaults for a telemetry bucket we create, in one place.

User settings are merged over these defaults (`bucket_settings(**overrides)`), never the other way
round, so a default cannot silently undo what a user asked for and a user cannot forget a default
they did not mention.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
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
    key policy must let Finout's role decrypt."""
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


SECURE_BUCKET_DEFAULTS = BucketSettings()


def bucket_settings(**overrides: object) -> BucketSettings:
    """The secure defaults with the caller's `overrides` applied on top."""
    known = {field.name for field in fields(BucketSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown bucket settings {unknown}; known: {sorted(known)}")
    return replace(SECURE_BUCKET_DEFAULTS, **overrides)  # type: ignore[arg-type]
