"""One stack per Finout endpoint, so each deploys, diffs and is destroyed on its own."""

from __future__ import annotations

import os

from finout_s3_telemetry.constructs.bucket_defaults import BucketSettings
from finout_s3_telemetry.constructs.cdktf_core import (
    Annotations,
    AwsProvider,
    Construct,
    LocalBackend,
    S3Backend,
    TerraformStack,
)
from finout_s3_telemetry.constructs.telemetry_endpoint import (
    FinoutTelemetryEndpoint,
    FinoutTelemetryEndpointProps,
)

from finout_s3_telemetry.config.model import Config, EndpointConfig, RolePurpose
from finout_s3_telemetry.targets import Target

MANAGED_BY_TAG = "finout-s3-telemetry"


class FinoutEndpointStack(TerraformStack):
    """Bucket (new or referenced), telemetry folders, Finout's role and the form's outputs; with
    SSE-KMS the role's kms:Decrypt policy, and the key itself with `kms_key: create`."""

    def __init__(
        self,
        scope: Construct,
        config: Config,
        endpoint: EndpointConfig,
        target: Target,
        *,
        state_dir: str,
        stack_dir: str,
        previous_folders: set[str] | None = None,
        role_purpose: RolePurpose = "deploy",
    ) -> None:
        """`role_purpose`: which of the endpoint's account roles the provider assumes (the
        deploy role for `cdktf deploy`, the read-only plan role for `finout-telemetry plan`)."""
        super().__init__(scope, endpoint.name)
        self._backend(config, endpoint, target, state_dir=state_dir, stack_dir=stack_dir)
        settings: dict[str, object] = {"region": endpoint.region}
        if endpoint.account_id:
            # The provider checks the caller's account before any change.
            settings["allowed_account_ids"] = [endpoint.account_id]
        if (role := config.role_for(endpoint, role_purpose)) is not None:
            # The pipeline's own identity only needs sts:AssumeRole: each account's role does
            # the work, in that account, and CloudTrail names the session.
            assume: dict[str, object] = {
                "role_arn": role.role_arn,
                "session_name": role.session_name,
            }
            if role.external_id:
                assume["external_id"] = role.external_id
            settings["assume_role"] = [assume]
        settings["default_tags"] = [
            {"tags": {"ManagedBy": MANAGED_BY_TAG, "FinoutEndpoint": endpoint.name}}
        ]
        settings.update(target.provider_settings())
        provider = AwsProvider(self, "aws", settings)

        telemetry = FinoutTelemetryEndpoint(
            self,
            "endpoint",
            FinoutTelemetryEndpointProps(
                bucket_name=endpoint.bucket,
                telemetries=endpoint.telemetries,
                principal=config.finout.principal,
                external_id=endpoint.external_id,
                region=endpoint.region,
                provider=provider,
                existing_bucket=endpoint.existing_bucket,
                prefix=endpoint.prefix,
                role_name=endpoint.role_name,
                policy_name=endpoint.policy_name,
                bucket_settings=BucketSettings(force_destroy=endpoint.force_destroy_bucket),
                encryption=endpoint.encryption,
                kms_key=endpoint.kms_key,
                endpoint_name=endpoint.name,
                account_id=endpoint.account_id,
                access=endpoint.access,
                write_prefix=endpoint.write_prefix,
            ),
        )
        if previous_folders is not None:
            # Finout reads a new folder of an existing endpoint only once support adds it: said
            # at `synth` and at `cdktf deploy` (the CLI prints annotations), with the exact key.
            for key in sorted(set(telemetry.folders.keys.values()) - previous_folders):
                Annotations.of(self).add_info(
                    f"new telemetry folder {key} in bucket {endpoint.bucket}: after deploying, "
                    f"send Finout support this prefix (s3://{endpoint.bucket}/{key}) so that "
                    f"Finout reads it for endpoint {endpoint.name}"
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
            if state.use_lockfile:
                # Only when on: Terraform before 1.10 knows no such argument, even set to false.
                backend.add_override("use_lockfile", True)
            for name, value in target.backend_settings().items():
                backend.add_override(name, value)
            return
        # A relative path keeps the synthesized JSON free of machine paths; Terraform resolves it
        # from the stack's directory.
        state_file = os.path.join(state_dir, f"terraform.{endpoint.name}.tfstate")
        LocalBackend(self, path=os.path.relpath(state_file, stack_dir))
