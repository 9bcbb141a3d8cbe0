"""The fast path: compiled patterns that vouch for whole runs of rows in one `re` call.

Python's `re` engine pays per pattern element and per repetition, so a run of rows is checked by
one `match` over a large buffer, with a pattern built for this file: the date column and the
number columns as they are quoted here, and (for files sorted by day) the current day as a literal,
which makes the calendar check of every row free. A pattern here only accepts rows that
`fields.py` accepts too; whatever it stops at is handed to that precise path.
"""

from __future__ import annotations

import re
from functools import lru_cache

_UNQUOTED = rb'[^,"\r\n]*'
_QUOTED = rb'"[^"\r\n]*(?:""[^"\r\n]*)*"'
ANY_VALUE = rb"(?:" + _QUOTED + rb"|" + _UNQUOTED + rb")"
# Strictly positive decimals without sign or exponent: the leading digits hold a non-zero one, or
# the fraction does. Everything rarer (a sign, an exponent) takes the precise path.
_POSITIVE = rb"(?:0*[1-9][0-9]*(?:\.[0-9]*)?|0*\.0*[1-9][0-9]*)"
_DATE_SHAPE = rb"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_LINE_END = rb"\r?\n"

NumberLayout = tuple[tuple[int, bool], ...]
"""(column index, quoted?) for each column whose values must be positive numbers."""


def _quoted_if(piece: bytes, quoted: bool) -> bytes:
    return b'"' + piece + b'"' if quoted else piece


@lru_cache(maxsize=512)
def row_run(
    columns: int,
    date_index: int,
    date_quoted: bool,
    numbers: NumberLayout,
    day: bytes | None,
) -> re.Pattern[bytes]:
    """Zero or more complete rows; with `day`, only rows of that day (a calendar day already)."""
    quoted_numbers = dict(numbers)
    pieces: list[bytes] = []
    for index in range(columns):
        if index == date_index:
            shape = re.escape(day) if day is not None else _DATE_SHAPE
            pieces.append(_quoted_if(shape, date_quoted))
        elif index in quoted_numbers:
            pieces.append(_quoted_if(_POSITIVE, quoted_numbers[index]))
        else:
            pieces.append(ANY_VALUE)
    return re.compile(rb"(?:" + b",".join(pieces) + _LINE_END + rb")*")


@lru_cache(maxsize=64)
def row_key(columns: int, left_out: int) -> re.Pattern[bytes]:
    """Each row as (values before `left_out`, values after it), exactly as written."""
    before = rb"((?:" + ANY_VALUE + rb",){" + str(left_out).encode() + rb"})"
    after = rb"((?:," + ANY_VALUE + rb"){" + str(columns - 1 - left_out).encode() + rb"})"
    return re.compile(before + ANY_VALUE + after + _LINE_END)


@lru_cache(maxsize=16)
def row_day(date_index: int) -> re.Pattern[bytes]:
    """The date of each row (rows already known to be well formed)."""
    skip = rb"(?:" + ANY_VALUE + rb",){" + str(date_index).encode() + rb"}"
    return re.compile(rb"^" + skip + rb'"?(' + _DATE_SHAPE + rb")", re.MULTILINE)
