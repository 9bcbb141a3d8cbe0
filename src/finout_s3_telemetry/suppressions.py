"""The checkov suppressions in `.checkov.yaml`, each with its check id and reason.

checkov's config format has no field for a reason, so each `skip-check` entry carries it as a
comment on its line; this module reads both, so they can be reported (and tested) together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_ENTRY = re.compile(r"^\s*-\s*(?P<id>CKV2?_[A-Z0-9_]+)\s*(?:#\s*(?P<reason>.*))?$")


@dataclass(frozen=True)
class Suppression:
    check_id: str
    reason: str


def read_suppressions(config_file: Path) -> list[Suppression]:
    """Every `skip-check` id of a checkov config file with the comment that explains it."""
    text = config_file.read_text(encoding="utf-8")
    listed = yaml.safe_load(text).get("skip-check") or []
    found: list[Suppression] = []
    in_skip_list = False
    for line in text.splitlines():
        if re.match(r"^skip-check\s*:", line):
            in_skip_list = True
            continue
        if in_skip_list and re.match(r"^\S", line):
            in_skip_list = False
        match = _ENTRY.match(line) if in_skip_list else None
        if match:
            found.append(Suppression(match["id"], (match["reason"] or "").strip()))
    if [s.check_id for s in found] != list(listed):
        raise ValueError(
            f"{config_file}: write each skip-check entry on its own line as `- CHECK_ID  # reason`"
        )
    return found


def report(suppressions: list[Suppression]) -> str:
    lines = [f"{len(suppressions)} checkov suppression(s), each with its reason:"]
    lines += [f"  {s.check_id}: {s.reason}" for s in suppressions]
    return "\n".join(lines)
