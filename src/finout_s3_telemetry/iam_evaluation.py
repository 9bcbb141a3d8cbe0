"""AWS's documented IAM policy evaluation logic, offline: "may this principal do this action on
this resource?", answered from the policy documents alone.

Covers (each rule cites the AWS page it follows, in the comments and in the tests):
- the order of evaluation: an explicit Deny in any policy wins; then every SCP level must allow;
  then the identity-based and resource-based policies, same-account (an Allow in either suffices)
  or cross-account (both must allow); the permissions boundary limits identity-based grants and
  grants to a role ARN, not grants to a role session ARN or to `*` (IAM User Guide, "Policy
  evaluation logic", "Cross-account policy evaluation logic", "Permissions boundaries for IAM
  entities", "AWS JSON policy elements: Principal");
- KMS key policies: the key policy must allow, by naming the principal or by delegating to the
  account, in which case an identity-based policy must allow too (AWS KMS Developer Guide, "Key
  policies in AWS KMS", "Default key policy");
- Principal and NotPrincipal in resource-based policies, Action/NotAction and Resource/NotResource
  with `*` and `?` wildcards (resource wildcards never cross the colons between ARN segments);
- every condition operator of "IAM JSON policy elements: Condition operators", their `...IfExists`
  forms, the `ForAnyValue:`/`ForAllValues:` set qualifiers, and policy variables (`${aws:username}`,
  `${aws:PrincipalTag/x}`, defaults, `${*}`, `${?}`, `${$}`) in Resource and condition values.

Not covered: session policies, resource control policies (RCPs), KMS grants, S3 ACLs and Block
Public Access, VPC endpoint policies, service-specific exceptions. A caller that has such policies
must not treat "allowed" as final.

Unknown means undecided: a condition key the caller did not give (see `Request.context`), a policy
variable that cannot be resolved, an operator not implemented here or a malformed element makes the
statement undecidable. An undecidable Deny keeps the answer from being "allowed"; an undecidable
Allow that would be needed makes it "undecided", never "implicitDeny". The evaluator never answers
"allowed" when something it needed was unknown, and never raises on malformed documents.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

from finout_s3_telemetry.iam_policies import as_list
from finout_s3_telemetry.naming import arn_account
from finout_s3_telemetry.terminal_text import shorten

Decision = Literal["allowed", "explicitDeny", "implicitDeny", "undecided"]
ResourceKind = Literal["s3", "kms", "other"]

# Policy variables only exist in this version of the policy language; in older documents (or none)
# `${aws:username}` is literal text ("IAM policy elements: Variables and tags").
_VARIABLES_VERSION = "2012-10-17"
_ARN_SEGMENTS = 6
# What a reason shows of text from a policy, and how much of it.
_SID_SHOWN = 60
_NAME_SHOWN = 200
_REASON_SHOWN = 120
_REASONS_KEPT = 20
_KEYS_NAMED = 5
_STATEMENTS_NAMED = 10
_MORE_REASONS = "(and more that are not named)"


# --- the public data model --------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request. `context` holds the condition keys the caller knows, by case-insensitive name:
    `key -> (values...)` (several for a multivalued key), `key -> ()` when the key is known to be
    absent from the request. A key not in the mapping is unknown. Booleans are "true"/"false",
    dates ISO 8601 or epoch seconds, numbers as text, binary values base64.

    `aws:PrincipalArn` and `aws:PrincipalAccount` are filled in from `principal_arn` unless given
    (for a role session, `aws:PrincipalArn` is the role's ARN, not the session's).

    `session_name_known` False: the session name in `session_arn` stands in for one the caller
    does not know, so a principal that names any session of the role is undecidable.
    """

    action: str
    resource: str
    principal_arn: str
    session_arn: str = ""
    resource_account: str = ""
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    session_name_known: bool = True

    @property
    def principal_account(self) -> str:
        return arn_account(self.principal_arn)


@dataclass(frozen=True)
class Policy:
    name: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class StatementRef:
    """A statement of a policy. `unknown_keys` lists the condition keys (or policy variables) whose
    values were unknown, as written in the policy; other reasons a statement could not be decided
    (an operator not implemented, a malformed element) appear there in parentheses."""

    policy: str
    index: int
    sid: str
    effect: str
    unknown_keys: tuple[str, ...] = ()

    def describe(self) -> str:
        # Shortened: a Sid or a policy name is whatever its author wrote, at any length.
        sid = f" (Sid {shorten(self.sid, _SID_SHOWN)})" if self.sid else ""
        return f"statement {self.index + 1}{sid} of {shorten(self.policy, _NAME_SHOWN)}"


@dataclass(frozen=True)
class Evaluation:
    """The decision, the rule that made it (one sentence), the statements that made it (the
    Denies, or the Allows), and the undecidable statements the decision depends on: for
    "undecided" those whose unknowns would settle it; for "implicitDeny" any undecidable Deny,
    which could only make the denial explicit; none otherwise."""

    decision: Decision
    reason: str
    deciding: tuple[StatementRef, ...] = ()
    undecided: tuple[StatementRef, ...] = ()


# --- three-valued logic -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tri:
    """True, False or unknown (None), with what made it unknown."""

    value: bool | None
    unknown: tuple[str, ...] = ()


_TRUE = _Tri(True)
_FALSE = _Tri(False)


def _unknown(*why: str) -> _Tri:
    return _Tri(None, tuple(_bounded(reason) for reason in why))


def _bounded(reason: str) -> str:
    """A reason of bounded length: it names values from the policy (a key, a number, a CIDR),
    which can be of any length."""
    if len(reason) <= _REASON_SHOWN:
        return reason
    if reason.startswith("(") and reason.endswith(")"):
        return f"({shorten(reason[1:-1], _REASON_SHOWN)})"
    return shorten(reason, _REASON_SHOWN)


def _reasons(reasons: dict[str, None], more: tuple[str, ...]) -> None:
    """Add `more` to `reasons`, keeping at most `_REASONS_KEPT`: they only explain a decision,
    and a statement may hold thousands of values that cannot be read."""
    for reason in more:
        if reason in reasons:
            continue
        if len(reasons) >= _REASONS_KEPT:
            reasons[_MORE_REASONS] = None
            return
        reasons[reason] = None


def _of(value: bool) -> _Tri:
    return _TRUE if value else _FALSE


def _all(items: Iterable[_Tri]) -> _Tri:
    """Kleene AND: one False decides, whatever else is unknown."""
    return _kleene(items, decisive=False)


def _any(items: Iterable[_Tri]) -> _Tri:
    """Kleene OR: one True decides, whatever else is unknown."""
    return _kleene(items, decisive=True)


