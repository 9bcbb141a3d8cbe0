"""`defaults:` and `account:` applied to each endpoint of the raw document, before validation.

A config of 200 endpoints states what they share once, in `defaults:`; an endpoint's own value
wins. An endpoint naming an `account:` takes that account's `account_id`. Each value filled in
this way remembers where it came from, so that a problem it causes is reported where the user can
fix it (see `attribute_problems`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from finout_s3_telemetry.config.errors import Problem
from finout_s3_telemetry.terminal_text import printable, shorten

DEFAULTS_KEY = "defaults"
OWN_FIELDS = ("name",)
"""Fields every endpoint states itself: a shared name would name every stack alike."""
ENDPOINTS_NAMED = 5
"""Endpoint paths listed in a problem shared by many, before the rest are counted."""

_ENDPOINT_FIELD = re.compile(r"endpoints\[(\d+)\]\.([^.\[]+)(.*)", re.DOTALL)


@dataclass
class Expanded:
    """The document the model validates, and where filled-in values came from."""

    raw: Any
    origins: dict[tuple[int, str], str] = field(default_factory=dict)
    """(endpoint index, field) -> the path of the value it took: `defaults.region`, or
    `accounts.prod.account_id`."""
    problems: list[Problem] = field(default_factory=list)


def expand(raw: dict[Any, Any]) -> Expanded:
    """`raw` with `defaults:` removed and applied, and accounts' ids filled in. Never raises:
    a part of the wrong shape is left for validation to report (or reported here)."""
    result = Expanded(raw)
    if DEFAULTS_KEY not in raw:
        defaults: dict[Any, Any] = {}
    else:
        document = dict(raw)
        given = document.pop(DEFAULTS_KEY)
        result.raw = document
        if isinstance(given, dict):
            defaults = given
        else:
            defaults = {}
            result.problems.append(
                Problem(
                    DEFAULTS_KEY,
                    "must be a mapping of endpoint fields that every endpoint takes unless it "
                    "sets its own, e.g. `defaults: {region: us-east-1}`",
                )
            )
    for name in OWN_FIELDS:
        if name in defaults:
            result.problems.append(
                Problem(
                    f"{DEFAULTS_KEY}.{name}",
                    f"cannot be a default: each endpoint needs its own `{name}:`; remove it here",
                )
            )
    shared = {k: v for k, v in defaults.items() if k not in OWN_FIELDS}
    endpoints = result.raw.get("endpoints")
    accounts = result.raw.get("accounts")
    if not isinstance(endpoints, list):
        return result
    filled = []
    for index, endpoint in enumerate(endpoints):
        if not isinstance(endpoint, dict):
            filled.append(endpoint)
            continue
        merged = dict(endpoint)
        for key, value in shared.items():
            if key not in merged:
                merged[key] = value
                if isinstance(key, str):
                    result.origins[(index, key)] = f"{DEFAULTS_KEY}.{key}"
        account_id = _account_id(accounts, merged.get("account"))
        if account_id is not None and "account_id" not in merged:
            merged["account_id"] = account_id
            name = printable(shorten(merged["account"], 64))
            result.origins[(index, "account_id")] = f"accounts.{name}.account_id"
        filled.append(merged)
    result.raw = {**result.raw, "endpoints": filled}
    return result


def _account_id(accounts: Any, name: Any) -> Any:
    if not isinstance(accounts, dict) or not isinstance(name, str):
        return None
    account = accounts.get(name)
    return account.get("account_id") if isinstance(account, dict) else None


def attribute_problems(problems: list[Problem], expanded: Expanded) -> list[Problem]:
    """Problems caused by a filled-in value, said where it can be fixed.

    One endpoint's problem keeps its endpoint path and names the default it came from. The
    same problem in several endpoints is a problem of the shared value: one line at the value's
    own path (`defaults.region`), naming the endpoints that take it, instead of one per endpoint;
    none when that place already reports it.
    """
    grouped: dict[tuple[str, str], list[tuple[int, Problem]]] = defaultdict(list)
    order: list[tuple[str, str] | Problem] = []
    for problem in problems:
        match = _ENDPOINT_FIELD.fullmatch(problem.path)
        origin = expanded.origins.get((int(match.group(1)), match.group(2))) if match else None
        if match is None or origin is None:
            order.append(problem)
            continue
        key = (origin + match.group(3), problem.message)
        if key not in grouped:
            order.append(key)
        grouped[key].append((int(match.group(1)), problem))
    # A value's own rule already said at its own place (an account's id) is not said again.
    direct = {(item.path, item.message) for item in order if isinstance(item, Problem)}
    attributed = []
    for item in order:
        if isinstance(item, Problem):
            attributed.append(item)
            continue
        if item in direct:
            continue
        source, message = item
        members = grouped[item]
        if len(members) == 1:
            attributed.append(
                Problem(members[0][1].path, f"{message} (the value comes from {source})")
            )
        else:
            attributed.append(Problem(source, f"{message} ({_endpoints(members)})"))
    return attributed


def origin_path(path: str, expanded: Expanded) -> str:
    """The path of the value a problem's path holds: `defaults.region` for an endpoint's
    region that came from there, else `path` itself."""
    match = _ENDPOINT_FIELD.fullmatch(path)
    origin = expanded.origins.get((int(match.group(1)), match.group(2))) if match else None
    return origin + match.group(3) if match and origin else path


def _endpoints(members: list[tuple[int, Problem]]) -> str:
    shown = [f"endpoints[{index}]" for index, _ in members[:ENDPOINTS_NAMED]]
    more = len(members) - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more else "")
    return printable(shorten(f"for {len(members)} endpoints: {listed}", 200))
