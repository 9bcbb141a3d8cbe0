"""Find, read and validate the config file."""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from finout_s3_telemetry.config.cross_checks import cross_endpoint_problems
from finout_s3_telemetry.config.errors import ConfigError, Problem
from finout_s3_telemetry.config.expand import (
    DEFAULT_FIELDS,
    DEFAULTS_KEY,
    attribute_problems,
    expand,
    origin_path,
)
from finout_s3_telemetry.config.location import CONFIG_ENV_VAR
from finout_s3_telemetry.config.model import (
    AccountSettings,
    Config,
    EndpointConfig,
    FinoutSettings,
    StateSettings,
)
from finout_s3_telemetry.naming import forbidden_character_problem
from finout_s3_telemetry.terminal_text import printable, quoted, shorten, yaml_spelling

_TOP_LEVEL_FIELDS: dict[str, FieldInfo | None] = {**Config.model_fields, DEFAULTS_KEY: None}
"""`defaults:` is applied before validation (config/expand.py), so the model has no such field."""
_FIELDS_BY_MODEL: dict[str, dict[str, FieldInfo | None] | dict[str, FieldInfo]] = {
    "": _TOP_LEVEL_FIELDS,
    "finout": FinoutSettings.model_fields,
    "state": StateSettings.model_fields,
    "accounts": AccountSettings.model_fields,
    "endpoints": EndpointConfig.model_fields,
    DEFAULTS_KEY: EndpointConfig.model_fields,
}


MAX_CONFIG_BYTES = 4 * 1024 * 1024
"""A config of 200 endpoints with 20 telemetries each is about 100 KB; 4 MiB is far past any real
one, and refusing more keeps a wrong file (a log, a disk image) from being parsed at all."""
ALIAS_EXPANSION_BUDGET = 100_000
"""Values that YAML aliases may add when expanded. Anchors for shared settings add a few per
endpoint; a chain of aliases of aliases (“billion laughs”) adds billions, and would take
gigabytes to validate and to print."""
ALIAS_CHARACTER_BUDGET = 4 * MAX_CONFIG_BYTES
"""Characters that YAML aliases may add when expanded: one long value named by thousands of
aliases (a 2 MB string in 2,000 endpoints) is few values but gigabytes of text to check."""


def load_config(path: Path) -> Config:
    """Read and validate `path`. Raises ConfigError listing every problem."""
    return parse_config(read_config_text(path), str(path))


def read_config_text(path: Path) -> str:
    """The text of a config file; a ConfigError for anything that is not a readable regular file.

    The file is opened without blocking and judged by what was opened, so a FIFO or a device
    named as the config (or swapped in after a look) is refused instead of hanging the command.
    """
    source = str(path)
    try:
        # Judged before opening: opening a FIFO waits for a writer, and a socket cannot be
        # opened at all. Judged again on what was opened, in case the path changed meanwhile.
        if not stat.S_ISREG(mode := os.stat(path).st_mode):
            raise ConfigError(source, [_not_a_file(_file_kind(mode))])
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    f"config file {printable(source)} not found; pass -c/--config PATH or set "
                    f"{CONFIG_ENV_VAR} (examples/telemetry.yaml is a complete example)",
                )
            ],
        ) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(source, [Problem("", f"cannot read the config file: {reason}")]) from None
    try:
        if not stat.S_ISREG(mode := os.fstat(descriptor).st_mode):
            raise ConfigError(source, [_not_a_file(_file_kind(mode))])
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(source, [Problem("", f"cannot read the config file: {reason}")]) from None
    finally:
        os.close(descriptor)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    f"the file is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB, far larger "
                    "than any config (200 endpoints take about 100 KB); is it the right file?",
                )
            ],
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    f"line {line}, column {column}: byte 0x{data[error.start]:02x} is not UTF-8; "
                    "save the config as UTF-8 text",
                )
            ],
        ) from None


def _not_a_file(kind: str) -> Problem:
    return Problem(
        "", f"is {kind}, not a regular file; pass -c/--config with the path of the YAML config"
    )


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def parse_config(text: str, source: str = "<config>") -> Config:
    raw = _load_yaml(text, source)
    if not isinstance(raw, dict):
        raise ConfigError(
            source,
            [Problem("", "the file must be a mapping with `finout:` and `endpoints:` keys")],
        )
    # Invisible characters are reported once per value, in place of whatever other rule the value
    # then also breaks: the fix is to remove them, not to reshape the rest.
    hidden = list(forbidden_character_problems(raw))
    hidden_paths = {problem.path for problem in hidden}
    expanded = expand(raw, size_limit=MAX_CONFIG_BYTES)
    problems: list[Problem] = []
    config: Config | None = None
    try:
        config = Config.model_validate(expanded.raw)
    except ValidationError as error:
        problems += [
            _problem(detail)
            for detail in error.errors()
            if not (expanded.defaults_unread and _may_come_from_defaults(detail))
        ]
    problems += cross_endpoint_problems(expanded.raw)
    problems = [p for p in problems if origin_path(p.path, expanded) not in hidden_paths]
    own = [p for p in expanded.problems if p.path not in hidden_paths]
    problems = hidden + own + attribute_problems(problems, expanded)
    if problems or config is None:
        raise ConfigError(source, sorted(_dedupe(problems), key=_document_order))
    return config


