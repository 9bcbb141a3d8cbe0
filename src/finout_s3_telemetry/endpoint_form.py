"""Finout's endpoint form (Settings -> Endpoints -> Add Amazon S3): its fields in order, and the
stack output each value comes from. The stacks' outputs, `demo`'s printout and the plan summary
all list the form from here.

Finout has no API to create an S3 endpoint: the customer types these values by hand, so what the
outputs hold is exactly what is typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OUTPUT_PREFIX = "finout_"
"""Every stack output carries it, so `cdktf output` groups them."""
EMPTY_PREFIX = "(leave empty)"
"""What to type as the S3 path prefix of an endpoint without one."""


@dataclass(frozen=True)
class FormField:
    label: str
    """The field's label in Finout's form."""
    output: str
    """The stack output holding its value, without OUTPUT_PREFIX."""
    description: str
    """The output's description in the stack."""

    @property
    def output_name(self) -> str:
        return OUTPUT_PREFIX + self.output


FORM_FIELDS: tuple[FormField, ...] = (
    FormField("Role ARN", "role_arn", "Finout form: Role ARN"),
    FormField("Bucket name", "bucket_name", "Finout form: Bucket name"),
    FormField("S3 path prefix", "s3_path_prefix", "Finout form: S3 path prefix (may be empty)"),
    FormField("Region", "region", "Finout form: Region"),
    FormField("External ID", "external_id", "The external ID Finout presents"),
)
PATH_PREFIX_OUTPUT = OUTPUT_PREFIX + "s3_path_prefix"
TELEMETRY_FOLDERS = FormField(
    "Folders", "telemetry_folders", "Folder prefixes to tell Finout support about"
)
"""Not a form field: the folder prefixes to send to Finout support."""
KMS_KEY = FormField(
    "KMS key", "kms_key_arn", "The KMS key the bucket's files are encrypted with (SSE-KMS)"
)
"""Not a form field, and only with SSE-KMS: Finout needs no key, only the role's kms:Decrypt on
it; the output names the key for reviewers and for `check`."""
ACCESS = FormField("Access", "access", "Finout form: bucket access (Read only or Read and write)")
"""The form's bucket access, which Finout cannot change later. Output only by endpoints whose
mode is not the default `read_only`: a stack without it is "Read only", so stacks deployed
before access modes existed plan no change."""
DEFAULT_ACCESS_LABEL = "Read only"


def access_label(value: Any) -> str:
    """The access to pick in Finout from the `finout_access` output's value (absent: the
    default)."""
    return value if isinstance(value, str) and value else DEFAULT_ACCESS_LABEL


def form_value(field: FormField, value: Any) -> str:
    """A value as it is typed into the form."""
    if field.output_name == PATH_PREFIX_OUTPUT and value in ("", None):
        return EMPTY_PREFIX
    return "" if value is None else str(value)


def form_rows(outputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for each form field, from a stack's outputs."""
    return [
        (field.label, form_value(field, outputs.get(field.output_name))) for field in FORM_FIELDS
    ]
