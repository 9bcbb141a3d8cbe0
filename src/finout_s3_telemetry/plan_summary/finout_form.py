"""The values for Finout's endpoint form, taken from the planned stack outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from finout_s3_telemetry import endpoint_form
from finout_s3_telemetry.endpoint_form import OUTPUT_PREFIX
from finout_s3_telemetry.plan_summary.plan_model import OutputChange

ROLE_ARN = OUTPUT_PREFIX + "role_arn"
BUCKET_NAME = OUTPUT_PREFIX + "bucket_name"
PATH_PREFIX = endpoint_form.PATH_PREFIX_OUTPUT
REGION = OUTPUT_PREFIX + "region"
EXTERNAL_ID = OUTPUT_PREFIX + "external_id"
TELEMETRY_FOLDERS = endpoint_form.TELEMETRY_FOLDERS.output_name
ACCESS = endpoint_form.ACCESS.output_name
MODE_CHANGE = "Finout cannot change an endpoint's mode: create a new endpoint in Finout"

# Label and output, in the order of Finout's form.
FORM_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (field.label, field.output_name) for field in endpoint_form.FORM_FIELDS
)
_FIELDS_BY_OUTPUT = {field.output_name: field for field in endpoint_form.FORM_FIELDS}
# A change to these means the endpoint in Finout must be edited; a new external ID is called out
# with the trust policy instead.
_EDITED_IN_FINOUT = (ROLE_ARN, BUCKET_NAME, PATH_PREFIX, REGION)

FormStatus = Literal["new", "changed", "removed"]


@dataclass(frozen=True, kw_only=True)
class FormRow:
    label: str
    value: str | None
    """None: known after apply."""
    previous: str | None = None
    """The value Finout has now, when it changes."""


@dataclass(frozen=True, kw_only=True)
class FinoutForm:
    status: FormStatus
    rows: tuple[FormRow, ...]
    access: str = endpoint_form.DEFAULT_ACCESS_LABEL
    """The bucket access to pick in Finout ("Read only" or "Read and write")."""


def access_change(outputs: Mapping[str, OutputChange]) -> tuple[str, str] | None:
    """(before, after) of the bucket access Finout must use, when a plan of an endpoint that
    exists changes it; None otherwise. A missing `finout_access` output is "Read only"."""
    role, access = outputs.get(ROLE_ARN), outputs.get(ACCESS)
    if role is None or role.action in ("create", "delete") or access is None:
        return None
    if access.after_unknown:
        return None
    before = endpoint_form.access_label(access.before)
    after = endpoint_form.access_label(None if access.action == "delete" else access.after)
    return (before, after) if before != after else None


def _planned_access(outputs: Mapping[str, OutputChange]) -> str:
    access = outputs.get(ACCESS)
    if access is None or access.action == "delete" or access.after_unknown:
        return endpoint_form.DEFAULT_ACCESS_LABEL
    return endpoint_form.access_label(access.after)


def _text(output: str, value: Any) -> str:
    return endpoint_form.form_value(_FIELDS_BY_OUTPUT[output], value)


def finout_form(outputs: Mapping[str, OutputChange]) -> FinoutForm | None:
    """What to type into Finout for a new or changed endpoint (or that it goes); else None."""
    role = outputs.get(ROLE_ARN)
    if role is None:
        return None
    if role.action == "delete":
        return FinoutForm(status="removed", rows=())
    changed = [
        outputs[name]
        for name in _EDITED_IN_FINOUT
        if name in outputs and outputs[name].action in ("update", "replace")
    ]
    status: FormStatus
    if role.action == "create":
        status = "new"
    elif changed:
        status = "changed"
    else:
        return None
    rows = []
    for label, name in FORM_FIELDS:
        output = outputs.get(name)
        if output is None:
            continue
        value = None if output.after_unknown else _text(name, output.after)
        previous = None
        if status == "changed" and output in changed:
            previous = _text(name, output.before)
            if previous == value:
                previous = None
        rows.append(FormRow(label=label, value=value, previous=previous))
    return FinoutForm(status=status, rows=tuple(rows), access=_planned_access(outputs))