def _may_come_from_defaults(detail: ErrorDetails) -> bool:
    """An endpoint field reported missing that `defaults:` could have given."""
    loc = detail["loc"]
    return (
        detail["type"] == "missing"
        and len(loc) == 3
        and loc[0] == "endpoints"
        and loc[2] in DEFAULT_FIELDS
    )


def _load_yaml(text: str, source: str) -> Any:
    stream = io.StringIO(text)
    stream.name = source  # so that YAML's marks name the file
    loader = _ConfigLoader(stream)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if problem := _alias_problem(node):
            raise ConfigError(source, [problem])
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise ConfigError(source, [Problem("", _yaml_error(error))]) from None
    except yaml.YAMLError as error:
        raise ConfigError(
            source, [Problem("", f"not valid YAML: {_one_line(str(error))}")]
        ) from None
    except RecursionError:
        raise ConfigError(
            source, [Problem("", "not valid YAML: the values are nested too deeply")]
        ) from None
    finally:
        loader.dispose()


def _yaml_error(error: yaml.MarkedYAMLError) -> str:
    """One line: where, what, and the construct it was in (the file is named by the caller)."""
    mark = error.problem_mark or error.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    what = error.problem or error.context or "cannot be read"
    line = f"not valid YAML{where}: {what}"
    if error.context and error.problem:
        line += f" ({error.context}"
        if error.context_mark and error.context_mark is not mark:
            line += f" at line {error.context_mark.line + 1}"
        line += ")"
    return _one_line(line)


def _one_line(text: str) -> str:
    return printable(shorten(" ".join(text.split()), 300))


