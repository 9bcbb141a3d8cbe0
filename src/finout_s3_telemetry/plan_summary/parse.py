"""Read `terraform show -json PLAN` files into `StackPlan`s, naming the file on every problem.

The stack's name comes from the file name: `<stack>.plan.json` (what `finout-telemetry plan`
writes) or `<stack>.json`; a file named just `plan.json` takes its folder's name, so
`cdktf.out/stacks/<stack>/plan.json` works too.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finout_s3_telemetry.plan_summary.plan_model import (
    Action,
    OutputChange,
    ResourceChange,
    StackPlan,
)
from finout_s3_telemetry.terminal_text import printable, shorten

PLAN_SUFFIX = ".plan.json"
MAX_PLAN_BYTES = 64 * 2**20
"""The largest plan file read. A stack of this project plans to well under 1 MiB; this leaves
room for hundreds of telemetries and long policies, and refuses what would take the machine's
memory (json.loads needs several times the file's size)."""
MAX_PLAN_DEPTH = 100
"""Terraform's plan JSON nests a few dozen levels at most. The summary's own code (and Python's
`repr`) recurse over values, so a limit far below the recursion limit keeps them safe."""
_FIX_PATH = "pass the JSON file written by `terraform show -json PLAN_FILE > PLAN_JSON`"
_FIX_JSON = "create it with `terraform show -json PLAN_FILE > PLAN_JSON`"
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
    data = _decode(path, read_plan_text(path))
    try:
        return parse_plan(stack_name(path), data)
    except _Invalid as problem:
        raise PlanFileError(path, str(problem)) from None


def read_plan_text(path: Path, limit: int = MAX_PLAN_BYTES) -> str:
    """The text of a plan file: a regular file of at most `limit` bytes, in UTF-8.

    Anything else is refused before it is read: a FIFO or a terminal would block forever,
    /dev/zero never ends, and a huge file would take the memory of the machine.
    """
    try:
        # O_NONBLOCK: opening a FIFO for reading waits for a writer; this open never waits.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as problem:
        raise PlanFileError(
            path, f"cannot read it ({problem.strerror or problem}); {_FIX_PATH}"
        ) from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise PlanFileError(path, f"is a directory, not a file; {_FIX_PATH}")
        if not stat.S_ISREG(info.st_mode):
            raise PlanFileError(path, f"is {_kind(info.st_mode)}, not a regular file; {_FIX_PATH}")
        if info.st_size > limit:
            raise PlanFileError(path, _too_large(info.st_size, limit))
        # One byte past the limit tells a file that grew since fstat (or lies about its size, as
        # files in /proc do) from one that fits.
        content = _read_at_most(descriptor, limit + 1)
    except OSError as problem:
        raise PlanFileError(
            path, f"cannot read it ({problem.strerror or problem}); {_FIX_PATH}"
        ) from None
    finally:
        os.close(descriptor)
    if len(content) > limit:
        raise PlanFileError(path, _too_large(len(content), limit))
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise PlanFileError(
            path,
            f"is not UTF-8 text (byte 0x{content[problem.start]:02x} at offset "
            f"{problem.start:,}), so not JSON from terraform; {_FIX_JSON}",
        ) from None


def _read_at_most(descriptor: int, size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(descriptor, min(left, 2**20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _decode(path: Path, text: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise PlanFileError(
            path,
            f"not valid JSON ({problem.msg}: line {problem.lineno}, column {problem.colno}); "
            f"{_FIX_JSON}",
        ) from None
    except RecursionError:
        raise PlanFileError(path, _too_deep()) from None
    if nested_deeper(data, MAX_PLAN_DEPTH):
        raise PlanFileError(path, _too_deep())
    return data


def _too_deep() -> str:
    return (
        f"JSON nested more than {MAX_PLAN_DEPTH} levels deep, which no Terraform plan is; "
        f"{_FIX_JSON}"
    )


def _too_large(size: int, limit: int) -> str:
    return (
        f"is {size / 2**20:,.1f} MiB, over the {limit / 2**20:,.0f} MiB a plan summary reads "
        f"(a plan of one stack is well under 1 MiB); {_FIX_JSON}"
    )


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"


def nested_deeper(value: Any, limit: int) -> bool:
    """Whether `value` nests lists and dicts more than `limit` deep (walked without recursion,
    so the check itself cannot hit the recursion limit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


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
        raise _Invalid(
            f"plan JSON format {_shown(data['format_version'])} is not supported (need 1.x); "
            "use a Terraform release whose `terraform show -json` writes format 1.x"
        )
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


def _shown(value: str) -> str:
    """A value from the plan named in a message: escaped, and shortened (it can be megabytes)."""
    return printable(shorten(value))


def _action(actions: Any, where: str) -> Action:
    if not isinstance(actions, list) or not actions:
        raise _Invalid(f"{where}: change.actions is missing or empty")
    if not all(isinstance(action, str) for action in actions):
        raise _Invalid(f'{where}: change.actions must be a list of strings, such as ["create"]')
    if sorted(actions) == ["create", "delete"]:
        # Either order: delete-then-create, or create-before-destroy.
        return "replace"
    if len(actions) == 1 and actions[0] in _SINGLE_ACTIONS:
        return _SINGLE_ACTIONS[actions[0]]
    raise _Invalid(f"{where}: unknown actions {_shown(repr(actions))}")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _resource_change(position: int, item: Any) -> ResourceChange:
    where = f"resource_changes[{position}]"
    if not isinstance(item, dict):
        raise _Invalid(f"{where} is not an object")
    for key in ("address", "type", "name"):
        if key not in item:
            raise _Invalid(f"{where}: {key} is missing")
        if not isinstance(item[key], str):
            raise _Invalid(f"{where}: {key} is {_json_type(item[key])}, not a string")
    where = f"{where} ({_shown(item['address'])})"
    mode = item.get("mode", "managed")
    if not isinstance(mode, str):
        raise _Invalid(f"{where}: mode is {_json_type(mode)}, not a string")
    index = item.get("index")
    if index is not None and not isinstance(index, str | int):
        raise _Invalid(f"{where}: index is {_json_type(index)}, not a string or a number")
    change = item.get("change")
    if not isinstance(change, dict):
        raise _Invalid(f"{where}: change is missing")
    before, after = change.get("before"), change.get("after")
    paths = change.get("replace_paths") or []
    if not isinstance(paths, list):
        raise _Invalid(f"{where}: change.replace_paths is {_json_type(paths)}, not a list")
    return ResourceChange(
        address=item["address"],
        type=item["type"],
        name=item["name"],
        mode=mode,
        index=index,
        action=_action(change.get("actions"), where),
        before=before if isinstance(before, dict) else None,
        after=after if isinstance(after, dict) else None,
        after_unknown=_mapping(change.get("after_unknown")),
        before_sensitive=_mapping(change.get("before_sensitive")),
        after_sensitive=_mapping(change.get("after_sensitive")),
        # A path is attribute names and list positions; anything else in one is not a path.
        replace_paths=tuple(
            tuple(path)
            for path in paths
            if isinstance(path, list)
            and all(isinstance(step, str | int) and not isinstance(step, bool) for step in path)
        ),
    )


def _json_type(value: Any) -> str:
    """What JSON calls the type of `value`, for a message: `a number`, `an object`, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _output_change(name: str, raw: Any) -> OutputChange:
    where = f"output_changes.{_shown(name)}"
    if not isinstance(raw, dict):
        raise _Invalid(f"{where} is not an object")
    return OutputChange(
        name=name,
        action=_action(raw.get("actions"), where),
        before=raw.get("before"),
        after=raw.get("after"),
        after_unknown=raw.get("after_unknown") is True,
        sensitive=raw.get("before_sensitive") is True or raw.get("after_sensitive") is True,
    )
