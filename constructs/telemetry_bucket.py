"""The telemetry bucket: a new bucket with secure defaults, or a reference to an existing one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from finout_s3_telemetry.constructs.bucket_defaults import (
    SECURE_BUCKET_DEFAULTS,
    BucketSettings,
    weakened_defaults,
)
from finout_s3_telemetry.constructs.cdktf_core import (
    Annotations,
    Construct,
    TerraformProvider,
    address,
    attribute,
    aws_data_source,
    aws_resource,
    batched_attributes,
)
from finout_s3_telemetry.constructs.props_validation import check_props, is_token

from finout_s3_telemetry.naming import bucket_arn, bucket_name_problem, partition_problem
from finout_s3_telemetry.policy_documents import tls_only_policy, to_json


class BucketReference(Protocol):
    """What the folders and the role need to know about a bucket, new or existing."""

    @property
    def bucket_name(self) -> str:
        """The bucket's name as a Terraform expression (creates the dependency)."""
        ...

    @property
    def bucket_arn(self) -> str:
        """The bucket's ARN as a Terraform expression."""
        ...


@dataclass(frozen=True, kw_only=True)
class TelemetryBucketProps:
    bucket_name: str
    """The name of the bucket to create. Required."""
    provider: TerraformProvider
    """The AWS provider to create it with. Required; the construct never makes its own."""
    partition: str = "aws"
    """Default `aws`. The ARN partition, for the TLS-only policy's resources."""
    settings: BucketSettings = field(default=SECURE_BUCKET_DEFAULTS)
    """Default `SECURE_BUCKET_DEFAULTS`; others are `BucketSettings(field=value, ...)`, every
    field not named keeping its secure default. A weakened default is a synth warning."""


class TelemetryBucket(Construct):
    """A new S3 bucket for telemetry files, configured by `props.settings`.

    Emits, all under this construct's id as the Terraform name: the bucket (`force_destroy` from
    the settings, default false), its public access block (all four on), ownership controls
    (`BucketOwnerEnforced`), default encryption (SSE-S3, or the KMS key of the settings),
    versioning (enabled), a lifecycle configuration (incomplete uploads removed after 7 days, old
    versions after 90) and a TLS-only bucket policy.
    """

    @batched_attributes
    def __init__(self, scope: Construct, id: str, props: TelemetryBucketProps) -> None:
        check_props(
            "TelemetryBucket",
            [
                ("bucket_name", bucket_name_problem(props.bucket_name)),
                ("partition", partition_problem(props.partition)),
                *props.settings.problems(),
            ],
        )
        super().__init__(scope, id)
        settings = props.settings
        for warning in weakened_defaults(settings):
            # cdk-nag and Solutions Constructs' flagOverriddenDefaults: said at every synth.
            Annotations.of(self).add_warning(f"TelemetryBucket {id}: {warning}")
        provider = props.provider
        self.settings = settings
        self.bucket = aws_resource(
            self,
            "bucket",
            "aws_s3_bucket",
            provider,
            {"bucket": props.bucket_name, "force_destroy": settings.force_destroy},
            logical_id=id,
        )
        name = attribute(self.bucket, "id")
        self.public_access_block = aws_resource(
            self,
            "public_access_block",
            "aws_s3_bucket_public_access_block",
            provider,
            {
                "bucket": name,
                "block_public_acls": settings.block_public_acls,
                "block_public_policy": settings.block_public_policy,
                "ignore_public_acls": settings.ignore_public_acls,
                "restrict_public_buckets": settings.restrict_public_buckets,
            },
            logical_id=id,
        )
        self.ownership_controls = aws_resource(
            self,
            "ownership_controls",
            "aws_s3_bucket_ownership_controls",
            provider,
            {"bucket": name, "rule": [{"object_ownership": settings.object_ownership}]},
            logical_id=id,
        )
        self.encryption = aws_resource(
            self,
            "encryption",
            "aws_s3_bucket_server_side_encryption_configuration",
            provider,
            {"bucket": name, "rule": [_encryption_rule(settings)]},
            logical_id=id,
        )
        self.versioning = None
        if settings.versioning:
            self.versioning = aws_resource(
                self,
                "versioning",
                "aws_s3_bucket_versioning",
                provider,
                {"bucket": name, "versioning_configuration": [{"status": "Enabled"}]},
                logical_id=id,
            )
        self.lifecycle = aws_resource(
            self,
            "lifecycle",
            "aws_s3_bucket_lifecycle_configuration",
            provider,
            {
                "bucket": name,
                "rule": _lifecycle_rules(settings),
                # S3 evaluates noncurrent-version rules only once versioning is on.
                "depends_on": [address(self.versioning)] if self.versioning else [],
            },
            logical_id=id,
        )
        self.tls_only_policy = None
        if settings.enforce_tls:
            arn = bucket_arn(props.partition, props.bucket_name)
            policy = to_json(tls_only_policy(arn))
            self.tls_only_policy = aws_resource(
                self,
                "tls_only_policy",
                "aws_s3_bucket_policy",
                provider,
                # S3 refuses policy changes that race a public access block update.
                {
                    "bucket": name,
                    "policy": policy,
                    "depends_on": [address(self.public_access_block)],
                },
                logical_id=id,
            )

    @property
    def bucket_name(self) -> str:
        return attribute(self.bucket, "id")

    @property
    def settled_by(self) -> list[str]:
        """What objects should wait for: with versioning on first, every object (folder markers
        included) gets a real version id, never the pre-versioning `null` one; with a KMS key,
        the encryption configuration too, so that no object is written with S3's own keys
        before the bucket's key takes over."""
        waits = [address(self.versioning)] if self.versioning else []
        if self.settings.sse_algorithm != "AES256":
            waits.append(address(self.encryption))
        return waits

    @property
    def bucket_arn(self) -> str:
        return attribute(self.bucket, "arn")


