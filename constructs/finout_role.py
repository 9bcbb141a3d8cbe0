"""The cross-account role Finout assumes, and its inline policy (by access mode)."""

from __future__ import annotations

from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import (
    Construct,
    TerraformProvider,
    attribute,
    aws_resource,
    batched_attributes,
)
from finout_s3_telemetry.constructs.props_validation import check_props, is_token, range_problem

from finout_s3_telemetry.naming import (
    ACCESS_MODES,
    ACCESS_READ_ONLY_SCOPED,
    ACCESS_READ_WRITE,
    DEFAULT_ACCESS,
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    access_setting_problems,
    bucket_arn,
    bucket_name_problem,
    external_id_problem,
    kms_key_arn_problem,
    kms_key_region_problem,
    kms_policy_name,
    partition_problem,
    policy_name_problem,
    prefix_problem,
    principal_problem,
    region_problem,
    role_name_problem,
    write_prefix_problem,
)
from finout_s3_telemetry.policy_documents import (
    PolicyDocument,
    access_policy,
    kms_decrypt_policy,
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
    access: str = DEFAULT_ACCESS
    """Default `read_only`: Finout's documented policy. `read_only_scoped`: reads under `prefix`
    only. `read_write`: the documented reads plus writes under `write_prefix` only."""
    prefix: str = ""
    """Default empty. The telemetry's S3 path prefix; required with `read_only_scoped`."""
    write_prefix: str | None = None
    """Default none; required with `read_write`, refused otherwise: where Finout may write."""


def _access_problems(props: FinoutReadOnlyRoleProps) -> list[tuple[str, str | None]]:
    if props.access not in ACCESS_MODES:
        return [("access", f"{props.access!r} is not one of {', '.join(ACCESS_MODES)}")]
    problems: list[tuple[str, str | None]] = [("prefix", prefix_problem(props.prefix))]
    if props.write_prefix is not None:
        problems.append(("write_prefix", write_prefix_problem(props.write_prefix)))
    if all(problem is None for _, problem in problems):
        problems += access_setting_problems(
            access=props.access,
            prefix=props.prefix,
            write_prefix=props.write_prefix,
            telemetries=[],
        )
    return problems


def _description(props: FinoutReadOnlyRoleProps) -> str:
    bucket = f"s3://{props.bucket_name}"
    if props.access == ACCESS_READ_ONLY_SCOPED:
        return f"Finout reads telemetry from {bucket}/{props.prefix}/ (external ID required)"
    if props.access == ACCESS_READ_WRITE:
        return (
            f"Finout reads {bucket} and writes under {bucket}/{props.write_prefix}/ "
            "(external ID required)"
        )
    return f"Finout reads telemetry from {bucket} (external ID required)"


class FinoutReadOnlyRole(Construct):
    """`aws_iam_role` + `aws_iam_role_policy`, both documents rendered from `policies/`.

    The trust policy allows only `sts:AssumeRole`, only for `principal_arn`, only with
    `StringEquals sts:ExternalId`. The inline policy is exactly Finout's documented document for
    `access="read_only"` (the default), else the mode's template (`policy_documents.access_policy`).
    Both are emitted as literal JSON so reviewers and scanners read what will be deployed.
    The inline policy is a separate `aws_iam_role_policy` (the role's `inline_policy` block is
    deprecated in the AWS provider).
    """

    @batched_attributes
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
                *_access_problems(props),
            ],
        )
        super().__init__(scope, id)
        arn = bucket_arn(props.partition, props.bucket_name)
        self.trust_policy: PolicyDocument = trust_policy(props.principal_arn, props.external_id)
        self.inline_policy: PolicyDocument = access_policy(
            props.access, arn, props.prefix, props.write_prefix
        )
        description = props.description or _description(props)
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
                "role": attribute(self.role, "id"),
                "policy": to_json(self.inline_policy),
            },
            logical_id=id,
        )

    @property
    def role_arn(self) -> str:
        return attribute(self.role, "arn")

    @property
    def role_name(self) -> str:
        """The role's name as a Terraform expression (creates the dependency)."""
        return attribute(self.role, "id")


@dataclass(frozen=True, kw_only=True)
class FinoutKmsDecryptPolicyProps:
    role_name: str
    """The role to grant, by name (usually FinoutReadOnlyRole's `role_name`). Required."""
    key_arn: str
    """The ARN of the key the bucket's files are encrypted with (a key ARN, never an alias, or
    the `arn` attribute of a key in the stack). Required."""
    region: str
    """The bucket's region: the role may decrypt only in requests S3 makes there. Required."""
    provider: TerraformProvider
    """The AWS provider. Required."""
    policy_name: str = DEFAULT_POLICY_NAME
    """Default `finest-access-policy_telemetry_export`: the name of the role's read-only policy;
    this policy is named after it, `<policy_name>-kms`."""


class FinoutKmsDecryptPolicy(Construct):
    """The role's second inline policy for an SSE-KMS bucket: `kms:Decrypt` on exactly that key,
    only through S3 in the bucket's region (`policies/finout_kms_decrypt_policy.json.j2`).

    A separate `aws_iam_role_policy` beside Finout's documented policy, which stays byte for byte
    as Finout documents it; and separate from the role, so that a key whose policy names the
    role can be made between the two.
    """

    @batched_attributes
    def __init__(self, scope: Construct, id: str, props: FinoutKmsDecryptPolicyProps) -> None:
        key_problem = None if is_token(props.key_arn) else kms_key_arn_problem(props.key_arn)
        if key_problem is None and not is_token(props.key_arn) and not region_problem(props.region):
            key_problem = kms_key_region_problem(props.key_arn, props.region)
        check_props(
            "FinoutKmsDecryptPolicy",
            [
                (
                    "role_name",
                    None if is_token(props.role_name) else role_name_problem(props.role_name),
                ),
                ("key_arn", key_problem),
                ("region", region_problem(props.region)),
                ("policy_name", policy_name_problem(kms_policy_name(props.policy_name))),
            ],
        )
        super().__init__(scope, id)
        self.policy_name = kms_policy_name(props.policy_name)
        self.document: PolicyDocument = kms_decrypt_policy(props.key_arn, props.region)
        self.policy = aws_resource(
            self,
            "policy",
            "aws_iam_role_policy",
            props.provider,
            {"name": self.policy_name, "role": props.role_name, "policy": to_json(self.document)},
            logical_id=id,
        )