def _kleene(items: Iterable[_Tri], *, decisive: bool) -> _Tri:
    """The first item whose value is `decisive` decides; else unknown if any item is, with
    every reason; else the other value."""
    unknown: dict[str, None] = {}
    undecided = False
    for item in items:
        if item.value is decisive:
            return _of(decisive)
        if item.value is None:
            undecided = True
            _reasons(unknown, item.unknown)
    return _Tri(None, tuple(unknown)) if undecided else _of(not decisive)


def _not(item: _Tri) -> _Tri:
    return item if item.value is None else _of(not item.value)


# --- wildcards and ARNs -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Literal:
    """Text that must match literally: a substituted variable, or `${*}`, `${?}`, `${$}`."""

    text: str


@dataclass(frozen=True)
class _Variable:
    name: str
    default: str | None


_Piece = str | _Literal
"""Part of a pattern: wildcard text (`*` and `?` are wildcards), or text that must match as it is
(a substituted policy variable, `${*}`)."""


@dataclass(frozen=True)
class _Run:
    """The characters between two `*` of a pattern: a fixed number of them, each one literal or
    `?`. Matched with `str` methods when it holds no `?`, else with a regex without quantifiers
    (so it cannot backtrack: it matches `length` characters or nothing)."""

    text: str
    length: int
    regex: re.Pattern[str] | None

    def at(self, value: str, index: int) -> bool:
        if self.regex is None:
            return value.startswith(self.text, index)
        return self.regex.match(value, index) is not None

    def find(self, value: str, start: int, end: int) -> int:
        if self.regex is None:
            return value.find(self.text, start, end)
        found = self.regex.search(value, start, end)
        return -1 if found is None else found.start()


def _fold(text: str) -> str:
    """Lowercase, one character for one (so that `?` still matches one character)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


@dataclass(frozen=True)
class _Wildcard:
    """A pattern of IAM's wildcards, `*` (any run of characters) and `?` (any one character);
    everything else, brackets included, is literal.

    A pattern comes from a policy anyone may have written, so it is never one regex: `*a*a*a...`
    would backtrack exponentially against a long value. It is split at its `*`s into runs of
    fixed length; the first run must start the value, the last end it, and each run between is
    found leftmost after the one before (the classic glob match: time linear in the value for
    each run, with no backtracking)."""

    runs: tuple[_Run, ...]
    ignore_case: bool

    def matches(self, value: str) -> bool:
        if self.ignore_case:
            value = _fold(value)
        first, last = self.runs[0], self.runs[-1]
        if len(self.runs) == 1:
            if first.regex is None:
                return value == first.text  # the common case: no wildcard at all
            return len(value) == first.length and first.at(value, 0)
        end = len(value) - last.length
        if end < first.length or not first.at(value, 0) or not last.at(value, end):
            return False
        position = first.length
        for run in self.runs[1:-1]:
            found = run.find(value, position, end)
            if found < 0:
                return False
            position = found + run.length
        return True


def _run(chars: list[tuple[str, bool]], ignore_case: bool) -> _Run:
    """A run of (character, is `?`) pairs."""
    text = "".join(char for char, _ in chars)
    if ignore_case:
        text = _fold(text)
    if not any(wild for _, wild in chars):
        return _Run(text, len(chars), None)
    pairs = zip(text, (wild for _, wild in chars), strict=True)
    regex = "".join("." if wild else re.escape(char) for char, wild in pairs)
    return _Run(text, len(chars), re.compile(regex, re.DOTALL))


@lru_cache(maxsize=4096)
def _wildcard(pieces: tuple[_Piece, ...], ignore_case: bool) -> _Wildcard:
    runs: list[_Run] = []
    current: list[tuple[str, bool]] = []
    for piece in pieces:
        if isinstance(piece, _Literal):
            current.extend((char, False) for char in piece.text)
            continue
        for char in piece:
            if char == "*":
                runs.append(_run(current, ignore_case))
                current = []
            else:
                current.append((char, char == "?"))
    runs.append(_run(current, ignore_case))
    return _Wildcard(tuple(runs), ignore_case)


def _glob(pattern: str, ignore_case: bool) -> _Wildcard:
    return _wildcard((pattern,), ignore_case)


def action_matches(pattern: str, action: str) -> bool:
    """`s3:Get*` matches `s3:GetObject`; action names are case-insensitive in IAM."""
    return _glob(pattern, True).matches(action)


def resource_matches(pattern: str, arn: str) -> bool:
    """`arn:aws:s3:::bucket/*` matches `arn:aws:s3:::bucket/a/b.csv`; `*` matches every ARN.
    Case-sensitive; wildcards do not cross the colons between the six ARN segments. False too
    when it cannot be decided (see `resource_verdict`)."""
    return resource_verdict(pattern, arn) is True


def resource_verdict(pattern: str, arn: str) -> bool | None:
    """Whether a Resource pattern (without policy variables resolved) matches `arn`: None when
    that cannot be decided (a pattern of fewer than six segments whose `*` might span colons)."""
    return _arn_like(pattern, arn, None, _ARN_SEGMENTS, resource=True).value


def _split_arn_pattern(pattern: str) -> list[str]:
    """The six segments of an ARN pattern, not splitting inside `${...}` (`${aws:username}`)."""
    segments: list[str] = []
    start = depth = 0
    for index, char in enumerate(pattern):
        if pattern.startswith("${", index):
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == ":" and not depth and len(segments) < _ARN_SEGMENTS - 1:
            segments.append(pattern[start:index])
            start = index + 1
    return [*segments, pattern[start:]]


class _ArnPattern:
    """An ARN pattern without policy variables, compiled: its segments, and the first five as
    plain text when none of them holds a wildcard (`arn`, `aws`, `s3`, ``, ``), so that only
    the resource segment needs wildcard matching."""

    __slots__ = ("head", "segments")

    def __init__(self, pattern: str) -> None:
        parts = pattern.split(":", _ARN_SEGMENTS - 1)
        self.segments = tuple(_glob(part, False) for part in parts)
        plain = len(parts) == _ARN_SEGMENTS and not any("*" in p or "?" in p for p in parts[:-1])
        self.head: list[str] | None = parts[:-1] if plain else None

    def matches(self, values: list[str]) -> bool:
        if self.head is not None:
            return values[:-1] == self.head and self.segments[-1].matches(values[-1])
        return all(c.matches(v) for c, v in zip(self.segments, values, strict=True))


@lru_cache(maxsize=4096)
def _arn_segments(pattern: str) -> _ArnPattern:
    return _ArnPattern(pattern)


class ResourcePatterns:
    """Resource patterns compiled once and matched against many ARNs: `resource_verdict` of
    each, with the ARN split once (a caller asking for every folder of an endpoint against every
    pattern of every policy asks this thousands of times)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = tuple(
            None if p == "*" or "${" in p else _ArnPattern(p) for p in self.patterns
        )

    def verdicts(self, arn: str) -> tuple[bool | None, ...]:
        values = arn.split(":", _ARN_SEGMENTS - 1)
        found: list[bool | None] = []
        for pattern, compiled in zip(self.patterns, self._compiled, strict=True):
            if compiled is None:
                found.append(resource_verdict(pattern, arn))
            elif len(compiled.segments) == len(values):
                found.append(compiled.matches(values))
            else:
                short = len(compiled.segments) < len(values)
                found.append(_spanning(pattern, arn, short).value)
        return tuple(found)


