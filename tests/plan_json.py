"""Hand-written minimal `terraform show -json` plans for the plan summary's unit tests."""

from __future__ import annotations

import json
from typing import Any

from finout_s3_telemetry.plan_summary.parse import parse_plan
from finout_s3_telemetry.plan_summary.plan_model import StackPlan

ACTIONS: dict[str, list[str]] = {
    "create": ["create"],
    "update": ["update"],
    "delete": ["delete"],
    "replace": ["delete", "create"],
    "no-op": ["no-op"],
}


def trust_document(principal: str | list[str], external_id: str | list[str] | None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def resource(
    address: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    after_unknown: dict[str, Any] | None = None,
    replace_paths: list[list[str]] | None = None,
) -> dict[str, Any]:
    type_, _, rest = address.partition(".")
    name, _, index = rest.partition("[")
    change: dict[str, Any] = {
        "actions": ACTIONS[action],
        "before": before if action not in ("create",) else None,
        "after": after if action != "delete" else None,
        "after_unknown": after_unknown or {},
        "before_sensitive": False,
        "after_sensitive": {},
    }
    if replace_paths:
        change["replace_paths"] = replace_paths
    item: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": change,
    }
    if index:
        item["index"] = json.loads(index.rstrip("]"))
    return item


def output(
    action: str, before: Any = None, after: Any = None, unknown: bool = False
) -> dict[str, Any]:
    return {
        "actions": ACTIONS[action],
        "before": before,
        "after": after,
        "after_unknown": unknown,
        "before_sensitive": False,
        "after_sensitive": False,
    }


def plan_json(
    resources: list[dict[str, Any]], outputs: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": resources,
        "output_changes": outputs or {},
        "timestamp": "2026-01-01T00:00:00Z",
        "errored": False,
    }


def stack_plan(
    stack: str,
    resources: list[dict[str, Any]],
    outputs: dict[str, dict[str, Any]] | None = None,
) -> StackPlan:
    return parse_plan(stack, plan_json(resources, outputs))


def role_update(before: str, after: str) -> dict[str, Any]:
    return resource(
        "aws_iam_role.finout_role",
        "update",
        {"name": "FinoutMetricsReadOnlyRole", "assume_role_policy": before},
        {"name": "FinoutMetricsReadOnlyRole", "assume_role_policy": after},
    )


def folder(
    telemetry: str, action: str = "create", prefix: str = "finout/telemetry"
) -> dict[str, Any]:
    values = {"key": f"{prefix}/{telemetry}/", "bucket": "acme-finout-telemetry", "content": ""}
    return resource(f'aws_s3_object.telemetry_folders["{telemetry}"]', action, values, values)
