"""One Finout endpoint as one construct: the bucket (new, or a reference to an existing one), a
folder per telemetry, Finout's role with its policies, and the form's outputs.

Our stacks use it, and so can any cdktf app with its own provider: the props are plain values,
validated here with the same rules and messages as the config file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from finout_s3_telemetry.constructs.bucket_defaults import SECURE_BUCKET_DEFAULTS, BucketSettings
from finout_s3_telemetry.constructs.cdktf_core import Construct, TerraformProvider
from finout_s3_telemetry.constructs.endpoint_outputs import EndpointOutputs, EndpointOutputsProps
from finout_s3_telemetry.constructs.finout_role import FinoutReadOnlyRole, FinoutReadOnlyRoleProps
from finout_s3_telemetry.constructs.props_validation import check_props
from finout_s3_telemetry.constructs.telemetry_bucket import (
    BucketReference,
    ExistingTelemetryBucket,
    ExistingTelemetryBucketProps,
    TelemetryBucket,
    TelemetryBucketProps,
)
from finout_s3_telemetry.constructs.telemetry_folders import TelemetryFolders, TelemetryFoldersProps

from finout_s3_telemetry.naming import (
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    partition_of,
    principal_arn,
    region_problem,
)

_NAME_PREFIX = re.compile(r"[a-z][a-z0-9_-]{0,30}")


def _name_prefix_problem(value: str) -> str | None:
    if value == "" or _NAME_PREFIX.fullmatch(value):
        return None
    return (
        f"{value!r} cannot start Terraform names; use up to 31 lowercase letters, digits, _ and "
        "-, starting with a letter (e.g. eu-)"
    )


@dataclass(frozen=True, kw_only=True)
class FinoutTelemetryEndpointProps:
    bucket_name: str
    """The telemetry bucket. Required."""
    telemetries: Sequence[str]
    """One folder each; each name is the telemetry column of that folder's CSV files. Required."""
    principal: str
    """Finout's AWS account id or principal ARN, from the Finout console. Required."""
    external_id: str
    """The external ID from the Finout console. Required."""
    region: str
    """The bucket's region, typed into Finout's form. Required."""
    provider: TerraformProvider
    """The AWS provider for that region: ours, or the prebuilt bindings' `AwsProvider`. Required."""
    existing_bucket: bool = False
    """Default false: create the bucket with `bucket_settings`. True: only reference it."""
    prefix: str = ""
    """Default empty. The S3 path prefix of the folders, without leading or trailing slash."""
    role_name: str = DEFAULT_ROLE_NAME
    """Default `FinoutMetricsReadOnlyRole`."""
    policy_name: str = DEFAULT_POLICY_NAME
    """Default `finest-access-policy_telemetry_export`, the name in Finout's guide."""
    bucket_settings: BucketSettings = field(default=SECURE_BUCKET_DEFAULTS)
    """Default the secure defaults; ignored for an existing bucket."""
    name_prefix: str = ""
    """Default empty: the Terraform names are `telemetry_bucket`, `telemetry_folders`,
    `finout_role` and the outputs `finout_*`, as in our stacks. Two endpoints in one stack need
    different prefixes (e.g. `eu-`)."""


class FinoutTelemetryEndpoint(Construct):
    """Everything one Finout endpoint needs, in the caller's stack and with the caller's provider.

    Outputs (`<name_prefix>finout_role_arn`, `…bucket_name`, `…s3_path_prefix`, `…region`,
    `…external_id`, `…telemetry_folders`) are the values to type into Finout.
    """

    def __init__(self, scope: Construct, id: str, props: FinoutTelemetryEndpointProps) -> None:
        check_props(
            "FinoutTelemetryEndpoint",
            [
                ("region", region_problem(props.region)),
                ("name_prefix", _name_prefix_problem(props.name_prefix)),
            ],
        )
        super().__init__(scope, id)
        partition = partition_of(props.region)
        name = props.name_prefix
        bucket: BucketReference
        wait_for: list[str] = []
        if props.existing_bucket:
            bucket = ExistingTelemetryBucket(
                self,
                f"{name}existing_bucket",
                ExistingTelemetryBucketProps(
                    bucket_name=props.bucket_name, provider=props.provider
                ),
            )
        else:
            created = TelemetryBucket(
                self,
                f"{name}telemetry_bucket",
                TelemetryBucketProps(
                    bucket_name=props.bucket_name,
                    provider=props.provider,
                    partition=partition,
                    settings=props.bucket_settings,
                ),
            )
            bucket, wait_for = created, created.settled_by
        self.bucket = bucket
        self.folders = TelemetryFolders(
            self,
            f"{name}telemetry_folders",
            TelemetryFoldersProps(
                bucket_name=bucket.bucket_name,
                telemetries=props.telemetries,
                prefix=props.prefix,
                provider=props.provider,
                depends_on=wait_for,
            ),
        )
        self.role = FinoutReadOnlyRole(
            self,
            f"{name}finout_role",
            FinoutReadOnlyRoleProps(
                principal_arn=principal_arn(props.principal, partition),
                external_id=props.external_id,
                bucket_name=props.bucket_name,
                partition=partition,
                role_name=props.role_name,
                policy_name=props.policy_name,
                provider=props.provider,
            ),
        )
        self.outputs = EndpointOutputs(
            self,
            f"{name}outputs",
            EndpointOutputsProps(
                role_arn=self.role.role_arn,
                bucket_name=props.bucket_name,
                prefix=props.prefix,
                region=props.region,
                external_id=props.external_id,
                folder_prefixes=list(self.folders.keys.values()),
                name_prefix=name,
            ),
        )