_SPANNING = _unknown("(a * that may match across the colons of an ARN)")


def _arn_like(
    pattern: str,
    arn: str,
    ctx: _Context | None,
    first_variable_segment: int,
    *,
    resource: bool = False,
) -> _Tri:
    """ARN matching, segment by segment ("Condition operators", ARN condition operators).
    Policy variables are resolved from `first_variable_segment` on (none without `ctx`).

    In a Resource element, "if the * wildcard is the last character of a resource ARN segment,
    it can expand to match beyond the colon boundaries" ("IAM JSON policy elements: Resource").
    A pattern of fewer segments than the ARN, such as `arn:aws:s3:*`, can only match that way:
    where it would, the answer is unknown, not "no match"."""
    if pattern == "*":
        return _TRUE
    values = arn.split(":", _ARN_SEGMENTS - 1)
    if "${" not in pattern:
        # The common case, and the hot one (every resource of every statement of every probe):
        # no variable to resolve, so the compiled segments are reused.
        compiled = _arn_segments(pattern)
        if len(compiled.segments) != len(values):
            return _spanning(pattern, arn, len(compiled.segments) < len(values) and resource)
        return _of(compiled.matches(values))
    pattern_segments = _split_arn_pattern(pattern)
    if len(pattern_segments) != len(values):
        return _spanning(pattern, arn, len(pattern_segments) < len(values) and resource)
    return _all(
        _like(segment, value, ctx if index >= first_variable_segment else None, ignore_case=False)
        for index, (segment, value) in enumerate(zip(pattern_segments, values, strict=True))
    )


def _spanning(pattern: str, arn: str, may_span: bool) -> _Tri:
    """Unknown when a short Resource pattern would match `arn` if its `*`s spanned colons (a
    policy variable counted as a `*`, whatever it resolves to); else no match."""
    if not may_span:
        return _FALSE
    pieces: list[_Piece] = []
    for token in _tokens(pattern) if "${" in pattern else (pattern,):
        pieces.append("*" if isinstance(token, _Variable) else token)
    spans = "*" in pattern and _wildcard(tuple(pieces), False).matches(arn)
    return _SPANNING if spans else _FALSE


# --- policy variables ---------------------------------------------------------------------------


_Token = str | _Literal | _Variable
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def _variable(inner: str) -> _Variable | None:
    """`aws:username` or `aws:PrincipalTag/team, 'none'` (a name and an optional quoted default),
    read without a regex: a lazy pattern over a long `${...}` would take quadratic time."""
    name, comma, rest = inner.partition(",")
    name = name.strip()
    if not name:
        return None
    if not comma:
        return _Variable(name, None)
    default = rest.strip()
    if len(default) >= 2 and default[0] == default[-1] == "'" and "'" not in default[1:-1]:
        return _Variable(name, default[1:-1])
    return None


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[_Token, ...]:
    """`home/${aws:username}/*` → ("home/", _Variable("aws:username"), "/*"), in one pass."""
    tokens: list[_Token] = []
    position = 0
    while (start := text.find("${", position)) >= 0 and (end := text.find("}", start)) >= 0:
        if start > position:
            tokens.append(text[position:start])
        inner = text[start + 2 : end]
        if inner in _SPECIAL:
            tokens.append(_Literal(_SPECIAL[inner]))
        elif variable := _variable(inner):
            tokens.append(variable)
        else:
            tokens.append(text[start : end + 1])
        position = end + 1
    if position < len(text):
        tokens.append(text[position:])
    return tuple(tokens)


def _resolve(text: str, ctx: _Context | None) -> tuple[str | _Literal, ...] | _Tri:
    """The text with its variables substituted, or why it cannot be (an unknown `_Tri`).

    A variable whose key is absent and has no default makes the statement invalid ("Variables and
    tags": "any attempt to match it fails and causes the statement to be invalid"); whether an
    invalid Deny still denies is not documented, so that is undecidable too. A multivalued key
    cannot be a policy variable.
    """
    if ctx is None:
        return (text,)
    pieces: list[str | _Literal] = []
    missing: list[str] = []
    for token in _tokens(text):
        if not isinstance(token, _Variable):
            pieces.append(token)
            continue
        values = ctx.lookup(token.name)
        if values is not None and len(values) == 1:
            pieces.append(_Literal(values[0]))
        elif values == () and token.default is not None:
            pieces.append(_Literal(token.default))
        else:
            missing.append(token.name)
    return _unknown(*missing) if missing else tuple(pieces)


def _like(pattern: str, value: str, ctx: _Context | None, *, ignore_case: bool) -> _Tri:
    pieces = _resolve(pattern, ctx)
    if isinstance(pieces, _Tri):
        return pieces
    return _of(_wildcard(pieces, ignore_case).matches(value))


def _plain(pattern: str, ctx: _Context | None) -> str | _Tri:
    pieces = _resolve(pattern, ctx)
    if isinstance(pieces, _Tri):
        return pieces
    return "".join(p if isinstance(p, str) else p.text for p in pieces)


# --- the request context ------------------------------------------------------------------------


class _Context:
    """The condition keys of a request, by lowercase name ("Condition": key names are not
    case-sensitive). Normalised on the first lookup only: most requests of a run are decided by
    action and resource alone, and the checker asks thousands of them."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._values: dict[str, tuple[str, ...]] | None = None

    @property
    def values(self) -> dict[str, tuple[str, ...]]:
        if self._values is None:
            self._values = _normalised_context(self._request)
        return self._values

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The key's values, `()` when known absent, None when unknown."""
        return self.values.get(key.strip().lower())


class NormalisedContext(dict[str, tuple[str, ...]]):
    """A request context already in the evaluator's form: lowercase key names, each mapped to a
    tuple of strings. The evaluator uses it as it is, so a caller asking thousands of requests
    with the same keys does not pay for normalising each one."""

    @classmethod
    def of(cls, context: Mapping[str, Any]) -> NormalisedContext:
        return cls(_normalised_mapping(context))


