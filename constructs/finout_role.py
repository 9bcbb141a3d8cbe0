"""The cross-account role Finout assumes, and its inline read-only policy."""

from __future__ import annotations

from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import Construct, TerraformProvider, aws_resource
from finout_s3_telemetry.constructs.props_validation import check_props, range_problem

from finout_s3_telemetry.naming import (
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    bucket_arn,
    bucket_name_problem,
    external_id_problem,
    partition_problem,
    policy_name_problem,
    principal_problem,
    role_name_problem,
)
from finout_s3_telemetry.policy_documents import (
    PolicyDocument,
    read_only_policy,
    to_json,
    trust_policy,
)

MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43_200


@dataclass(frozen=True, kw_only=True)
class FinoutReadOnlyRoleProps:
    principal_arn: str
    """Finout's principal ARN from the Finout console. Required; a wildcard is refused."""
    external_id: str
    """The external ID Finout must present. Required."""
    bucket_name: str
    """The telemetry bucket's literal name (the policy is emitted as literal JSON). Required."""
    provider: TerraformProvider
    """The AWS provider. Required."""
    partition: str = "aws"
    """Default `aws`."""
    role_name: str = DEFAULT_ROLE_NAME
    """Default `FinoutMetricsReadOnlyRole`."""
    policy_name: str = DEFAULT_POLICY_NAME
    """Default `finest-access-policy_telemetry_export`, the name in Finout's guide."""
    max_session_duration: int = MIN_SESSION_SECONDS
    """Default 3600 seconds, the IAM default; 3,600 to 43,200."""
    description: str | None = None
    """Default: a sentence naming the bucket."""


class FinoutReadOnlyRole(Construct):
    """`aws_iam_role` + `aws_iam_role_policy`, both documents rendered from `policies/`.

    The trust policy allows only `sts:AssumeRole`, only for `principal_arn`, only with
    `StringEquals sts:ExternalId`. The inline policy is exactly Finout's documented document.
    Both are emitted as literal JSON so reviewers and scanners read what will be deployed.
    The inline policy is a separate `aws_iam_role_policy` (the role's `inline_policy` block is
    deprecated in the AWS provider).
    """

    def __init__(self, scope: Construct, id: str, props: FinoutReadOnlyRoleProps) -> None:
        check_props(
            "FinoutReadOnlyRole",
            [
                ("principal_arn", principal_problem(props.principal_arn)),
                ("external_id", external_id_problem(props.external_id)),
                ("bucket_name", bucket_name_problem(props.bucket_name)),
                ("partition", partition_problem(props.partition)),
                ("role_name", role_name_problem(props.role_name)),
                ("policy_name", policy_name_problem(props.policy_name)),
                (
                    "max_session_duration",
                    range_problem(
                        props.max_session_duration,
                        MIN_SESSION_SECONDS,
                        MAX_SESSION_SECONDS,
                        "seconds (IAM's limits for a role's maximum session)",
                    ),
                ),
            ],
        )
        super().__init__(scope, id)
        arn = bucket_arn(props.partition, props.bucket_name)
        self.trust_policy: PolicyDocument = trust_policy(props.principal_arn, props.external_id)
        self.inline_policy: PolicyDocument = read_only_policy(arn)
        description = props.description or (
            f"Finout reads telemetry from s3://{props.bucket_name} (external ID required)"
        )
        self.role = aws_resource(
            self,
            "role",
            "aws_iam_role",
            props.provider,
            {
                "name": props.role_name,
                "description": description,
                "assume_role_policy": to_json(self.trust_policy),
                "max_session_duration": props.max_session_duration,
            },
            logical_id=id,
        )
        self.policy = aws_resource(
            self,
            "policy",
            "aws_iam_role_policy",
            props.provider,
            {
                "name": props.policy_name,
                "role": self.role.get_string_attribute("id"),
                "policy": to_json(self.inline_policy),
            },
            logical_id=id,
        )

    @property
    def role_arn(self) -> str:
        return self.role.get_string_attribute("arn")
