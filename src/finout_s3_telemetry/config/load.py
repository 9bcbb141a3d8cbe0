"""Find, read and validate the config file."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from finout_s3_telemetry.config.cross_checks import cross_endpoint_problems
from finout_s3_telemetry.config.errors import ConfigError, Problem
from finout_s3_telemetry.config.model import (
    CONFIG_ENV_VAR,
    DEFAULT_CONFIG_FILE,
    Config,
    EndpointConfig,
    FinoutSettings,
    StateSettings,
)

_FIELDS_BY_MODEL = {
    "": Config.model_fields,
    "finout": FinoutSettings.model_fields,
    "state": StateSettings.model_fields,
    "endpoints": EndpointConfig.model_fields,
}


def config_path(argument: str | None = None) -> Path:
    """`-c/--config` wins, then $FINOUT_TELEMETRY_CONFIG, then ./telemetry.yaml."""
    return Path(argument or os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_FILE)


def load_config(path: Path) -> Config:
    """Read and validate `path`. Raises ConfigError listing every problem."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    f"config file {source} not found; pass -c/--config PATH or set "
                    f"{CONFIG_ENV_VAR} (examples/telemetry.yaml is a complete example)",
                )
            ],
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(source, [Problem("", f"cannot read the config file: {error}")]) from None
    return parse_config(text, source)


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise ConfigError(source, [Problem("", f"not valid YAML: {error}")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            source,
            [Problem("", "the file must be a mapping with `finout:` and `endpoints:` keys")],
        )
    problems: list[Problem] = []
    config: Config | None = None
    try:
        config = Config.model_validate(raw)
    except ValidationError as error:
        problems += [_problem(detail) for detail in error.errors()]
    problems += cross_endpoint_problems(raw)
    if problems or config is None:
        raise ConfigError(source, sorted(_dedupe(problems), key=_document_order))
    return config


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique


def _document_order(problem: Problem) -> list[int]:
    """Group problems by list position, numerically (endpoints[2] before endpoints[10]); the
    sort is stable, so fields of one endpoint keep the order in which they were found."""
    return [int(index) for index in re.findall(r"\[(\d+)\]", problem.path)]


def field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _problem(detail: ErrorDetails) -> Problem:
    loc = detail["loc"]
    path = field_path(loc)
    kind = detail["type"]
    field = str(loc[-1]) if loc and isinstance(loc[-1], str) else ""
    if kind == "finout_rule":
        return Problem(path, detail["msg"])
    if kind == "missing":
        return Problem(path, f"is required; add `{field}:` here ({_hint(field)})")
    if kind == "extra_forbidden":
        parent = str(loc[0]) if len(loc) > 1 else ""
        known = ", ".join(_FIELDS_BY_MODEL.get(parent, {}))
        return Problem(
            path, f"is not a known field; remove it or fix its spelling (known: {known})"
        )
    if kind == "string_type":
        return Problem(path, f'must be a string; quote it, e.g. "{detail["input"]}"')
    if kind == "bool_type":
        return Problem(path, "must be true or false")
    if kind in ("list_type", "too_short") and field == "telemetries":
        return Problem(path, "needs at least one telemetry, e.g. telemetries: [bytes]")
    if kind in ("list_type", "too_short") and field == "endpoints":
        return Problem(path, "needs at least one endpoint (a list of mappings)")
    if kind == "literal_error":
        return Problem(path, f"{detail['input']!r} is not allowed; {detail['msg'].lower()}")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(path, "must be a mapping of fields (key: value)")
    return Problem(path, detail["msg"])


def _hint(field: str) -> str:
    return {
        "principal": "Finout's AWS account id or role ARN, from the Finout console",
        "finout": "a mapping with Finout's `principal`",
        "endpoints": "a list with at least one endpoint",
        "name": "lowercase letters, digits and hyphens; it names the stack",
        "region": "the bucket's AWS region, e.g. us-east-1",
        "bucket": "the telemetry bucket's name",
        "external_id": "from the Finout console, or run `finout-telemetry external-id`",
        "telemetries": "a list of telemetry names, one folder each",
    }.get(field, "see the config reference in README.md")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r}; keep one (YAML would silently use the last)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
