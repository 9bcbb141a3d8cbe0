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
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.terminal_text import printable, shorten, yaml_spelling

DEFAULTS_KEY = "defaults"
OWN_FIELDS = ("name",)
"""Fields every endpoint states itself: a shared name would name every stack alike."""
DEFAULT_FIELDS = tuple(name for name in EndpointConfig.model_fields if name not in OWN_FIELDS)
"""What `defaults:` may hold. Nothing else is filled in: a misspelt or odd key is said once, at
the default, instead of once per endpoint that would take it."""
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
    defaults_unread: bool = False
    """`defaults:` was given but could not be applied: an endpoint's missing field may be one
    the user meant it to give, so it is not reported as missing until `defaults:` is fixed."""


def expand(raw: dict[Any, Any], size_limit: int) -> Expanded:
    """`raw` with `defaults:` removed and applied, and accounts' ids filled in. Never raises:
    a part of the wrong shape is left for validation to report (or reported here).

    `size_limit`: the most characters the defaults may add to the endpoints, all together. A
    value written once and taken by thousands of endpoints is validated once per endpoint; like
    a YAML alias, it must not turn a small file into more than a config may hold.
    """
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
            result.defaults_unread = True
            result.problems.append(
                Problem(
                    DEFAULTS_KEY,
                    "must be a mapping of endpoint fields that every endpoint takes unless it "
                    "sets its own, e.g. `defaults: {region: us-east-1}`",
                )
            )
    for key in defaults:
        if key in OWN_FIELDS:
            result.problems.append(
                Problem(
                    f"{DEFAULTS_KEY}.{key}",
                    f"cannot be a default: each endpoint needs its own `{key}:`; remove it here",
                )
            )
        elif key not in DEFAULT_FIELDS:
            result.problems.append(
                Problem(
                    f"{DEFAULTS_KEY}.{_key_name(key)}",
                    "is not a known field; remove it or fix its spelling (known: "
                    f"{', '.join(DEFAULT_FIELDS)})",
                )
            )
    shared = {k: v for k, v in defaults.items() if k in DEFAULT_FIELDS}
    endpoints = result.raw.get("endpoints")
    accounts = result.raw.get("accounts")
    if not isinstance(endpoints, list):
        return result
    if problem := _oversize_problem(shared, endpoints, size_limit):
        result.problems.append(problem)
        result.defaults_unread = True
        shared = {}
    filled = []
    for index, endpoint in enumerate(endpoints):
        if not isinstance(endpoint, dict):
            filled.append(endpoint)
            continue
        merged = dict(endpoint)
        for key, value in shared.items():
            if key not in merged:
                merged[key] = value
                result.origins[(index, key)] = f"{DEFAULTS_KEY}.{key}"
        account_id = _account_id(accounts, merged.get("account"))
        if account_id is not None and "account_id" not in merged:
            merged["account_id"] = account_id
            name = printable(shorten(merged["account"], 64))
            result.origins[(index, "account_id")] = f"accounts.{name}.account_id"
        filled.append(merged)
    result.raw = {**result.raw, "endpoints": filled}
    return result


def _key_name(key: Any) -> str:
    """A key of `defaults:` as a path shows it: escaped, shortened, `true` for a YAML true."""
    return printable(shorten(key if isinstance(key, str) else yaml_spelling(key), 64))


def _oversize_problem(
    shared: dict[str, Any], endpoints: list[Any], size_limit: int
) -> Problem | None:
    """A problem when the defaults, filled into every endpoint that takes them, come to more
    characters than `size_limit`."""
    takers = {key: 0 for key in shared}
    for endpoint in endpoints:
        if isinstance(endpoint, dict):
            for key in takers:
                if key not in endpoint:
                    takers[key] += 1
    sizes = {key: _size(value, size_limit) for key, value in shared.items()}
    total = sum(sizes[key] * takers[key] for key in shared)
    if total <= size_limit:
        return None
    largest = max(shared, key=lambda key: sizes[key] * takers[key])
    limit = f"{size_limit // 1024 // 1024} MiB"
    return Problem(
        DEFAULTS_KEY,
        f"filled into the endpoints that take them, these values come to about {total:,} "
        f"characters, more than a whole config may hold ({limit}); shorten them (`{largest}:` "
        f"is about {sizes[largest]:,} characters, taken by {takers[largest]:,} endpoints)",
    )


def _size(value: Any, limit: int) -> int:
    """About how many characters `value` takes written out in YAML, counted up to past
    `limit`: each scalar's spelling and two for its separator."""
    size = 0
    stack = [value]
    while stack and size <= limit:
        item = stack.pop()
        size += 2
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            size += len(item if isinstance(item, str) else yaml_spelling(item))
    return size


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
