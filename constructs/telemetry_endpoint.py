"""One Finout endpoint as one construct: the bucket (new, or a reference to an existing one), a
folder per telemetry, Finout's role with its policies, and the form's outputs.

Our stacks use it, and so can any cdktf app with its own provider: the props are plain values,
validated here with the same rules and messages as the config file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from finout_s3_telemetry.constructs.bucket_defaults import SECURE_BUCKET_DEFAULTS, BucketSettings
from finout_s3_telemetry.constructs.cdktf_core import (
    Construct,
    TerraformProvider,
    batched_attributes,
)
from finout_s3_telemetry.constructs.endpoint_outputs import EndpointOutputs, EndpointOutputsProps
from finout_s3_telemetry.constructs.finout_role import (
    FinoutKmsDecryptPolicy,
    FinoutKmsDecryptPolicyProps,
    FinoutReadOnlyRole,
    FinoutReadOnlyRoleProps,
)
from finout_s3_telemetry.constructs.props_validation import check_props, is_token
from finout_s3_telemetry.constructs.telemetry_bucket import (
    BucketReference,
    ExistingTelemetryBucket,
    ExistingTelemetryBucketProps,
    TelemetryBucket,
    TelemetryBucketProps,
)
from finout_s3_telemetry.constructs.telemetry_folders import TelemetryFolders, TelemetryFoldersProps
from finout_s3_telemetry.constructs.telemetry_kms_key import TelemetryKmsKey, TelemetryKmsKeyProps

from finout_s3_telemetry.naming import (
    ACCESS_MODES,
    DEFAULT_ACCESS,
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    ENCRYPTIONS,
    FINOUT_ACCESS_LABELS,
    KMS_KEY_CREATE,
    access_setting_problems,
    account_id_problem,
    endpoint_name_problem,
    kms_key_problem,
    kms_setting_problems,
    partition_of,
    prefix_problem,
    principal_arn,
    region_problem,
    write_prefix_problem,
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
    encryption: Literal["sse-s3", "sse-kms"] = "sse-s3"
    """Default `sse-s3`: a created bucket encrypts with S3's own keys. `sse-kms`: the files are
    encrypted with the KMS key `kms_key` names, and the role also gets `<policy_name>-kms`, which
    allows kms:Decrypt on it through S3 only (as the config's `encryption`)."""
    kms_key: str | None = None
    """Default none; required with `encryption="sse-kms"`, refused without it. `"create"`: a
    new customer-managed key (rotation on, 30-day deletion window, alias
    `alias/finout-telemetry-<endpoint_name>`, S3 Bucket Keys on); not for an existing bucket.
    Otherwise an existing key's ARN in `region`, never changed here (as the config's
    `kms_key`), or the `arn` attribute of a key in the caller's own stack."""
    endpoint_name: str | None = None
    """Default none. The endpoint's name (1-63 lowercase letters, digits and hyphens); required
    with `kms_key="create"`, whose alias it names."""
    access: str = "read_only"
    """Default `read_only`: Finout's documented policy, reading the whole bucket.
    `read_only_scoped`: reads under `prefix` only (required). `read_write`: the documented reads
    plus writes under `write_prefix` only, for Finout's exporters (as the config's `access`)."""
    write_prefix: str | None = None
    """Default none; required with `access="read_write"`, refused otherwise: the folder Finout
    writes under, outside every telemetry folder."""
    account_id: str | None = None
    """Default none. With `kms_key="create"`, the account whose root administers the key; none
    reads it from the provider's credentials (`data "aws_caller_identity"`). It does not pin the
    provider's account: give the provider `allowed_account_ids` for that."""


class FinoutTelemetryEndpoint(Construct):
    """Everything one Finout endpoint needs, in the caller's stack and with the caller's provider.

    Outputs (`<name_prefix>finout_role_arn`, `…bucket_name`, `…s3_path_prefix`, `…region`,
    `…external_id`, `…telemetry_folders`) are the values to type into Finout; with SSE-KMS
    `…kms_key_arn` names the key.

    The role comes first: a key made here names it in its policy, and the role's kms:Decrypt
    policy names the key, so the order is role, key, bucket, then that policy.
    """

    @batched_attributes
    def __init__(self, scope: Construct, id: str, props: FinoutTelemetryEndpointProps) -> None:
        check_props("FinoutTelemetryEndpoint", _problems(props))
        super().__init__(scope, id)
        partition = partition_of(props.region)
        name = props.name_prefix
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
                access=props.access,
                prefix=props.prefix,
                write_prefix=props.write_prefix,
            ),
        )
        self.kms_key: TelemetryKmsKey | None = None
        key_arn = props.kms_key if props.encryption == "sse-kms" else None
        if key_arn == KMS_KEY_CREATE:
            self.kms_key = TelemetryKmsKey(
                self,
                f"{name}kms_key",
                TelemetryKmsKeyProps(
                    endpoint_name=props.endpoint_name or "",
                    role_arn=self.role.role_arn,
                    region=props.region,
                    account_id=props.account_id,
                    provider=props.provider,
                ),
            )
            key_arn = self.kms_key.key_arn
        bucket_settings = props.bucket_settings
        if key_arn is not None:
            bucket_settings = dataclasses.replace(
                bucket_settings,
                sse_algorithm="aws:kms",
                kms_master_key_id=key_arn,
                bucket_key_enabled=True,
            )
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
                    settings=bucket_settings,
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
        self.kms_policy: FinoutKmsDecryptPolicy | None = None
        if key_arn is not None:
            self.kms_policy = FinoutKmsDecryptPolicy(
                self,
                f"{name}finout_kms_policy",
                FinoutKmsDecryptPolicyProps(
                    role_name=self.role.role_name,
                    key_arn=key_arn,
                    region=props.region,
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
                kms_key_arn=key_arn,
                # None for the default mode: its stacks keep the outputs they always had.
                access_label=(
                    None if props.access == DEFAULT_ACCESS else FINOUT_ACCESS_LABELS[props.access]
                ),
            ),
        )


