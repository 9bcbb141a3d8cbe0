"""The stack outputs: what the customer types into Finout's "Add Amazon S3" endpoint form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import Construct, TerraformOutput

from finout_s3_telemetry.endpoint_form import ACCESS, FORM_FIELDS, KMS_KEY, TELEMETRY_FOLDERS


@dataclass(frozen=True, kw_only=True)
class EndpointOutputsProps:
    role_arn: str
    bucket_name: str
    prefix: str
    region: str
    external_id: str
    folder_prefixes: Sequence[str]
    name_prefix: str = ""
    """Default empty. Put before each output's name, for a second endpoint in one stack."""
    kms_key_arn: str | None = None
    """Default none (SSE-S3): no key output. With SSE-KMS, the key the files are encrypted with."""
    access_label: str | None = None
    """Default none: no access output, which means "Read only" (Finout's documented policy).
    Otherwise the bucket access to pick in Finout's form ("Read only", "Read and write")."""


class EndpointOutputs(Construct):
    """Outputs sharing the `finout_` prefix: role ARN, bucket, S3 path prefix, region, external ID
    and the folder prefixes to send to Finout support; with SSE-KMS also the key's ARN."""

    def __init__(self, scope: Construct, id: str, props: EndpointOutputsProps) -> None:
        super().__init__(scope, id)
        values: dict[str, object] = {
            "role_arn": props.role_arn,
            "bucket_name": props.bucket_name,
            "s3_path_prefix": props.prefix,
            "region": props.region,
            "external_id": props.external_id,
            TELEMETRY_FOLDERS.output: list(props.folder_prefixes),
        }
        fields = [*FORM_FIELDS, TELEMETRY_FOLDERS]
        if props.kms_key_arn is not None:
            values[KMS_KEY.output] = props.kms_key_arn
            fields.append(KMS_KEY)
        if props.access_label is not None:
            values[ACCESS.output] = props.access_label
            fields.append(ACCESS)
        for field in fields:
            # Named by its id (static_id) rather than renamed afterwards: one jsii call, not two.
            TerraformOutput(
                self,
                props.name_prefix + field.output_name,
                value=values[field.output],
                description=field.description,
                static_id=True,
            )