def _normalised_mapping(context: Any) -> dict[str, tuple[str, ...]]:
    values: dict[str, tuple[str, ...]] = {}
    if isinstance(context, Mapping):
        for key, items in context.items():
            listed = items if isinstance(items, list | tuple) else [items]
            values[str(key).lower()] = tuple(str(v) for v in listed if v is not None)
    return values


def _normalised_context(request: Request) -> dict[str, tuple[str, ...]]:
    context: Any = request.context
    if (
        isinstance(context, NormalisedContext)
        and ("aws:principalarn" in context or not request.principal_arn)
        and ("aws:principalaccount" in context or not request.principal_account)
    ):
        return context
    values = _normalised_mapping(context)
    # Global condition keys the request itself tells ("AWS global condition context keys":
    # aws:PrincipalArn is the role's ARN for a role session; aws:PrincipalAccount always set).
    if request.principal_arn:
        values.setdefault("aws:principalarn", (request.principal_arn,))
    if request.principal_account:
        values.setdefault("aws:principalaccount", (request.principal_account,))
    return values


# --- condition operators ------------------------------------------------------------------------

_Matcher = Callable[[str, str, _Context | None], _Tri]


def _string_equals(value: str, pattern: str, ctx: _Context | None) -> _Tri:
    expected = _plain(pattern, ctx)
    return expected if isinstance(expected, _Tri) else _of(value == expected)


def _string_equals_ignore_case(value: str, pattern: str, ctx: _Context | None) -> _Tri:
    expected = _plain(pattern, ctx)
    return expected if isinstance(expected, _Tri) else _of(value.lower() == expected.lower())


def _string_like(value: str, pattern: str, ctx: _Context | None) -> _Tri:
    return _like(pattern, value, ctx, ignore_case=False)


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A number as JSON and Java write one, in ASCII digits. Python's Decimal also reads `1_000`,
`٥` (an Arabic-Indic five) and `Infinity`, which a policy language need not: those are unknown."""


def _number(text: str) -> Decimal | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds
        return None
    return number if number.is_finite() else None


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> _Matcher:
    def match(value: str, pattern: str, _ctx: _Context | None) -> _Tri:
        left, right = _number(value), _number(pattern)
        if left is None or right is None:
            return _unknown(f"(not a number: {value if left is None else pattern})")
        return _of(compare(left, right))

    return match


_YEAR = re.compile(r"[0-9]{4}")
_YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_EPOCH = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_W3C_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
"""The W3C profile of ISO 8601 ("Date and Time Formats", www.w3.org/TR/NOTE-datetime), beyond a
year or a month: a day, then optionally a time. Python's `fromisoformat` also reads week dates
(`2024-W01-1`), ordinal dates and compact forms, which the profile has not: those are unknown."""


def _instant(text: str) -> datetime | None:
    """A W3C ISO 8601 date or epoch seconds ("Condition operators", date condition operators);
    a date without a time zone is UTC. Four digits alone are ambiguous: see `_date`."""
    text = text.strip()
    try:
        if _EPOCH.fullmatch(text):
            return datetime.fromtimestamp(float(text), UTC)
        if match := _YEAR_MONTH.fullmatch(text):
            return datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC)
        if not _W3C_MOMENT.fullmatch(text):
            return None
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(compare: Callable[[datetime, datetime], bool]) -> _Matcher:
    def match(value: str, pattern: str, _ctx: _Context | None) -> _Tri:
        for text in (value, pattern):
            # The W3C year "YYYY" and epoch seconds are both documented and look the same.
            if _YEAR.fullmatch(text.strip()):
                return _unknown(f"(ambiguous date {text}: a W3C year or epoch seconds)")
        left, right = _instant(value), _instant(pattern)
        if left is None or right is None:
            return _unknown(f"(not a date: {value if left is None else pattern})")
        return _of(compare(left, right))

    return match


def _bool(value: str, pattern: str, ctx: _Context | None) -> _Tri:
    expected = _plain(pattern, ctx)
    if isinstance(expected, _Tri):
        return expected
    left, right = value.lower(), expected.lower()
    for text in (left, right):
        if text not in ("true", "false"):
            return _unknown(f"(not a boolean: {text})")
    return _of(left == right)


def _binary(value: str, pattern: str, _ctx: _Context | None) -> _Tri:
    try:
        left = base64.b64decode(value, validate=True)
        right = base64.b64decode(pattern, validate=True)
    except (binascii.Error, ValueError):
        return _unknown("(not base64)")
    return _of(left == right)


def _ip_address(value: str, pattern: str, _ctx: _Context | None) -> _Tri:
    # "If you specify an IP address without the associated routing prefix, IAM uses /32".
    try:
        network = ipaddress.ip_network(pattern.strip(), strict=False)
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return _unknown(f"(not an IP address: {value} or {pattern})")
    return _of(address.version == network.version and address in network)


def _arn(value: str, pattern: str, ctx: _Context | None) -> _Tri:
    return _arn_like(pattern, value, ctx, 0)


@dataclass(frozen=True)
class _Base:
    match: _Matcher
    variables: bool  # whether policy variables may appear in the values ("Variables and tags")


_BASES: dict[str, _Base] = {
    "StringEquals": _Base(_string_equals, True),
    "StringEqualsIgnoreCase": _Base(_string_equals_ignore_case, True),
    "StringLike": _Base(_string_like, True),
    "NumericEquals": _Base(_numeric(lambda a, b: a == b), False),
    "NumericLessThan": _Base(_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": _Base(_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": _Base(_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": _Base(_numeric(lambda a, b: a >= b), False),
    "DateEquals": _Base(_date(lambda a, b: a == b), False),
    "DateLessThan": _Base(_date(lambda a, b: a < b), False),
    "DateLessThanEquals": _Base(_date(lambda a, b: a <= b), False),
    "DateGreaterThan": _Base(_date(lambda a, b: a > b), False),
    "DateGreaterThanEquals": _Base(_date(lambda a, b: a >= b), False),
    # The Condition operators page says Bool takes policy variables (the Variables page disagrees).
    "Bool": _Base(_bool, True),
    "BinaryEquals": _Base(_binary, False),
    "IpAddress": _Base(_ip_address, False),
    "ArnEquals": _Base(_arn, True),
    "ArnLike": _Base(_arn, True),
}
# Negated operators and the operator they negate.
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_QUALIFIERS = ("ForAnyValue:", "ForAllValues:")


@dataclass(frozen=True)
class _Operator:
    name: str
    qualifier: str  # "", "ForAnyValue" or "ForAllValues"
    base: _Base | None  # None for Null
    negated: bool
    if_exists: bool


@lru_cache(maxsize=256)
def _operator(name: str) -> _Operator | None:
    """The operator of a condition block, or None when not implemented (names are matched exactly,
    as the policy grammar spells them)."""
    rest, qualifier = name, ""
    for prefix in _QUALIFIERS:
        if rest.startswith(prefix):
            rest, qualifier = rest[len(prefix) :], prefix[:-1]
            break
    if rest == "Null":
        return None if qualifier else _Operator(name, "", None, False, False)
    # "You can add IfExists to the end of any condition operator name except the Null condition".
    if_exists = rest.endswith("IfExists")
    rest = rest.removesuffix("IfExists")
    positive = _NEGATED.get(rest, rest)
    base = _BASES.get(positive)
    if base is None:
        return None
    return _Operator(name, qualifier, base, positive != rest, if_exists)


def _policy_values(raw: Any) -> list[str] | None:
    """A condition's values as text (JSON booleans and numbers allowed), None when malformed."""
    values: list[str] = []
    for item in as_list(raw):
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str):
            values.append(item)
        elif isinstance(item, int | float):
            try:
                values.append(str(item))
            except ValueError:  # an integer of thousands of digits: Python will not write it
                return None
        else:
            return None
    return values or None