def _problems(props: FinoutTelemetryEndpointProps) -> list[tuple[str, str | None]]:
    """The endpoint's own props; the bucket, folders, role and key check theirs."""
    problems: list[tuple[str, str | None]] = [
        ("region", region_problem(props.region)),
        ("name_prefix", _name_prefix_problem(props.name_prefix)),
    ]
    if props.encryption not in ENCRYPTIONS:
        problems.append(
            ("encryption", f"{props.encryption!r} is not one of {', '.join(ENCRYPTIONS)}")
        )
        return problems
    if props.kms_key is not None and not is_token(props.kms_key):
        # A key of the caller's own stack (its `arn` attribute) is known only at apply.
        problems.append(("kms_key", kms_key_problem(props.kms_key)))
    problems += kms_setting_problems(
        encryption=props.encryption,
        kms_key=props.kms_key,
        existing_bucket=props.existing_bucket,
        region=props.region,
        policy_name=props.policy_name,
    )
    if props.endpoint_name is not None:
        problems.append(("endpoint_name", endpoint_name_problem(props.endpoint_name)))
    elif props.encryption == "sse-kms" and props.kms_key == KMS_KEY_CREATE:
        problems.append(
            (
                "endpoint_name",
                "is required with kms_key 'create': it names the key's alias, "
                "alias/finout-telemetry-<endpoint_name>",
            )
        )
    if props.account_id is not None:
        problems.append(("account_id", account_id_problem(props.account_id)))
    if props.access not in ACCESS_MODES:
        problems.append(("access", f"{props.access!r} is not one of {', '.join(ACCESS_MODES)}"))
    elif prefix_problem(props.prefix) is None and (
        props.write_prefix is None or write_prefix_problem(props.write_prefix) is None
    ):
        # Here, not only in the role: only the endpoint knows the folders a write prefix must
        # stay out of. A malformed value is left to the role's own check of it.
        problems += access_setting_problems(
            access=props.access,
            prefix=props.prefix,
            write_prefix=props.write_prefix,
            telemetries=list(props.telemetries),
        )
    settings = props.bucket_settings
    if props.encryption == "sse-kms" and (
        settings.sse_algorithm != "AES256" or settings.kms_master_key_id is not None
    ):
        problems.append(
            (
                "bucket_settings",
                "sets the bucket's encryption, and so does encryption sse-kms; leave "
                "sse_algorithm and kms_master_key_id at their defaults and let kms_key decide",
            )
        )
    return problems
