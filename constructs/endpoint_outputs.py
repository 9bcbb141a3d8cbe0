"""The stack outputs: what the customer types into Finout's "Add Amazon S3" endpoint form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import Construct, TerraformOutput

from finout_s3_telemetry.form_values import OUTPUT_PREFIX


@dataclass(frozen=True, kw_only=True)
class EndpointOutputsProps:
    role_arn: str
    bucket_name: str
    prefix: str
    region: str
    external_id: str
    folder_prefixes: Sequence[str]


class EndpointOutputs(Construct):
    """Outputs sharing the `finout_` prefix: role ARN, bucket, S3 path prefix, region, external ID
    and the folder prefixes to send to Finout support."""

    def __init__(self, scope: Construct, id: str, props: EndpointOutputsProps) -> None:
        super().__init__(scope, id)
        values: dict[str, tuple[object, str]] = {
            "role_arn": (props.role_arn, "Finout form: Role ARN"),
            "bucket_name": (props.bucket_name, "Finout form: Bucket name"),
            "s3_path_prefix": (props.prefix, "Finout form: S3 path prefix (may be empty)"),
            "region": (props.region, "Finout form: Region"),
            "external_id": (props.external_id, "The external ID Finout presents"),
            "telemetry_folders": (
                list(props.folder_prefixes),
                "Folder prefixes to tell Finout support about",
            ),
        }
        for name, (value, description) in values.items():
            output = TerraformOutput(self, name, value=value, description=description)
            output.override_logical_id(OUTPUT_PREFIX + name)
