"""Read `terraform show -json PLAN` files into `StackPlan`s, naming the file on every problem.

The stack's name comes from the file name: `<stack>.plan.json` (what `finout-telemetry plan`
writes) or `<stack>.json`; a file named just `plan.json` takes its folder's name, so
`cdktf.out/stacks/<stack>/plan.json` works too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finout_s3_telemetry.plan_summary.plan_model import (
    Action,
    OutputChange,
    ResourceChange,
    StackPlan,
)

PLAN_SUFFIX = ".plan.json"
_GENERIC_NAMES = {"plan.json", "tfplan.json"}
_SINGLE_ACTIONS: dict[str, Action] = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "read": "read",
    "forget": "forget",
    "no-op": "no-op",
}


class PlanFileError(ValueError):
    """A plan file that cannot be read or is not a Terraform plan in JSON."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def stack_name(path: Path) -> str:
    name = path.name
    if name in _GENERIC_NAMES:
        return path.absolute().parent.name
    if name.endswith(PLAN_SUFFIX):
        return name[: -len(PLAN_SUFFIX)]
    return name[: -len(".json")] if name.endswith(".json") else name


def load_plan(path: Path) -> StackPlan:
    """Parse one plan file. Raises PlanFileError with the file's path in the message."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise PlanFileError(path, f"cannot read it ({problem})") from problem
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise PlanFileError(path, f"not valid JSON ({problem})") from problem
    try:
        return parse_plan(stack_name(path), data)
    except _Invalid as problem:
        raise PlanFileError(path, str(problem)) from None


class _Invalid(ValueError):
    pass


def parse_plan(stack: str, data: Any) -> StackPlan:
    """A `StackPlan` from the decoded JSON of `terraform show -json PLAN`."""
    if not isinstance(data, dict) or not isinstance(data.get("format_version"), str):
        raise _Invalid(
            "not the JSON of a Terraform plan (no format_version); "
            "create it with `terraform show -json PLAN_FILE`"
        )
    if not data["format_version"].startswith("1."):
        raise _Invalid(f"plan JSON format {data['format_version']} is not supported (need 1.x)")
    if "planned_values" not in data:
        hint = " (this looks like state: pass a plan file to `terraform show -json`)"
        raise _Invalid("holds no planned values" + (hint if "values" in data else ""))
    changes = tuple(
        _resource_change(i, item) for i, item in enumerate(_list(data, "resource_changes"))
    )
    outputs_raw = data.get("output_changes") or {}
    if not isinstance(outputs_raw, dict):
        raise _Invalid("output_changes is not an object")
    outputs = {name: _output_change(name, raw) for name, raw in sorted(outputs_raw.items())}
    return StackPlan(
        stack=stack,
        resource_changes=changes,
        output_changes=outputs,
        errored=data.get("errored") is True,
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise _Invalid(f"{key} is not a list")
    return value


def _action(actions: Any, where: str) -> Action:
    if not isinstance(actions, list) or not actions:
        raise _Invalid(f"{where}: change.actions is missing or empty")
    if sorted(actions) == ["create", "delete"]:
        # Either order: delete-then-create, or create-before-destroy.
        return "replace"
    if len(actions) == 1 and actions[0] in _SINGLE_ACTIONS:
        return _SINGLE_ACTIONS[actions[0]]
    raise _Invalid(f"{where}: unknown actions {actions}")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _resource_change(position: int, item: Any) -> ResourceChange:
    where = f"resource_changes[{position}]"
    if not isinstance(item, dict):
        raise _Invalid(f"{where} is not an object")
    for key in ("address", "type", "name"):
        if not isinstance(item.get(key), str):
            raise _Invalid(f"{where}: {key} is missing")
    change = item.get("change")
    if not isinstance(change, dict):
        raise _Invalid(f"{where} ({item['address']}): change is missing")
    before, after = change.get("before"), change.get("after")
    paths = change.get("replace_paths") or []
    return ResourceChange(
        address=item["address"],
        type=item["type"],
        name=item["name"],
        mode=str(item.get("mode", "managed")),
        index=item.get("index"),
        action=_action(change.get("actions"), f"{where} ({item['address']})"),
        before=before if isinstance(before, dict) else None,
        after=after if isinstance(after, dict) else None,
        after_unknown=_mapping(change.get("after_unknown")),
        before_sensitive=_mapping(change.get("before_sensitive")),
        after_sensitive=_mapping(change.get("after_sensitive")),
        replace_paths=tuple(tuple(path) for path in paths if isinstance(path, list)),
    )


def _output_change(name: str, raw: Any) -> OutputChange:
    if not isinstance(raw, dict):
        raise _Invalid(f"output_changes.{name} is not an object")
    return OutputChange(
        name=name,
        action=_action(raw.get("actions"), f"output_changes.{name}"),
        before=raw.get("before"),
        after=raw.get("after"),
        after_unknown=raw.get("after_unknown") is True,
        sensitive=raw.get("before_sensitive") is True or raw.get("after_sensitive") is True,
    )
