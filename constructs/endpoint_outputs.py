"""The stack outputs: what the customer types into Finout's "Add Amazon S3" endpoint form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import Construct, TerraformOutput

from finout_s3_telemetry.endpoint_form import FORM_FIELDS, TELEMETRY_FOLDERS


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


class EndpointOutputs(Construct):
    """Outputs sharing the `finout_` prefix: role ARN, bucket, S3 path prefix, region, external ID
    and the folder prefixes to send to Finout support."""

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
        for field in (*FORM_FIELDS, TELEMETRY_FOLDERS):
            output = TerraformOutput(
                self, field.output, value=values[field.output], description=field.description
            )
            output.override_logical_id(props.name_prefix + field.output_name)
