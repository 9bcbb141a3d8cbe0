"""The customer-managed KMS key a stack makes for an SSE-KMS endpoint (`kms_key: create`)."""

from __future__ import annotations

from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import (
    Construct,
    TerraformProvider,
    attribute,
    aws_data_source,
    aws_resource,
    batched_attributes,
)
from finout_s3_telemetry.constructs.props_validation import check_props, is_token

from finout_s3_telemetry.naming import (
    account_id_problem,
    endpoint_name_problem,
    kms_alias_name,
    partition_of,
    principal_arn,
    principal_problem,
    region_problem,
)
from finout_s3_telemetry.policy_documents import PolicyDocument, kms_key_policy, to_json

KEY_DELETION_WINDOW_DAYS = 30
"""The longest wait KMS allows between `destroy` and the key's deletion: a month to cancel it
(`aws kms cancel-key-deletion`) before every file encrypted with it becomes unreadable."""


@dataclass(frozen=True, kw_only=True)
class TelemetryKmsKeyProps:
    endpoint_name: str
    """The endpoint's name; the key's alias is `alias/finout-telemetry-<endpoint_name>`.
    Required."""
    role_arn: str
    """Finout's role, which the key policy lets decrypt through S3 (usually the role's `arn`
    attribute). Required."""
    region: str
    """The bucket's region, which must be the provider's: the role may decrypt only in requests
    S3 makes there (`kms:ViaService`). Required."""
    provider: TerraformProvider
    """The AWS provider of that region. Required."""
    account_id: str | None = None
    """Default none: the key is administered by the root of the account the provider deploys
    to, read with a `data "aws_caller_identity"`. Set: that account's root, without a lookup."""
    description: str | None = None
    """Default: a sentence naming the endpoint."""


class TelemetryKmsKey(Construct):
    """`aws_kms_key` (rotation on, 30-day deletion window, the policy rendered from
    `policies/finout_kms_key_policy.json.j2`) and its `aws_kms_alias`.

    The key policy names the role, so the role comes first; the role's own kms:Decrypt policy
    names the key, so it comes after (`FinoutKmsDecryptPolicy`): role, key, then that policy,
    and no cycle.
    """

    @batched_attributes
    def __init__(self, scope: Construct, id: str, props: TelemetryKmsKeyProps) -> None:
        check_props(
            "TelemetryKmsKey",
            [
                ("endpoint_name", endpoint_name_problem(props.endpoint_name)),
                (
                    "role_arn",
                    None if is_token(props.role_arn) else principal_problem(props.role_arn),
                ),
                ("region", region_problem(props.region)),
                (
                    "account_id",
                    None if props.account_id is None else account_id_problem(props.account_id),
                ),
            ],
        )
        super().__init__(scope, id)
        partition = partition_of(props.region)
        if props.account_id is not None:
            root = principal_arn(props.account_id, partition)
        else:
            caller = aws_data_source(
                self, "caller", "aws_caller_identity", props.provider, {}, logical_id=id
            )
            root = f"arn:{partition}:iam::{attribute(caller, 'account_id')}:root"
        self.policy: PolicyDocument = kms_key_policy(root, props.role_arn, props.region)
        self.alias_name = kms_alias_name(props.endpoint_name)
        self.key = aws_resource(
            self,
            "key",
            "aws_kms_key",
            props.provider,
            {
                "description": props.description
                or f"Encrypts the files of Finout telemetry endpoint {props.endpoint_name}",
                "enable_key_rotation": True,
                "deletion_window_in_days": KEY_DELETION_WINDOW_DAYS,
                "policy": to_json(self.policy),
            },
            logical_id=id,
        )
        self.alias = aws_resource(
            self,
            "alias",
            "aws_kms_alias",
            props.provider,
            {"name": self.alias_name, "target_key_id": attribute(self.key, "key_id")},
            logical_id=id,
        )

    @property
    def key_arn(self) -> str:
        return attribute(self.key, "arn")
