"""One stack per Finout endpoint, so each deploys, diffs and is destroyed on its own."""

from __future__ import annotations

import os

from finout_s3_telemetry.constructs.bucket_defaults import bucket_settings
from finout_s3_telemetry.constructs.cdktf_core import (
    AwsProvider,
    Construct,
    LocalBackend,
    S3Backend,
    TerraformStack,
)
from finout_s3_telemetry.constructs.endpoint_outputs import EndpointOutputs, EndpointOutputsProps
from finout_s3_telemetry.constructs.finout_role import FinoutReadOnlyRole, FinoutReadOnlyRoleProps
from finout_s3_telemetry.constructs.telemetry_bucket import (
    BucketReference,
    ExistingTelemetryBucket,
    ExistingTelemetryBucketProps,
    TelemetryBucket,
    TelemetryBucketProps,
)
from finout_s3_telemetry.constructs.telemetry_folders import TelemetryFolders, TelemetryFoldersProps

from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.targets import Target

MANAGED_BY_TAG = "finout-s3-telemetry"


class FinoutEndpointStack(TerraformStack):
    """Bucket (new or referenced), telemetry folders, Finout's role and the form's outputs."""

    def __init__(
        self,
        scope: Construct,
        config: Config,
        endpoint: EndpointConfig,
        target: Target,
        *,
        state_dir: str,
        stack_dir: str,
    ) -> None:
        super().__init__(scope, endpoint.name)
        self._backend(config, endpoint, target, state_dir=state_dir, stack_dir=stack_dir)
        settings: dict[str, object] = {"region": endpoint.region}
        if endpoint.account_id:
            # The provider checks the caller's account before any change.
            settings["allowed_account_ids"] = [endpoint.account_id]
        settings["default_tags"] = [
            {"tags": {"ManagedBy": MANAGED_BY_TAG, "FinoutEndpoint": endpoint.name}}
        ]
        settings.update(target.provider_settings())
        provider = AwsProvider(self, "aws", settings)

        bucket: BucketReference
        wait_for: list[str] = []
        if endpoint.existing_bucket:
            bucket = ExistingTelemetryBucket(
                self,
                "existing_bucket",
                ExistingTelemetryBucketProps(bucket_name=endpoint.bucket, provider=provider),
            )
        else:
            bucket = TelemetryBucket(
                self,
                "telemetry_bucket",
                TelemetryBucketProps(
                    bucket_name=endpoint.bucket,
                    provider=provider,
                    partition=endpoint.partition,
                    settings=bucket_settings(force_destroy=endpoint.force_destroy_bucket),
                ),
            )
            wait_for = bucket.settled_by
        folders = TelemetryFolders(
            self,
            "telemetry_folders",
            TelemetryFoldersProps(
                bucket_name=bucket.bucket_name,
                telemetries=endpoint.telemetries,
                prefix=endpoint.prefix,
                provider=provider,
                depends_on=wait_for,
            ),
        )
        role = FinoutReadOnlyRole(
            self,
            "finout_role",
            FinoutReadOnlyRoleProps(
                principal_arn=config.principal_arn(endpoint),
                external_id=endpoint.external_id,
                bucket_name=endpoint.bucket,
                partition=endpoint.partition,
                role_name=endpoint.role_name,
                policy_name=endpoint.policy_name,
                provider=provider,
            ),
        )
        EndpointOutputs(
            self,
            "outputs",
            EndpointOutputsProps(
                role_arn=role.role_arn,
                bucket_name=endpoint.bucket,
                prefix=endpoint.prefix,
                region=endpoint.region,
                external_id=endpoint.external_id,
                folder_prefixes=list(folders.keys.values()),
            ),
        )

    def _backend(
        self,
        config: Config,
        endpoint: EndpointConfig,
        target: Target,
        *,
        state_dir: str,
        stack_dir: str,
    ) -> None:
        state = config.state
        if state.backend == "s3":
            backend = S3Backend(
                self,
                bucket=state.bucket or "",
                key=f"{state.key.strip('/')}/{endpoint.name}.tfstate",
                region=state.region or endpoint.region,
                encrypt=True,
            )
            backend.add_override("use_lockfile", state.use_lockfile)
            for name, value in target.backend_settings().items():
                backend.add_override(name, value)
            return
        # A relative path keeps the synthesized JSON free of machine paths; Terraform resolves it
        # from the stack's directory.
        state_file = os.path.join(state_dir, f"terraform.{endpoint.name}.tfstate")
        LocalBackend(self, path=os.path.relpath(state_file, stack_dir))