def _condition_verdict(condition: Any, ctx: _Context, variables: bool) -> _Tri:
    """Several operators AND, several keys of an operator AND ("Conditions with multiple context
    keys or values")."""
    if condition is None:
        return _TRUE
    if not isinstance(condition, Mapping):
        return _unknown("(Condition is not a JSON object)")
    return _all(
        _operator_verdict(str(name), block, ctx, variables) for name, block in condition.items()
    )


def _operator_verdict(name: str, block: Any, ctx: _Context, variables: bool) -> _Tri:
    operator = _operator(name)
    if operator is None:
        return _unknown(f"(condition operator {name} not implemented)")
    if not isinstance(block, Mapping):
        return _unknown(f"({name} is not a JSON object)")
    return _all(
        _key_verdict(operator, str(key), values, ctx, variables) for key, values in block.items()
    )


def _key_verdict(operator: _Operator, key: str, raw: Any, ctx: _Context, variables: bool) -> _Tri:
    expected = _policy_values(raw)
    if expected is None:
        return _unknown(f"({operator.name} {key}: values must be strings, numbers or booleans)")
    present = ctx.lookup(key)
    if present is None:
        return _unknown(key)
    if operator.base is None:
        return _null_verdict(key, expected, present)
    if not present:
        return _absent_verdict(operator)
    base, negated = operator.base, operator.negated
    substitution = ctx if variables and base.variables else None

    def value_matches(value: str) -> _Tri:
        # Several policy values OR; for a negated operator NOR ("Conditions with multiple context
        # keys or values": evaluation logic for negated matching condition operators).
        matched = _any(base.match(value, pattern, substitution) for pattern in expected)
        return _not(matched) if negated else matched

    if operator.qualifier == "ForAllValues":
        return _all(value_matches(value) for value in present)
    if operator.qualifier == "ForAnyValue":
        return _any(value_matches(value) for value in present)
    if len(present) > 1:
        # "Multivalued context keys require a condition set operator": without one the result is
        # not documented.
        return _unknown(f"({operator.name} without ForAnyValue/ForAllValues on multivalued {key})")
    return value_matches(present[0])


def _absent_verdict(operator: _Operator) -> _Tri:
    """A key known to be absent from the request ("Condition operators", Important: false, but
    true for negated operators; `...IfExists` true; "Conditions with multiple context keys or
    values": ForAllValues true and ForAnyValue false for an empty set)."""
    if operator.if_exists or operator.qualifier == "ForAllValues":
        return _TRUE
    if operator.qualifier == "ForAnyValue":
        return _FALSE
    return _of(operator.negated)


def _null_verdict(key: str, expected: list[str], present: tuple[str, ...]) -> _Tri:
    """`Null: true` holds when the key is absent, `false` when present ("Condition operators",
    condition operator to check existence of condition keys)."""
    verdicts: list[_Tri] = []
    for value in expected:
        if value.lower() not in ("true", "false"):
            return _unknown(f"(Null {key}: {value} is neither true nor false)")
        verdicts.append(_of((value.lower() == "true") == (not present)))
    return _any(verdicts)


# --- principals ---------------------------------------------------------------------------------

# How a resource-based policy grants the request's principal, which decides what else must allow
# it in the same account ("Policy evaluation logic", resource-based policies):
#   "direct": the role session ARN, an IAM user ARN or `*`: nothing else needs to allow;
#   "role": the role ARN: the permissions boundary limits it;
#   "account": the account (root ARN or id): a delegation, identity-based policies must allow.
_Grant = Literal["direct", "role", "account"]
_STRENGTH: dict[_Grant, int] = {"account": 0, "role": 1, "direct": 2}


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def _principal_type(arn: str) -> str:
    """The kind of IAM principal an ARN names: "role", "user", "root", or "" for another."""
    parts = arn.split(":", 5)
    if len(parts) != _ARN_SEGMENTS or parts[2] != "iam":
        return ""
    resource = parts[5]
    if resource == "root":
        return "root"
    return resource.split("/", 1)[0] if resource.startswith(("role/", "user/")) else ""


def _principal_names(request: Request) -> dict[str, _Grant]:
    """Every `Principal` value that names this request's principal, and what it grants."""
    names: dict[str, _Grant] = {}
    account = request.principal_account
    if account:
        names[account] = "account"
        names[f"arn:{_partition(request.principal_arn)}:iam::{account}:root"] = "account"
    if request.principal_arn and request.principal_arn not in names:
        kind = _principal_type(request.principal_arn)
        names[request.principal_arn] = "role" if kind == "role" else "direct"
    if request.session_arn and request.session_name_known:
        names[request.session_arn] = "direct"
    return names


@dataclass(frozen=True)
class _Near:
    """Principal values that do not name the request's principal as written, but might name it:
    its names in another case (IAM names are unique whatever their case, and a policy's
    principal is resolved to the entity when the policy is saved), and any session of its role
    when the session name is not known."""

    folded: frozenset[str]
    sessions: str
    """`arn:...:assumed-role/<role>/`, when the session name is unknown; else empty."""

    @classmethod
    def of(cls, request: Request, names: Mapping[str, _Grant]) -> _Near:
        folded = {name.lower() for name in names}
        sessions = ""
        if request.session_arn and not request.session_name_known:
            sessions = request.session_arn.rsplit("/", 1)[0] + "/"
            folded.add(request.session_arn.lower())
        return cls(frozenset(folded), sessions)

    def might_name(self, entry: str) -> bool:
        return entry.lower() in self.folded or bool(
            self.sessions and entry.startswith(self.sessions)
        )


