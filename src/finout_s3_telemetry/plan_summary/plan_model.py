"""A Terraform plan, reduced to what a reviewer's summary needs.

Built from `terraform show -json PLAN` (format 1.x) by `parse.py`; everything here is read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["create", "update", "replace", "delete", "read", "forget", "no-op"]

# The order of the headline counts, and the actions that change something.
COUNTED_ACTIONS: tuple[Action, ...] = ("create", "update", "replace", "delete")


@dataclass(frozen=True, kw_only=True)
class ResourceChange:
    """One entry of the plan's `resource_changes`."""

    address: str
    type: str
    name: str
    mode: str
    """`managed` or `data`."""
    index: str | int | None
    action: Action
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    after_unknown: Mapping[str, Any]
    before_sensitive: Mapping[str, Any]
    after_sensitive: Mapping[str, Any]
    replace_paths: tuple[tuple[str | int, ...], ...] = ()

    @property
    def managed(self) -> bool:
        return self.mode == "managed"

    def before_value(self, attribute: str) -> Any:
        return (self.before or {}).get(attribute)

    def after_value(self, attribute: str) -> Any:
        return (self.after or {}).get(attribute)

    def unknown_after(self, attribute: str) -> bool:
        return self.after_unknown.get(attribute) is True

    def sensitive(self, attribute: str) -> bool:
        return (
            self.before_sensitive.get(attribute) is True
            or self.after_sensitive.get(attribute) is True
        )


@dataclass(frozen=True, kw_only=True)
class OutputChange:
    """One entry of the plan's `output_changes`."""

    name: str
    action: Action
    before: Any
    after: Any
    after_unknown: bool
    sensitive: bool


@dataclass(frozen=True, kw_only=True)
class StackPlan:
    """The plan of one stack (one Finout endpoint)."""

    stack: str
    resource_changes: tuple[ResourceChange, ...]
    output_changes: Mapping[str, OutputChange]
    errored: bool = False