@dataclass(frozen=True, kw_only=True)
class ExistingTelemetryBucketProps:
    bucket_name: str
    """The existing bucket's name. Required."""
    provider: TerraformProvider
    """The AWS provider to read it with. Required."""


class ExistingTelemetryBucket(Construct):
    """A bucket that exists already, for example the one holding cost-and-usage reports.

    Emits only a `data "aws_s3_bucket"` block: planning fails if the bucket does not exist, and
    nothing here can change or destroy it.
    """

    @batched_attributes
    def __init__(self, scope: Construct, id: str, props: ExistingTelemetryBucketProps) -> None:
        check_props(
            "ExistingTelemetryBucket",
            [
                (
                    "bucket_name",
                    None if is_token(props.bucket_name) else bucket_name_problem(props.bucket_name),
                )
            ],
        )
        super().__init__(scope, id)
        self.data = aws_data_source(
            self,
            "bucket",
            "aws_s3_bucket",
            props.provider,
            {"bucket": props.bucket_name},
            logical_id=id,
        )

    @property
    def bucket_name(self) -> str:
        return attribute(self.data, "id")

    @property
    def bucket_arn(self) -> str:
        return attribute(self.data, "arn")


def _encryption_rule(settings: BucketSettings) -> Mapping[str, Any]:
    default: dict[str, Any] = {"sse_algorithm": settings.sse_algorithm}
    if settings.kms_master_key_id:
        default["kms_master_key_id"] = settings.kms_master_key_id
    rule: dict[str, Any] = {"apply_server_side_encryption_by_default": [default]}
    if settings.sse_algorithm != "AES256":
        rule["bucket_key_enabled"] = settings.bucket_key_enabled
    return rule


def _lifecycle_rules(settings: BucketSettings) -> list[Mapping[str, Any]]:
    rules: list[Mapping[str, Any]] = [
        {
            "id": "abort-incomplete-multipart-uploads",
            "status": "Enabled",
            "filter": [{}],
            "abort_incomplete_multipart_upload": [
                {"days_after_initiation": settings.abort_incomplete_multipart_upload_days}
            ],
        }
    ]
    if settings.noncurrent_version_expiration_days is not None:
        rules.append(
            {
                "id": "expire-noncurrent-versions",
                "status": "Enabled",
                "filter": [{}],
                "noncurrent_version_expiration": [
                    {"noncurrent_days": settings.noncurrent_version_expiration_days}
                ],
            }
        )
    return rules