def _entries(value: Any) -> list[Any]:
    """A principal type's values: one or a non-empty list (`[None]` when malformed, so that it
    cannot silently match nothing)."""
    entries = value if isinstance(value, list) else [value]
    return entries or [None]


def _principal_verdict(value: Any, names: Mapping[str, _Grant], near: _Near) -> tuple[_Tri, _Grant]:
    """Whether a `Principal` element names the request's principal ("AWS JSON policy elements:
    Principal": `*` and `{"AWS": "*"}` are everyone; no partial wildcards; an account id and its
    root ARN both mean the account; a service or federated provider is never an IAM role)."""
    if value == "*":
        return _TRUE, "direct"
    if not isinstance(value, Mapping):
        return _unknown("(Principal is neither * nor a JSON object)"), "direct"
    verdicts: list[_Tri] = []
    grants: list[_Grant] = []
    for kind, entries in value.items():
        for entry in _entries(entries):
            if kind == "AWS" and isinstance(entry, str):
                grant: _Grant | None = "direct" if entry == "*" else names.get(entry)
                if grant is None and near.might_name(entry):
                    verdicts.append(_unknown(f"(Principal {entry} may name the requester)"))
                    continue
                verdicts.append(_of(grant is not None))
                if grant is not None:
                    grants.append(grant)
            elif kind in ("Service", "Federated") and isinstance(entry, str):
                verdicts.append(_FALSE)
            else:
                verdicts.append(_unknown(f"(Principal {kind} {entry})"))
    verdict = _any(verdicts)
    if verdict.value is True:
        return verdict, max(grants, key=_STRENGTH.__getitem__)
    # An unknown principal may be granted directly: the most permissive kind keeps it undecided.
    return verdict, "direct"


def _not_principal_verdict(
    value: Any, request: Request, deny_with_boundary: bool, near: _Near
) -> _Tri:
    """Whether a `NotPrincipal` statement applies to the request's principal.

    "AWS JSON policy elements: NotPrincipal": the statement applies to every principal not listed.
    AWS "might validate the account first, then the role, and then the assumed-role user": a
    requester that is listed is left out for sure only when its role and account are listed too;
    when only some are, it might be denied: undecidable.
    "Permissions boundaries for IAM entities": NotPrincipal with Deny always denies a principal
    that has a permissions boundary.
    """
    if deny_with_boundary:
        return _TRUE
    if value == "*":
        return _FALSE
    if not isinstance(value, Mapping):
        return _unknown("(NotPrincipal is neither * nor a JSON object)")
    listed: set[str] = set()
    for kind, entries in value.items():
        for entry in _entries(entries):
            if kind == "AWS" and isinstance(entry, str):
                listed.add(entry)
            elif kind not in ("Service", "Federated") or not isinstance(entry, str):
                return _unknown(f"(NotPrincipal {kind} {entry})")
    if "*" in listed:
        return _FALSE
    names = _principal_names(request)
    if any(entry not in names and near.might_name(entry) for entry in listed):
        return _unknown("(NotPrincipal lists what may name the requester)")
    if request.session_arn and not request.session_name_known:
        return _TRUE  # no listed value may name its session: the requester is not listed
    # From the requester itself up to its account; each level is named by any of its forms.
    chain = [
        {request.session_arn} if request.session_arn else set(),
        {n for n, g in names.items() if g != "account" and n != request.session_arn},
        {n for n, g in names.items() if g == "account"},
    ]
    levels = [bool(level & listed) for level in chain if level]
    if not levels or not levels[0]:
        return _TRUE
    if all(levels):
        return _FALSE
    return _unknown("(NotPrincipal lists the requester but not its role or account)")


# --- statements ---------------------------------------------------------------------------------

_Role = Literal["identity", "resource", "boundary", "scp"]


def _listed(
    statement: Mapping[str, Any],
    element: str,
    negation: str,
    match: Callable[[str], _Tri],
    required: bool = True,
) -> _Tri:
    """An element and its Not form (Action/NotAction, Resource/NotResource): exactly one of them,
    a string or a non-empty list of strings ("Grammar of the IAM JSON policy language")."""
    if element in statement and negation in statement:
        return _unknown(f"({element} and {negation} both present)")
    name = element if element in statement else negation if negation in statement else ""
    if not name:
        return _unknown(f"({element} missing)") if required else _TRUE
    raw = statement[name]
    patterns = raw if isinstance(raw, list) else [raw]
    if not patterns or not all(isinstance(p, str) for p in patterns):
        return _unknown(f"({name} is not a string or a list of strings)")
    matched = _any(match(p) for p in patterns)
    return _not(matched) if name == negation else matched


def _resource_verdict(
    statement: Mapping[str, Any], arn: str, ctx: _Context | None, role: _Role
) -> _Tri:
    # Variables only in the resource part, after the fifth colon ("Variables and tags", Resource
    # element). A resource-based policy without Resource (a role trust policy) covers the
    # resource it is attached to.
    return _listed(
        statement,
        "Resource",
        "NotResource",
        lambda p: _arn_like(p, arn, ctx, _ARN_SEGMENTS - 1, resource=True),
        required=role != "resource",
    )


def _action_verdict(statement: Mapping[str, Any], action: str) -> _Tri:
    has_action, has_not_action = "Action" in statement, "NotAction" in statement
    if has_action != has_not_action:
        # The well-formed case, asked for every statement of every request: answered from a
        # cache of (patterns, action) pairs.
        raw = statement["Action" if has_action else "NotAction"]
        patterns = raw if isinstance(raw, list) else [raw]
        if patterns and all(isinstance(p, str) for p in patterns):
            return _of(_actions_cover(tuple(patterns), action) is has_action)
    return _listed(statement, "Action", "NotAction", lambda p: _of(action_matches(p, action)))


@lru_cache(maxsize=8192)
def _actions_cover(patterns: tuple[str, ...], action: str) -> bool:
    return any(action_matches(p, action) for p in patterns)


