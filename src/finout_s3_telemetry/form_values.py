"""`demo`'s printout of what the customer types into Finout, per endpoint of the config."""

from __future__ import annotations

from typing import Any

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.endpoint_form import ACCESS, KMS_KEY, TELEMETRY_FOLDERS, form_rows
from finout_s3_telemetry.naming import ACCESS_READ_WRITE, FINOUT_ACCESS_LABELS


def print_form_values(config: Config, outputs_by_stack: dict[str, dict[str, Any]]) -> None:
    print("Finout: Settings -> Endpoints -> Add Amazon S3")
    for endpoint in config.endpoints:
        outputs = outputs_by_stack.get(endpoint.name, {})
        print(f"\nendpoint {endpoint.name}")
        for label, value in form_rows(outputs):
            print(f"  {label:<15} {value}")
        # From the config: the mode is what the stack was synthesized with, and Finout cannot
        # change it once the endpoint exists.
        print(f"  {ACCESS.label:<15} {FINOUT_ACCESS_LABELS[endpoint.access]}")
        if endpoint.access == ACCESS_READ_WRITE:
            print(
                f"  {'Write prefix':<15} {endpoint.write_prefix}/ (Finout's exporters may write "
                "only here)"
            )
        folders = outputs.get(TELEMETRY_FOLDERS.output_name) or []
        if folders:
            print(
                f"  {'Folders':<15} {len(folders)} (tell Finout support: {', '.join(folders[:3])}"
                f"{', ...' if len(folders) > 3 else ''})"
            )
        key = outputs.get(KMS_KEY.output_name)
        if key:
            # Not typed into Finout: the role's own kms:Decrypt policy is all Finout needs.
            print(f"  {KMS_KEY.label:<15} {key} (nothing to type: the role may decrypt with it)")
