"""The precise path: one line split into values, and each value judged, with exact reasons.

Every row the fast path cannot vouch for comes here, so this module is the definition of a valid
row; the fast path (`grammar.py`) only ever accepts a subset of what it accepts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

QUOTE = 0x22
COMMA = 0x2C
CARRIAGE_RETURN = 0x0D

_DATE_SYNTAX = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER_SYNTAX = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(rb"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_THOUSANDS = re.compile(rb"[0-9]{1,3}(?:[,' _][0-9]{3})+(?:\.[0-9]*)?")
_NONZERO_DIGIT = re.compile(rb"[1-9]")
SHOWN_LENGTH = 40
PLAIN_SAFE_LENGTH = 300
"""A number of at most this many characters without an exponent is a finite double, and not
zero unless all its digits are: its integer part is below 1e300 and its first non-zero digit after
the point comes by the 300th place. Longer ones are converted to be sure; the fast path
(`grammar.py`) accepts no more digits than this figure allows, so all it accepts stays valid."""
_CARRIAGE_RETURN = "a carriage return (\\r) inside the line"


@dataclass(frozen=True)
class SplitLine:
    values: list[bytes]
    """Each value as written, with the quotes of a quoted value removed and `""` undoubled."""
    quoted: list[bool]


@dataclass(frozen=True)
class LineFault:
    column: int
    """1-based column where the line stops making sense."""
    rule: str
    message: str


def show(value: bytes) -> str:
    """A value for a message: decoded, shortened, quoted."""
    text = value.decode("utf-8", "replace")
    if len(text) > SHOWN_LENGTH:
        text = text[: SHOWN_LENGTH - 1] + "…"
    return repr(text)


def split_line(body: bytes) -> SplitLine | LineFault:
    """Values of one line (without its line ending), or the first reason it is malformed.

    The first carriage return decides the verdict as soon as it is reached (before a quote in
    the same value is judged), so a line cut right after it gets the same fault as the whole
    line: that is how a line too long to hold (a file with CR-only line endings is one long
    line) is judged like a short one.
    """
    values: list[bytes] = []
    quoted: list[bool] = []
    end = len(body)
    i = 0
    while True:
        column = len(values) + 1
        if i < end and body[i] == QUOTE:
            closing = _closing_quote(body, i + 1)
            if closing < 0:
                if body.find(b"\r", i + 1) >= 0:
                    return LineFault(column, "line-ending", f"column {column}: {_CARRIAGE_RETURN}")
                return LineFault(
                    column, "quote", f"column {column}: a quoted value is not closed on this line"
                )
            value = body[i + 1 : closing].replace(b'""', b'"')
            i = closing + 1
            if b"\r" in value or (i < end and body[i] == CARRIAGE_RETURN):
                return LineFault(column, "line-ending", f"column {column}: {_CARRIAGE_RETURN}")
            if i < end and body[i] != COMMA:
                return LineFault(
                    column,
                    "quote",
                    f"column {column}: text follows the closing quote of a quoted value",
                )
            is_quoted = True
        else:
            comma = body.find(b",", i)
            stop = end if comma < 0 else comma
            value = body[i:stop]
            i = stop
            if b"\r" in value:
                return LineFault(column, "line-ending", f"column {column}: {_CARRIAGE_RETURN}")
            if QUOTE in value:
                return LineFault(
                    column,
                    "quote",
                    f"column {column}: the unquoted value {show(value)} contains a quote",
                )
            is_quoted = False
        values.append(value)
        quoted.append(is_quoted)
        if i >= end:
            return SplitLine(values, quoted)
        i += 1  # the comma; a comma that ends the line leaves one more, empty, value


def carriage_return_fault(start: bytes) -> LineFault | None:
    """The fault of a line too long to hold whole, judged from its `start` (without its line
    ending, or anything that may yet become one) when a carriage return there decides it; None
    when the start holds no carriage return, and the line is only too long."""
    found = start.find(b"\r")
    if found < 0:
        return None
    fault = split_line(start[: found + 1])
    assert isinstance(fault, LineFault)  # a carriage return in a value is a fault at the least
    return fault


def _closing_quote(body: bytes, start: int) -> int:
    """Index of the quote that closes a quoted value opened before `start`, or -1."""
    i = start
    while True:
        found = body.find(b'"', i)
        if found < 0:
            return -1
        if found + 1 < len(body) and body[found + 1] == QUOTE:
            i = found + 2  # a doubled quote stands for one quote
            continue
        return found


@lru_cache(maxsize=8192)
def calendar_day(text: bytes) -> date | None:
    """The day a YYYY-MM-DD string names, or None when it is no calendar day (2023-02-29)."""
    try:
        return date.fromisoformat(text.decode("ascii"))
    except ValueError:
        return None


def date_problem(value: bytes) -> tuple[str, str] | None:
    """(rule, message) when `value` is not a YYYY-MM-DD calendar day."""
    if not _DATE_SYNTAX.fullmatch(value):
        return "date-format", f"{show(value)} is not a date written YYYY-MM-DD"
    if calendar_day(value) is None:
        return "date-calendar", f"{show(value)} is not a calendar day"
    return None


def number_problem(value: bytes) -> tuple[str, str] | None:
    """(rule, message) when `value` is not a positive number; rule `number` if no number at all.

    However it is written, a number must be a finite double other than zero, as Finout stores
    it: `1e309` and 400 digits are both too large, `1e-400` and a point followed by 400 zeros
    both too small.
    """
    if not _NUMBER_SYNTAX.fullmatch(value):
        return "number", f"{show(value)} is not a number{_why_not_a_number(value)}"
    if value.startswith(b"-") and _NONZERO_DIGIT.search(_mantissa(value)):
        return "positive", f"{show(value)} is negative"
    if not _NONZERO_DIGIT.search(_mantissa(value)):
        return "positive", f"{show(value)} is zero"
    if len(value) > PLAIN_SAFE_LENGTH or b"e" in value or b"E" in value:
        number = float(value)
        if math.isinf(number):
            return "number", f"{show(value)} is too large to be a number Finout can store"
        if number == 0.0:
            return "positive", f"{show(value)} is too small to tell from zero"
    return None


def is_number(value: bytes) -> bool:
    return _NUMBER_SYNTAX.fullmatch(value) is not None


def _mantissa(value: bytes) -> bytes:
    return re.split(rb"[eE]", value, maxsplit=1)[0]


def _why_not_a_number(value: bytes) -> str:
    if value == b"":
        return " (the value is empty)"
    if value.strip() != value:
        return " (remove the spaces around it)"
    if _NON_FINITE.fullmatch(value):
        return " (NaN and infinity are not totals)"
    if _THOUSANDS.fullmatch(value):
        return " (remove the thousands separators)"
    return ""