def covers_action(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (or its NotAction, by leaving it out) covers `action`,
    conditions, principals and resources aside; a malformed one covers nothing."""
    return isinstance(statement, Mapping) and _action_verdict(statement, action).value is True


def statement_applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    """Action/NotAction and Resource/NotResource only (conditions and principals aside); policy
    variables are not resolved here, and a malformed statement does not apply."""
    if not isinstance(statement, Mapping):
        return False
    verdict = _all(
        [
            _action_verdict(statement, action),
            _resource_verdict(statement, resource, None, "identity"),
        ]
    )
    return verdict.value is True


@dataclass(frozen=True)
class _Finding:
    """A statement that applies to the request or might."""

    ref: StatementRef
    applies: bool | None  # True: applies; None: undecidable
    effect: Literal["Allow", "Deny"] | None  # None: malformed, could be either
    grant: _Grant = "direct"


@dataclass(frozen=True)
class _Scope:
    request: Request
    ctx: _Context
    names: Mapping[str, _Grant]
    has_boundary: bool
    near: _Near


def _statement_verdict(
    statement: Mapping[str, Any], role: _Role, scope: _Scope, variables: bool, effect: str | None
) -> tuple[_Tri, _Grant]:
    grant: _Grant = "direct"
    # Kleene AND: a statement whose action or resource does not match the request does not
    # apply, whatever its other elements say, so those cheap tests come first.
    ctx = scope.ctx if variables else None
    action = _action_verdict(statement, scope.request.action)
    if action.value is False:
        return _FALSE, grant
    resource = _resource_verdict(statement, scope.request.resource, ctx, role)
    if resource.value is False:
        return _FALSE, grant
    verdicts: list[_Tri] = [action, resource]
    if effect is None:
        verdicts.append(_unknown("(Effect is neither Allow nor Deny)"))
    if role == "resource":
        if "Principal" in statement and "NotPrincipal" in statement:
            verdicts.append(_unknown("(Principal and NotPrincipal both present)"))
        elif "Principal" in statement:
            principal, grant = _principal_verdict(statement["Principal"], scope.names, scope.near)
            verdicts.append(principal)
        elif "NotPrincipal" in statement:
            deny_with_boundary = effect == "Deny" and scope.has_boundary
            verdicts.append(
                _not_principal_verdict(
                    statement["NotPrincipal"], scope.request, deny_with_boundary, scope.near
                )
            )
        else:
            verdicts.append(_unknown("(Principal missing)"))
    elif "Principal" in statement or "NotPrincipal" in statement:
        # "You cannot use the Principal element in an identity-based policy".
        verdicts.append(_unknown("(Principal in a policy that is not resource-based)"))
    verdicts.append(_condition_verdict(statement.get("Condition"), scope.ctx, variables))
    return _all(verdicts), grant


def _policy_findings(policy: Policy, role: _Role, scope: _Scope) -> list[_Finding]:
    document: Any = policy.document
    raw = document.get("Statement") if isinstance(document, Mapping) else None
    if raw is None:
        ref = StatementRef(policy.name, 0, "", "?", ("(policy has no Statement)",))
        return [_Finding(ref, None, None)]
    variables = document.get("Version") == _VARIABLES_VERSION
    findings: list[_Finding] = []
    for index, statement in enumerate(as_list(raw)):
        if not isinstance(statement, Mapping):
            ref = StatementRef(policy.name, index, "", "?", ("(statement is not a JSON object)",))
            findings.append(_Finding(ref, None, None))
            continue
        raw_effect = statement.get("Effect")
        effect: Literal["Allow", "Deny"] | None = (
            raw_effect if raw_effect in ("Allow", "Deny") else None
        )
        verdict, grant = _statement_verdict(statement, role, scope, variables, effect)
        if verdict.value is False:
            continue
        sid = statement.get("Sid")
        ref = StatementRef(
            policy.name,
            index,
            sid if isinstance(sid, str) else "",
            effect or "?",
            verdict.unknown if verdict.value is None else (),
        )
        findings.append(_Finding(ref, verdict.value, effect, grant))
    return findings


# --- gates: what must allow ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Gate:
    """One requirement of a path to "allowed": some Allow in some policies."""

    name: str
    value: bool | None
    allows: tuple[StatementRef, ...] = ()
    maybe: tuple[StatementRef, ...] = ()


def _allow_gate(
    name: str,
    findings: Sequence[_Finding],
    grants: Iterable[_Grant] = ("direct", "role", "account"),
) -> _Gate:
    wanted = set(grants)
    relevant = [f for f in findings if f.effect != "Deny" and f.grant in wanted]
    allows = tuple(f.ref for f in relevant if f.applies is True and f.effect == "Allow")
    maybe = tuple(f.ref for f in relevant if f.applies is None or f.effect is None)
    value = True if allows else None if maybe else False
    return _Gate(name, value, allows, maybe)


def _gates_value(gates: Iterable[_Gate]) -> _Tri:
    return _all(_Tri(gate.value) for gate in gates)


@dataclass(frozen=True)
class _Path:
    """One documented way to be allowed: every gate must allow."""

    description: str
    gates: tuple[_Gate, ...]


def _paths(
    request: Request,
    kind: ResourceKind,
    resource: Policy | None,
    resource_findings: Sequence[_Finding],
    identity: _Gate,
    boundary: tuple[_Gate, ...],
) -> list[_Path]:
    """The documented ways to "allowed" once no Deny applies and the SCPs allow."""
    resource_name = resource.name if resource else "a resource-based policy"

    def granted(*grants: _Grant) -> _Gate:
        if resource is None and kind == "kms":
            # "Every KMS key must have exactly one key policy": without it, nothing is known.
            return _Gate("the key policy (not given)", None)
        return _allow_gate(resource_name, resource_findings, grants)

    within = " within the permissions boundary" if boundary else ""
    cross = [
        _Path(
            f"cross-account: the identity-based policies{within} and {resource_name} both allow it",
            (identity, *boundary, granted("direct", "role", "account")),
        )
    ]
    if kind == "kms":
        same = [
            _Path(f"{resource_name} names the principal", (granted("direct"),)),
            _Path(f"{resource_name} names the role{within}", (granted("role"), *boundary)),
            _Path(
                f"{resource_name} delegates to the account and an identity-based policy allows "
                f"it{within}",
                (granted("account"), identity, *boundary),
            ),
        ]
    else:
        same = [
            _Path(f"{resource_name} names the principal", (granted("direct"),)),
            _Path(f"{resource_name} names the role{within}", (granted("role"), *boundary)),
            _Path(f"an identity-based policy allows it{within}", (identity, *boundary)),
        ]
    if not request.resource_account or request.resource_account == request.principal_account:
        return same
    if request.principal_account:
        return cross
    # The principal's account is unknown: cross-account rules always apply, the looser
    # same-account ones only if it turns out to be the same account.
    unknown_account = _Gate("which account the principal is in", None)
    return cross + [_Path(p.description, (unknown_account, *p.gates)) for p in same]


# --- the evaluation -----------------------------------------------------------------------------


def _at_most(parts: Sequence[str], limit: int, separator: str) -> str:
    """`a; b; c`, or the first `limit` and `and N more`: a policy may hold thousands of
    statements, and a reason is one sentence."""
    if len(parts) <= limit:
        return separator.join(parts)
    return f"{separator.join(parts[:limit])}{separator}and {len(parts) - limit} more"


def _joined(refs: Iterable[StatementRef]) -> str:
    return _at_most([ref.describe() for ref in _unique(refs)], _STATEMENTS_NAMED, "; ")


def _explained(refs: Iterable[StatementRef]) -> str:
    """Each statement with what was unknown: `statement 2 of bucket policy (aws:SourceIp)`."""
    parts = []
    for ref in _unique(refs):
        keys = [k[1:-1] if k.startswith("(") and k.endswith(")") else k for k in ref.unknown_keys]
        why = _at_most(keys, _KEYS_NAMED, ", ")
        parts.append(f"{ref.describe()} ({why})" if why else ref.describe())
    return _at_most(parts, _STATEMENTS_NAMED, "; ")


def _unique(refs: Iterable[StatementRef]) -> tuple[StatementRef, ...]:
    return tuple(dict.fromkeys(refs))


def evaluate(
    request: Request,
    *,
    identity: Sequence[Policy] = (),
    resource_policy: Policy | None = None,
    boundary: Policy | None = None,
    scps: Sequence[Sequence[Policy]] | None = None,
    resource_kind: ResourceKind = "other",
) -> Evaluation:
    """AWS's decision for `request` under these policies ("Policy evaluation logic").

    `identity`: the principal's identity-based policies (none: nothing of theirs allows).
    `resource_policy`: the resource's policy; None means the resource has none, except for a KMS
    key, which always has one ("Key policies in AWS KMS"), so None there leaves it undecided.
    An account principal in it (`arn:aws:iam::<account>:root` or the bare id) delegates to the
    account ("AWS JSON policy elements: Principal", AWS account principals): it adds nothing
    that the identity-based policies do not allow, in the same account as across accounts.
    `boundary`: the permissions boundary (None: none). `scps`: per organisation level, root
    first, the SCPs attached there; every level must allow (None: SCPs are not evaluated).
    `resource_kind`: "kms" applies the key policy rules; "s3" and "other" follow the general ones.
    """
    names = _principal_names(request)
    near = _Near.of(request, names)
    scope = _Scope(request, _Context(request), names, boundary is not None, near)
    scp_findings = [
        [f for policy in level for f in _policy_findings(policy, "scp", scope)]
        for level in (scps or ())
    ]
    resource_findings = (
        _policy_findings(resource_policy, "resource", scope) if resource_policy else []
    )
    boundary_findings = _policy_findings(boundary, "boundary", scope) if boundary else []
    identity_findings = [f for p in identity for f in _policy_findings(p, "identity", scope)]
    everything = [
        *(f for level in scp_findings for f in level),
        *resource_findings,
        *boundary_findings,
        *identity_findings,
    ]
    # "An explicit deny in any policy overrides any allows", whatever else is unknown.
    denies = _unique(f.ref for f in everything if f.applies is True and f.effect == "Deny")
    if denies:
        return Evaluation("explicitDeny", f"explicit Deny in {_joined(denies)}", denies)
    maybe_denies = _unique(
        f.ref for f in everything if f.effect != "Allow" and (f.applies is None or f.effect is None)
    )
    scp_gates = [
        _allow_gate(f"the SCPs at organisation level {n}", level)
        for n, level in enumerate(scp_findings, 1)
    ]
    boundary_gates = (
        (_allow_gate(f"the permissions boundary ({boundary.name})", boundary_findings),)
        if boundary
        else ()
    )
    identity_gate = _identity_gate(request, identity_findings)
    paths = _paths(
        request, resource_kind, resource_policy, resource_findings, identity_gate, boundary_gates
    )
    allowed = _all([_gates_value(scp_gates), _any(_gates_value(p.gates) for p in paths)])
    if allowed.value is False:
        # Denied either way; an undecidable Deny could only make the denial explicit.
        reason = _implicit_deny_reason(scp_gates, paths, request)
        return Evaluation("implicitDeny", reason, (), maybe_denies)
    if allowed.value is None:
        return _undecided(scp_gates, paths, maybe_denies)
    path = next(p for p in paths if _gates_value(p.gates).value is True)
    deciding = _unique(ref for g in (*scp_gates, *path.gates) for ref in g.allows)
    if maybe_denies:
        return Evaluation(
            "undecided",
            f"undecided: {path.description} ({_joined(deciding)}), but could not decide "
            f"whether {_explained(maybe_denies)} denies it",
            (),
            maybe_denies,
        )
    return Evaluation("allowed", f"allowed: {path.description} ({_joined(deciding)})", deciding)


def _undecided(
    scp_gates: Sequence[_Gate], paths: Sequence[_Path], maybe_denies: tuple[StatementRef, ...]
) -> Evaluation:
    """Whether something allows depends on unknowns: name the statements (and the policies not
    given) that the answer depends on."""
    live = [p for p in paths if _gates_value(p.gates).value is not False]
    gates = [g for g in (*scp_gates, *(g for p in live for g in p.gates)) if g.value is None]
    needed = _unique((*maybe_denies, *(ref for g in gates for ref in g.maybe)))
    missing = list(dict.fromkeys(g.name for g in gates if not g.maybe))
    what = "; ".join(part for part in (_explained(needed), *missing) if part)
    return Evaluation("undecided", f"undecided: could not decide {what}", (), needed)


def _identity_gate(request: Request, findings: Sequence[_Finding]) -> _Gate:
    # "All requests are implicitly denied with the exception of the AWS account root user, which
    # has full access" (its identity needs no policy; KMS key policies still must allow).
    if _principal_type(request.principal_arn) == "root" and not request.session_arn:
        return _Gate("the account root user", True)
    return _allow_gate("the identity-based policies", findings)


def _implicit_deny_reason(
    scp_gates: Sequence[_Gate], paths: Sequence[_Path], request: Request
) -> str:
    for gate in scp_gates:
        if gate.value is False:
            return f"implicit deny: no applicable Allow in {gate.name}"
    missing: list[str] = []
    for path in paths:
        first = next((g for g in path.gates if g.value is False), None)
        if first is not None and first.name not in missing:
            missing.append(first.name)
    cross = bool(request.resource_account) and request.resource_account != request.principal_account
    rule = " (cross-account: both must allow)" if cross else ""
    return f"implicit deny: no applicable Allow in {' or '.join(missing)}{rule}"


def identity_decision(documents: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    """Shortcut: evaluate(request, identity=[Policy(f"policy {i+1}", d) ...]).decision"""
    policies = [Policy(f"policy {i + 1}", d) for i, d in enumerate(documents)]
    return evaluate(request, identity=policies).decision


__all__ = [
    "Decision",
    "Evaluation",
    "Policy",
    "Request",
    "ResourceKind",
    "ResourcePatterns",
    "StatementRef",
    "action_matches",
    "evaluate",
    "identity_decision",
    "resource_matches",
    "resource_verdict",
    "statement_applies",
]
