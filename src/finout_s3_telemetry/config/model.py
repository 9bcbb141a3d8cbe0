"""The typed config: what a customer's Finout endpoints look like.

Defaults are stated on each field. Field-level rules come from `naming.py`, which holds no schema
and serves the constructs and the checker too; rules that compare
endpoints with each other live in `cross_checks.py` so that every problem is reported in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from finout_s3_telemetry import naming as names
from finout_s3_telemetry.naming import (
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    DEFAULT_SESSION_NAME,
    bucket_arn,
    folder_key,
    partition_of,
    principal_arn,
)
from finout_s3_telemetry.terminal_text import quoted


def _rule(check: names.Rule) -> AfterValidator:
    def validate(value: str) -> str:
        problem = check(value)
        if problem is not None:
            raise PydanticCustomError("finout_rule", problem)
        return value

    return AfterValidator(validate)


BucketName = Annotated[str, _rule(names.bucket_name_problem)]
ExternalId = Annotated[str, _rule(names.external_id_problem)]
DeployExternalId = Annotated[str, _rule(names.deploy_external_id_problem)]
RoleName = Annotated[str, _rule(names.role_name_problem)]
PolicyName = Annotated[str, _rule(names.policy_name_problem)]
EndpointName = Annotated[str, _rule(names.endpoint_name_problem)]
AccountId = Annotated[str, _rule(names.account_id_problem)]
Principal = Annotated[str, _rule(names.principal_problem)]
Region = Annotated[str, _rule(names.region_problem)]
PathPrefix = Annotated[str, _rule(names.prefix_problem)]
WritePrefix = Annotated[str, _rule(names.write_prefix_problem)]
Telemetry = Annotated[str, _rule(names.telemetry_problem)]
StateKey = Annotated[str, _rule(names.state_key_problem)]
KmsKey = Annotated[str, _rule(names.kms_key_problem)]
AccountName = Annotated[str, _rule(names.account_name_problem)]
RoleArn = Annotated[str, _rule(names.role_arn_problem)]
SessionName = Annotated[str, _rule(names.session_name_problem)]

AccessMode = Literal["read_only", "read_only_scoped", "read_write"]
"""What Finout's role may do in the bucket (`naming.ACCESS_MODES`)."""

RolePurpose = Literal["deploy", "plan", "check"]
"""What a pipeline does in an account: deploy (`cdktf deploy`), plan (`finout-telemetry plan`)
or check (`finout-telemetry check` and `upload`)."""
ROLE_PURPOSES: tuple[RolePurpose, ...] = ("deploy", "plan", "check")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FinoutSettings(_Strict):
    """Who Finout is, as shown in the Finout console."""

    principal: Principal
    """Finout's AWS account id (12 digits) or an IAM role/user ARN. Required; never `*`."""


class StateSettings(_Strict):
    """Where Terraform keeps its state. Default: local files, one per stack."""

    backend: Literal["local", "s3"] = "local"
    """`local` (default) or `s3` for shared team state."""
    bucket: BucketName | None = None
    """S3 backend only: the state bucket (must exist)."""
    key: StateKey = "finout-telemetry"
    """S3 backend only: key prefix; each stack's state is `<key>/<endpoint>.tfstate`."""
    region: Region | None = None
    """S3 backend only: the state bucket's region. Default: the endpoint's region."""
    use_lockfile: bool = True
    """S3 backend only: S3-native state locking, so two deploys of one stack never interleave."""


@dataclass(frozen=True)
class AssumedRole:
    """The role a pipeline assumes in an account, and how."""

    role_arn: str
    session_name: str
    external_id: str | None = None


class AccountSettings(_Strict):
    """One AWS account of the estate and the roles the pipelines assume in it."""

    account_id: AccountId
    """Required: the account's 12 digits. Endpoints of this account are deployed, planned and
    checked in it only (the provider's `allowed_account_ids`)."""
    deploy_role_arn: RoleArn
    """Required: the role `cdktf deploy` assumes in this account (its stack's provider
    `assume_role`). Its policy: `finout-telemetry permissions --for deploy --account NAME`."""
    deploy_external_id: DeployExternalId | None = None
    """Default none. The sts:ExternalId the deploy role's trust policy asks for, if any."""
    session_name: SessionName = DEFAULT_SESSION_NAME
    """Default `finout-telemetry`: the role session name, which CloudTrail shows beside every
    call the pipelines make in this account."""
    plan_role_arn: RoleArn | None = None
    """Default: the deploy role. The read-only role `finout-telemetry plan` assumes, so pull
    requests can be planned without the right to change anything."""
    check_role_arn: RoleArn | None = None
    """Default: the deploy role. The role `check` and `upload` assume."""

    def role_for(self, purpose: RolePurpose) -> AssumedRole:
        """The role a pipeline doing `purpose` assumes; the deploy role stands in for a plan or
        check role the account does not name, with its external ID."""
        own = {"deploy": None, "plan": self.plan_role_arn, "check": self.check_role_arn}[purpose]
        if own is not None:
            return AssumedRole(own, self.session_name)
        return AssumedRole(self.deploy_role_arn, self.session_name, self.deploy_external_id)


