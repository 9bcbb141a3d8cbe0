"""Deploy an endpoint with plain boto3, resource for resource as the stacks deploy it.

For the checker's tests and bench only: they need a correct deployment to start from (and to
break) without running terraform. The documents come from `policy_documents`, the same renderer
the constructs use; the settings are the constructs' secure defaults (lifecycle rules aside, which
the checker does not read).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import boto3
from finout_s3_telemetry.constructs.bucket_defaults import SECURE_BUCKET_DEFAULTS

from finout_s3_telemetry import policy_documents
from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.naming import kms_alias_name, kms_policy_name
from finout_s3_telemetry.targets import Target

FOLDER_CONTENT_TYPE = "application/x-directory"


_SESSION = boto3.session.Session()
_SESSION_LOCK = threading.Lock()


def client(
    target: Target, service: str, region: str, credentials: Mapping[str, str] | None = None
) -> Any:
    """A client for `target`, path-style for an emulator; with `credentials`, acting in their
    account. Made from one boto3 Session, which loads each service's model once (a Session per
    client loads it again), under a lock: a Session is not thread-safe, its clients are."""
    with _SESSION_LOCK:
        return target.client(service, region, session=_SESSION, credentials=credentials)


def clients(
    target: Target, region: str, credentials: Mapping[str, str] | None = None
) -> tuple[Any, Any]:
    """(s3, iam) clients for `target` (see `client`)."""
    return client(target, "s3", region, credentials), client(target, "iam", region, credentials)


def create_bucket(s3: Any, name: str, region: str) -> None:
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    if location:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration=location)
    else:
        s3.create_bucket(Bucket=name)


def provision_endpoint(
    config: Config,
    endpoint: EndpointConfig,
    target: Target,
    credentials: Mapping[str, str] | None = None,
) -> None:
    """Bucket (a plain stand-in when existing_bucket), folders, role, trust and inline policy;
    with `credentials`, in their account."""
    s3, iam = clients(target, endpoint.region, credentials)
    name = endpoint.bucket
    create_bucket(s3, name, endpoint.region)
    if not endpoint.existing_bucket:
        # The constructs' own secure defaults, not a copy: a changed default changes both.
        settings = SECURE_BUCKET_DEFAULTS
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": settings.block_public_acls,
                "IgnorePublicAcls": settings.ignore_public_acls,
                "BlockPublicPolicy": settings.block_public_policy,
                "RestrictPublicBuckets": settings.restrict_public_buckets,
            },
        )
        s3.put_bucket_ownership_controls(
            Bucket=name,
            OwnershipControls={"Rules": [{"ObjectOwnership": settings.object_ownership}]},
        )
        if not endpoint.uses_kms:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": settings.sse_algorithm
                            }
                        }
                    ]
                },
            )
        if settings.versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if settings.enforce_tls:
            s3.put_bucket_policy(
                Bucket=name,
                Policy=policy_documents.to_json(
                    policy_documents.tls_only_policy(endpoint.bucket_arn)
                ),
            )
    for key in endpoint.folder_keys.values():
        s3.put_object(Bucket=name, Key=key, Body=b"", ContentType=FOLDER_CONTENT_TYPE)
    iam.create_role(
        RoleName=endpoint.role_name,
        AssumeRolePolicyDocument=policy_documents.to_json(
            policy_documents.trust_policy(config.principal_arn(endpoint), endpoint.external_id)
        ),
        Description=f"Finout reads telemetry from s3://{name} (external ID required)",
        MaxSessionDuration=3600,  # FinoutReadOnlyRoleProps' default (importing it would start jsii)
    )
    iam.put_role_policy(
        RoleName=endpoint.role_name,
        PolicyName=endpoint.policy_name,
        PolicyDocument=policy_documents.to_json(
            policy_documents.access_policy(
                endpoint.access, endpoint.bucket_arn, endpoint.prefix, endpoint.write_prefix
            )
        ),
    )

    if endpoint.uses_kms:
        provision_kms(endpoint, target, credentials)


def encrypt_with_kms(s3: Any, bucket: str, key_arn: str = "") -> None:
    """SSE-KMS as the bucket's default, with S3 Bucket Keys; without a key, the AWS-managed
    `aws/s3` key."""
    default: dict[str, str] = {"SSEAlgorithm": "aws:kms"}
    if key_arn:
        default["KMSMasterKeyID"] = key_arn
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]
        },
    )


def provision_kms(
    endpoint: EndpointConfig, target: Target, credentials: Mapping[str, str] | None = None
) -> str:
    """The key (made, or the configured one), the bucket's SSE-KMS default for a created bucket,
    and the role's kms:Decrypt policy; as the constructs deploy them. Returns the key ARN."""
    s3, iam = clients(target, endpoint.region, credentials)
    role_arn = iam.get_role(RoleName=endpoint.role_name)["Role"]["Arn"]
    key_arn = endpoint.kms_key or ""
    if endpoint.creates_kms_key:
        kms = client(target, "kms", endpoint.region, credentials)
        account = role_arn.split(":")[4]
        policy = policy_documents.kms_key_policy(
            f"arn:aws:iam::{account}:root", role_arn, endpoint.region
        )
        key_arn = kms.create_key(Policy=policy_documents.to_json(policy))["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=key_arn)
        kms.create_alias(AliasName=kms_alias_name(endpoint.name), TargetKeyId=key_arn)
    if not endpoint.existing_bucket:
        encrypt_with_kms(s3, endpoint.bucket, key_arn)
    iam.put_role_policy(
        RoleName=endpoint.role_name,
        PolicyName=kms_policy_name(endpoint.policy_name),
        PolicyDocument=policy_documents.to_json(
            policy_documents.kms_decrypt_policy(key_arn, endpoint.region)
        ),
    )
    return key_arn


def provision(config: Config, target: Target, endpoint_names: Sequence[str] = ()) -> None:
    """Every endpoint (or those named): an endpoint of one of the config's accounts in that
    account, whose check role is created first (`provision_account`); the others in the
    account of the target's own credentials."""
    accounts: dict[str, dict[str, str]] = {}
    for endpoint in config.endpoints:
        if endpoint_names and endpoint.name not in endpoint_names:
            continue
        credentials = None
        if endpoint.account is not None:
            if endpoint.account not in accounts:
                accounts[endpoint.account] = provision_account(config, endpoint.account, target)
            credentials = accounts[endpoint.account]
        provision_endpoint(config, endpoint, target, credentials)


def account_credentials(target: Target, role_arn: str) -> dict[str, str]:
    """Credentials acting in the account of `role_arn`, from sts:AssumeRole with the target's
    own: on the emulator in multi-account mode (`LocalAws(account_id=None)`) they act in that
    account, and moto assumes a role whether it exists or not."""
    sts = client(target, "sts", "us-east-1")
    found = sts.assume_role(RoleArn=role_arn, RoleSessionName="provisioning")["Credentials"]
    return {
        "aws_access_key_id": found["AccessKeyId"],
        "aws_secret_access_key": found["SecretAccessKey"],
        "aws_session_token": found["SessionToken"],
    }


def provision_account(config: Config, name: str, target: Target) -> dict[str, str]:
    """The account's check role (else its deploy role) in that account, trusting the account
    of the target's own credentials, as the pipeline's roles are set up; returns credentials
    acting in the account (its deploy role's), to deploy its endpoints with."""
    account = config.accounts[name]
    credentials = account_credentials(target, account.deploy_role_arn)
    caller = client(target, "sts", "us-east-1").get_caller_identity()["Account"]
    role_arn = account.role_for("check").role_arn
    path, _, role_name = role_arn.split(":", 5)[5].removeprefix("role").rpartition("/")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{caller}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = client(target, "iam", "us-east-1", credentials)
    iam.create_role(RoleName=role_name, Path=f"{path}/", AssumeRolePolicyDocument=json.dumps(trust))
    return credentials
