"""The fast path: compiled patterns that vouch for whole runs of rows in one `re` call.

Python's `re` engine pays per pattern element, per repetition, per saved backtracking point and,
most of all, per character tested against a class of several characters (`[^,"\r\n]`), where a
class of one (`[^,]`) is a tight loop. So a run of rows is checked by one `match` with a pattern
built for the rows at hand (each column quoted or bare as in the row before, and its line ending),
possessive wherever backtracking could never help, eight rows per repetition. Two flavours:

* `row_run`, strict on its own;
* `plain_run`, with one-character classes, for a window whose special characters (`,"\r\n`)
  were first proven to sit exactly where the layout puts them (`plain_signature`, checked with
  one `bytes.translate`); that proof is what keeps a value from swallowing a comma or a line.

A pattern here accepts only rows that `fields.py` accepts; whatever it stops at goes to that
precise path, which then picks the next pattern.
Dates are only roughly checked here (ten digits and dashes, one `re` element instead of five):
the scanner checks the shape and the calendar of each distinct day of a run, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from finout_s3_telemetry.csv_files.fields import PLAIN_SAFE_LENGTH

BARE, QUOTED, ESCAPED = 0, 1, 2
"""How a column's value is written: bare, in quotes, in quotes holding a doubled quote."""

_VALUE = {
    BARE: rb'[^,"\r\n]*+',
    QUOTED: rb'"[^"\r\n]*+"',
    ESCAPED: rb'"[^"\r\n]*+(?:""[^"\r\n]*+)*+"',
}
ANY_VALUE = rb"(?:" + _VALUE[ESCAPED] + rb"|" + _VALUE[BARE] + rb")"
# Strictly positive decimals without sign or exponent: a non-zero digit before any point, or
# after it. Rarer spellings (a sign, an exponent) take the precise path, and so do numbers with
# so many digits before the point, or zeros after it, that a double may not hold them (the
# precise path converts those): up to 300 significant digits before the point, or a first
# non-zero digit by the 300th place after it, is always a finite double other than zero.
_SIGNIFICANT = str(PLAIN_SAFE_LENGTH - 1).encode()
_POSITIVE = (
    rb"(?>0*+[1-9][0-9]{0,"
    + _SIGNIFICANT
    + rb"}+(?:\.[0-9]*+)?+|0*+\.0{0,"
    + _SIGNIFICANT
    + rb"}+[1-9][0-9]*+)"
)
_DATE_SHAPE = rb"[0-9]{4}+-[0-9]{2}+-[0-9]{2}+"
_DATE_ROUGHLY = rb"[0-9-]{10}+"


@dataclass(frozen=True)
class Layout:
    """How one row is written; rows written alike match one pattern."""

    kinds: tuple[int, ...]
    crlf: bool


def _quoted_if(piece: bytes, kind: int) -> bytes:
    return piece if kind == BARE else b'"' + piece + b'"'


_ROWS_PER_REPETITION = 8


@lru_cache(maxsize=256)
def row_run(layout: Layout, date_index: int, numbers: tuple[int, ...]) -> re.Pattern[bytes]:
    """Zero or more rows written as `layout`, with positive numbers in the `numbers` columns."""
    pieces: list[bytes] = []
    for index, kind in enumerate(layout.kinds):
        if index == date_index:
            pieces.append(_quoted_if(_DATE_ROUGHLY, kind))
        elif index in numbers:
            pieces.append(_quoted_if(_POSITIVE, kind))
        else:
            pieces.append(_VALUE[kind])
    row = b",".join(pieces) + (rb"\r\n" if layout.crlf else rb"\n")
    # Whole groups of rows first, then the rest one by one up to the first row that fails.
    return re.compile(rb"(?:" + row * _ROWS_PER_REPETITION + rb")*(?:" + row + rb")*")


@lru_cache(maxsize=256)
def plain_run(layout: Layout, date_index: int, numbers: tuple[int, ...]) -> re.Pattern[bytes]:
    """`row_run` for rows whose special characters match `plain_signature(layout)`."""
    last = len(layout.kinds) - 1
    pieces: list[bytes] = []
    for index, kind in enumerate(layout.kinds):
        if index == date_index:
            pieces.append(_quoted_if(_DATE_ROUGHLY, kind))
        elif index in numbers:
            pieces.append(_quoted_if(_POSITIVE, kind))
        elif kind != BARE:
            pieces.append(rb'"[^"]*+"')
        elif index < last:
            pieces.append(rb"[^,]*+")
        else:
            pieces.append(rb"[^\r]*+" if layout.crlf else rb"[^\n]*+")
    row = b",".join(pieces) + (rb"\r\n" if layout.crlf else rb"\n")
    return re.compile(rb"(?:" + row * _ROWS_PER_REPETITION + rb")*(?:" + row + rb")*")


NOT_SPECIAL = bytes(byte for byte in range(256) if byte not in b',"\r\n')
"""For `bytes.translate(None, NOT_SPECIAL)`: a row reduced to its special characters."""


@lru_cache(maxsize=256)
def plain_signature(layout: Layout) -> bytes | None:
    """A row written as `layout` reduced to its special characters, when none of its values
    holds one (None for a layout with doubled quotes, which always do)."""
    if ESCAPED in layout.kinds:
        return None
    values = [b'""' if kind == QUOTED else b"" for kind in layout.kinds]
    return b",".join(values) + (b"\r\n" if layout.crlf else b"\n")


def date_prefix(layout: Layout, day: bytes) -> bytes:
    """How a row whose first column is the date `day` starts."""
    return _quoted_if(day, layout.kinds[0]) + b","


@lru_cache(maxsize=512)
def row_key(columns: int, left_out: int, layout: Layout | None = None) -> re.Pattern[bytes]:
    """A row split around column `left_out`: the text before it, and after it if any.

    With a layout, only rows written that way match; without one, any well-formed row does. Both
    split a row at the same commas, so keys from either agree.
    """
    values = [_VALUE[kind] for kind in layout.kinds] if layout else [ANY_VALUE] * columns
    before = b"(" + b"".join(value + b"," for value in values[:left_out]) + b")"
    after = b"(" + b"".join(b"," + value for value in values[left_out + 1 :]) + b")"
    ending = (rb"\r\n" if layout.crlf else rb"\n") if layout else rb"\r?\n"
    if left_out == columns - 1:
        return re.compile(before + values[left_out] + ending)
    return re.compile(before + values[left_out] + after + ending)


def key_of(match: re.Match[bytes]) -> object:
    """The hashable key of a `row_key` match, the same object `findall` yields for it."""
    groups = match.groups()
    return groups[0] if len(groups) == 1 else groups


@lru_cache(maxsize=16)
def row_day(date_index: int, after_newline: bool) -> re.Pattern[bytes]:
    """The date of a well-formed row: at the match position, or of each row after a newline.

    Searching for a newline first lets `re` skip ahead with a fast scan for that byte, where a
    `^` anchor would be tried at every position.
    """
    skip = rb"(?:" + ANY_VALUE + rb",){" + str(date_index).encode() + rb"}"
    return re.compile((rb"\n" if after_newline else b"") + skip + rb'"?(' + _DATE_SHAPE + rb")")