class EndpointConfig(_Strict):
    """One Finout endpoint: a bucket (+ optional prefix) read by one role with one external ID."""

    name: EndpointName
    """Unique; lowercase letters, digits and hyphens. Names the stack (`cdktf deploy NAME`)."""
    region: Region
    """The bucket's region, typed into Finout's endpoint form."""
    bucket: BucketName
    """The telemetry bucket."""
    external_id: ExternalId
    """The external ID from the Finout console (or `finout-telemetry external-id`)."""
    telemetries: Annotated[list[Telemetry], Field(min_length=1)]
    """One folder each; each name is the telemetry column of that folder's CSV files."""
    account: AccountName | None = None
    """Default none: deploy, plan and check with the caller's own credentials. The name of an
    entry of `accounts:`: the stack's provider then assumes that account's deploy role, and
    `account_id` is that account's."""
    account_id: AccountId | None = None
    """Default none (with `account`: the account's id). When set, the AWS provider refuses to
    touch any other account."""
    existing_bucket: bool = False
    """Default false: create the bucket. True: reference an existing bucket, never change it."""
    prefix: PathPrefix = ""
    """Default empty. S3 path prefix for the folders, without leading or trailing slash."""
    role_name: RoleName = DEFAULT_ROLE_NAME
    """Default `FinoutMetricsReadOnlyRole`."""
    policy_name: PolicyName = DEFAULT_POLICY_NAME
    """Default `finest-access-policy_telemetry_export`, the name in Finout's guide."""
    force_destroy_bucket: bool = False
    """Default false: `destroy` fails on a bucket that holds files, so no telemetry is lost.
    True lets `destroy` delete the created bucket with every file in it. Ignored for an
    existing bucket, which is never destroyed."""
    encryption: Literal["sse-s3", "sse-kms"] = "sse-s3"
    """Default `sse-s3`: a created bucket encrypts with S3's own keys (SSE-S3), which Finout
    reads with its documented policy alone. `sse-kms`: the files are encrypted with the KMS key
    `kms_key` names, and the role gets a second inline policy, `<policy_name>-kms`, allowing
    kms:Decrypt on that key through S3 only. For an existing bucket it declares how the bucket
    encrypts its files; the bucket itself is never changed."""
    kms_key: KmsKey | None = None
    """Default none; required with `encryption: sse-kms`, refused without it. `create`: the
    stack makes a customer-managed key (rotation on, 30-day deletion window, alias
    `alias/finout-telemetry-<name>`) and the bucket encrypts with it, S3 Bucket Keys on; refused
    for an existing bucket, which the stack never changes. Otherwise the ARN of an existing key
    (`arn:<partition>:kms:<region>:<account>:key/<key-id>`, multi-Region `mrk-…` keys too; not an
    alias), which the stack never changes: a created bucket encrypts with it, an existing
    bucket's files are encrypted with it. The key must be in the endpoint's region; it may be in
    another account than `account_id` (keys can be shared across accounts, and that key's policy
    must then let this account use it)."""

    access: AccessMode = "read_only"
    """Default `read_only`: Finout's documented policy, byte for byte (reads the whole bucket).
    `read_only_scoped`: reads only under `prefix` (required). `read_write`: the documented reads
    plus writes under `write_prefix` only, for Finout's exporters. Finout's form calls the first
    two "Read only" and the third "Read and write"; Finout cannot change it later."""
    write_prefix: WritePrefix | None = None
    """Required with `access: read_write`, refused otherwise: the folder Finout writes under,
    without leading or trailing slash, outside every telemetry folder."""

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    @property
    def uses_kms(self) -> bool:
        """The bucket's files are encrypted with a KMS key the role may decrypt with."""
        return self.encryption == "sse-kms"

    @property
    def creates_kms_key(self) -> bool:
        """The stack makes the key (`kms_key: create`), under `naming.kms_alias_name(name)`."""
        return self.uses_kms and self.kms_key == names.KMS_KEY_CREATE

    @property
    def bucket_arn(self) -> str:
        return bucket_arn(self.partition, self.bucket)

    def folder_key(self, telemetry: str) -> str:
        """The zero-byte folder object's key: `<prefix>/<telemetry>/`."""
        return folder_key(self.prefix, telemetry)

    @property
    def folder_keys(self) -> dict[str, str]:
        return {telemetry: self.folder_key(telemetry) for telemetry in self.telemetries}


class Config(_Strict):
    """The whole file: Finout's identity, optional state settings and accounts, and the
    endpoints (after `defaults:` was applied to each, see `config/expand.py`)."""

    finout: FinoutSettings
    endpoints: Annotated[list[EndpointConfig], Field(min_length=1)]
    state: StateSettings = StateSettings()
    accounts: dict[AccountName, AccountSettings] = {}
    """Default none. Name -> an AWS account and the roles the pipelines assume in it."""

    def account_of(self, endpoint: EndpointConfig) -> AccountSettings | None:
        """The account an endpoint names, or None for one deployed with the caller's own
        credentials."""
        return self.accounts[endpoint.account] if endpoint.account else None

    def role_for(self, endpoint: EndpointConfig, purpose: RolePurpose) -> AssumedRole | None:
        """The role a pipeline doing `purpose` assumes for `endpoint`, or None for the caller's
        own credentials."""
        account = self.account_of(endpoint)
        return account.role_for(purpose) if account else None

    def endpoint(self, name: str) -> EndpointConfig:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        known = ", ".join(e.name for e in self.endpoints)
        raise KeyError(f"no endpoint named {quoted(name)}; the config has: {known}")

    def principal_arn(self, endpoint: EndpointConfig) -> str:
        """Finout's principal as an ARN: an account id becomes the account's root principal."""
        return principal_arn(self.finout.principal, endpoint.partition)


ConfigFileSource = Literal["argument", "environment", "default"]
