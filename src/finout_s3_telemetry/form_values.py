"""What the customer types into Finout: Settings -> Endpoints -> Add Amazon S3."""

from __future__ import annotations

from typing import Any

from finout_s3_telemetry.config import Config

# The stacks' outputs share this prefix (constructs/endpoint_outputs.py uses it).
OUTPUT_PREFIX = "finout_"


def form_rows(outputs: dict[str, Any]) -> list[tuple[str, str]]:
    def value(name: str) -> str:
        return str(outputs.get(OUTPUT_PREFIX + name, ""))

    return [
        ("Role ARN", value("role_arn")),
        ("Bucket name", value("bucket_name")),
        ("S3 path prefix", value("s3_path_prefix") or "(leave empty)"),
        ("Region", value("region")),
        ("External ID", value("external_id")),
    ]


def print_form_values(config: Config, outputs_by_stack: dict[str, dict[str, Any]]) -> None:
    print("Finout: Settings -> Endpoints -> Add Amazon S3 (access: Read only)")
    for endpoint in config.endpoints:
        outputs = outputs_by_stack.get(endpoint.name, {})
        print(f"\nendpoint {endpoint.name}")
        for label, value in form_rows(outputs):
            print(f"  {label:<15} {value}")
        folders = outputs.get(OUTPUT_PREFIX + "telemetry_folders") or []
        if folders:
            print(
                f"  {'Folders':<15} {len(folders)} (tell Finout support: {', '.join(folders[:3])}"
                f"{', ...' if len(folders) > 3 else ''})"
            )