def _alias_problem(root: yaml.Node) -> Problem | None:
    """Refuse aliases that expand past the budget, or that contain themselves.

    Counted on the node graph, before anything is built: an alias is one node shared by every
    place that names it, so the expanded size is the sum over children, each shared node counted
    once per use. Iterative, since the nesting depth is the file's to choose.
    """
    sizes: dict[int, int] = {}
    characters: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            characters[key] = (
                len(node.value)
                if isinstance(node, yaml.ScalarNode)
                else sum(characters[id(child)] for child in children)
            )
            if sizes[key] - len(sizes) > ALIAS_EXPANSION_BUDGET:
                return Problem(
                    "",
                    f"YAML aliases (*name) expand to more than {ALIAS_EXPANSION_BUDGET:,} values; "
                    "write the values out, or use anchors only for shared settings",
                )
            if characters[key] > ALIAS_CHARACTER_BUDGET:
                return Problem(
                    "",
                    "YAML aliases (*name) expand to more than "
                    f"{ALIAS_CHARACTER_BUDGET // 1024 // 1024} MiB of text; write the values "
                    "out, or use anchors only for short shared settings",
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return Problem(
                "", "a YAML alias (*name) refers to a value that contains it; remove the loop"
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def forbidden_character_problems(raw: Any) -> Iterator[Problem]:
    """A problem for every string in the file, key or value, holding an invisible character."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), raw)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if message := forbidden_character_problem(value):
                yield Problem(field_path(loc), message)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (message := forbidden_character_problem(key)):
                    yield Problem(field_path((*loc, key)), f"the key {message}")
                    continue
                stack.append(((*loc, key if isinstance(key, str | int) else str(key)), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))


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
    """`endpoints[1].bucket`; a key the file made up is shown escaped and shortened."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = printable(shorten(part, 64))
            path += f".{name}" if path else name
    return path


def _problem(detail: ErrorDetails) -> Problem:
    loc = detail["loc"]
    kind = detail["type"]
    if kind == "invalid_key" or (kind == "string_type" and loc and loc[-1] == "[key]"):
        return _key_problem(detail)
    if loc and loc[-1] == "[key]":
        # pydantic's place for a mapping key that breaks its rule: the key's own path.
        loc = loc[:-1]
    path = field_path(loc)
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
        return _not_a_string(path, field, detail["input"])
    if kind == "bool_type":
        return Problem(path, "must be true or false")
    if kind in ("list_type", "too_short") and field == "telemetries":
        return Problem(path, "needs at least one telemetry, e.g. telemetries: [bytes]")
    if kind in ("list_type", "too_short") and field == "endpoints":
        return Problem(path, "needs at least one endpoint (a list of mappings)")
    if kind == "literal_error":
        return Problem(
            path, f"{quoted(detail['input'])} is not allowed; {_yaml_words(detail['msg'])}"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(path, "must be a mapping of fields (key: value)")
    return Problem(path, detail["msg"])


def _key_problem(detail: ErrorDetails) -> Problem:
    """A key that YAML read as something other than a string (`123:`, `null:`, `true:`),
    named as the user wrote it; pydantic would show `[123]`, a list index, or `None`."""
    loc = detail["loc"]
    key = detail["input"]
    parent = loc[:-1] if detail["type"] == "invalid_key" else loc[:-2]
    base = field_path(parent)
    written = printable(shorten(as_written(key), 64))
    path = f"{base}.{written}" if base else written
    if detail["type"] == "invalid_key":
        model = str(parent[0]) if parent else ""
        known = ", ".join(_FIELDS_BY_MODEL.get(model, {}))
        return Problem(
            path, f"is not a known field; remove it or fix its spelling (known: {known})"
        )
    if key is None:
        return Problem(path, "the key is empty (null); write a name here")
    return Problem(path, f'the key must be a string; quote it, e.g. "{written}":')


def _not_a_string(path: str, field: str, value: Any) -> Problem:
    if value is None:
        if _is_optional(path, field):
            return Problem(path, f"is empty; write its value, or remove `{field}:` for the default")
        return Problem(path, f"is empty; write its value ({_hint(field)})")
    if isinstance(value, list | dict):
        return Problem(path, f"must be a string, not {yaml_spelling(value)} ({_hint(field)})")
    written = as_written(value)
    shown = printable(shorten(written))
    if field == "account":
        # The name of an entry of `accounts:`: the user's own, not one AWS or Finout shows.
        return Problem(path, f'must be a string; quote it, e.g. account: "{shown}"')
    if field == "account_id" or (isinstance(value, int) and not isinstance(value, bool)):
        # YAML turned the digits into a number (dropping leading zeros, or reading them as
        # octal); only the user's own spelling in quotes keeps them.
        source = "AWS" if field == "account_id" else "the Finout console or AWS"
        return Problem(
            path,
            f"must be a string; quote it exactly as {source} shows it, e.g. "
            f'{field or "value"}: "{shown}"',
        )
    return Problem(path, f'must be a string; quote it, e.g. "{shown}"')


def _is_optional(path: str, field: str) -> bool:
    model = path.split(".")[0].split("[")[0] if "." in path else ""
    info = _FIELDS_BY_MODEL.get(model, {}).get(field)
    return info is not None and not info.is_required()


def _yaml_words(message: str) -> str:
    """pydantic's message in YAML's spelling: `'local' or 's3'`, `true`, `null`."""
    return message.lower().replace("none", "null")


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


class YamlNumber:
    """Mixin for numbers read from YAML that remember how they were written.

    YAML 1.1 reads `011122223333` as an octal number and `1e5` as a float; a hint that says
    "quote it" must show what the user typed, not the number YAML made of it.
    """

    source: str


class _YamlInt(int, YamlNumber):
    pass


class _YamlFloat(float, YamlNumber):
    pass


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ConfigLoader(_BaseLoader):  # type: ignore[misc]
    """YAML's safe loader (libyaml's when installed, which also bounds the nesting depth) that
    refuses duplicate and unhashable keys, and keeps numbers' spelling for messages."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        # Only the mapping's own keys: a merge (`<<: *shared`) brings keys that the mapping may
        # override, and the merge key itself has no value of its own to build.
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "a key is a list or a mapping; keys are names such as `bucket:`",
                    key_node.start_mark,
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {quoted(key)}; keep one (YAML would silently use the last)",
                    key_node.start_mark,
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: Any) -> int:
        number = _YamlInt(super().construct_yaml_int(node))
        number.source = str(node.value)
        return number

    def construct_yaml_float(self, node: Any) -> float:
        number = _YamlFloat(super().construct_yaml_float(node))
        number.source = str(node.value)
        return number


_ConfigLoader.add_constructor("tag:yaml.org,2002:int", _ConfigLoader.construct_yaml_int)
_ConfigLoader.add_constructor("tag:yaml.org,2002:float", _ConfigLoader.construct_yaml_float)


def as_written(value: object) -> str:
    """A value in the spelling the user typed: a number as written, `true`, `null`."""
    if isinstance(value, YamlNumber):
        return value.source
    return yaml_spelling(value)
