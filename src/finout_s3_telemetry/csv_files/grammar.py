"""The fast path: compiled patterns that vouch for whole runs of rows in one `re` call.

Python's `re` engine pays per pattern element, per repetition, per saved backtracking point and,
most of all, per character tested against a class of several characters (`[^,"\r\n]`), where a
class of one (`[^,]`) is a tight loop. So a run of rows is checked by one `match` with a pattern
built for the rows at hand (each column quoted or bare as in the row before, and its line ending),
possessive wherever backtracking could never help, eight rows per repetition. Two flavours:

* `row_run`, strict on its own;
* `plain_run`, with one-character classes and as few elements as the columns allow, for a
  window whose special characters (`,"\r\n`) were first proven to sit exactly where the layout
  puts them (`plain_signature`, checked with one `bytes.translate`); that proof is what keeps a
  value from swallowing a comma or a line.

Apart from the date, a pattern here accepts only rows that `fields.py` accepts; whatever it stops
at goes to that precise path, which then picks the next pattern. Dates are only roughly checked
by `row_run` (ten digits and dashes, one `re` element instead of five) and not at all by
`plain_run`: the scanner reads every row's day exactly (`row_day`, or a count of the rows that
start with each day) and checks the calendar of each distinct day of a run, once.
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
    """`row_run` for rows whose special characters match `plain_signature(layout)`.

    That proof fixes where every comma and quote is, so no value needs a class of several
    characters, and the longest stretch of columns that hold no number becomes one `.*` (any
    byte but a newline: `re`'s quickest loop, and one element instead of one per column, each
    of which costs on every row). Every other piece matches no comma, so the commas around them
    still pin each piece to its own column. The date is one of the columns left unchecked here:
    the scanner checks every row's day exactly (`row_day`, or the count of rows that start with
    each day).
    """
    del date_index  # the scanner checks the date
    last = len(layout.kinds) - 1
    first, stop = _longest_unchecked(len(layout.kinds), numbers)
    pieces: list[bytes] = []
    for index, kind in enumerate(layout.kinds):
        if first <= index < stop:
            if index == first:
                # Ending the row, the stretch takes the rest of the line; else it gives back
                # what the pieces after it need.
                tail = rb"[^\r]*+" if layout.crlf else rb".*+"
                pieces.append(tail if stop == last + 1 else rb".*")
        elif index in numbers:
            pieces.append(_quoted_if(_POSITIVE, kind))
        elif kind != BARE:
            pieces.append(rb'"[^"]*+"')
        elif index < last:
            pieces.append(rb"[^,]*+")
        else:
            pieces.append(rb"[^,\r]*+" if layout.crlf else rb"[^,\n]*+")
    row = b",".join(pieces) + (rb"\r\n" if layout.crlf else rb"\n")
    return re.compile(rb"(?:" + row * _ROWS_PER_REPETITION + rb")*(?:" + row + rb")*")


def _longest_unchecked(columns: int, numbers: tuple[int, ...]) -> tuple[int, int]:
    """The longest run [first, stop) of columns not in `numbers` (the first such, on a tie)."""
    best, start = (0, 0), 0
    for index in range(columns + 1):
        if index == columns or index in numbers:
            if index - start > best[1] - best[0]:
                best = (start, index)
            start = index + 1
    return best


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


@lru_cache(maxsize=64)
def number_tail(layout: Layout) -> bytes:
    """What `bytes.rstrip` takes off a row written as `layout` whose last column is a number the
    fast path accepts, to leave the text `row_key` keeps of it (up to the comma before the
    number): digits and the point (nothing else is in such a number), its quotes if it has
    them, and the CR of a CRLF."""
    quote = b"" if layout.kinds[-1] == BARE else b'"'
    return b"0123456789." + quote + (b"\r" if layout.crlf else b"")


KEYED_ROWS = 8
"""Rows per match of `keyed_rows`, as `row_run` takes them per repetition."""


@lru_cache(maxsize=256)
def keyed_rows(layout: Layout, prefix: bytes, rows: int) -> re.Pattern[bytes]:
    """`rows` rows of a plain window (see `plain_run`) that start with `prefix` (`date_prefix`:
    a day and its comma) and end with a number the fast path accepts, each captured without its
    number and line ending: its key, as `row_key` has it, which the duplicate check hashes.

    With the window's commas proven in place, the one `.*,` of a row can only stop at the
    comma before the number. A match starts at the newline before its first row (or at the
    start of the buffer) and stops before the newline after its last: matches chain, and none
    can start inside a row, so `findall` yields one key per row exactly when every row matches.
    """
    middle = rb".*," if len(layout.kinds) > 2 else b""
    number = _quoted_if(_POSITIVE, layout.kinds[-1]) + (rb"\r" if layout.crlf else b"")
    row = rb"(" + re.escape(prefix) + middle + rb")" + number
    return re.compile(rb"(?:^|\n)" + rb"\n".join([row] * rows) + rb"(?=\n)")


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
    """The date of a well-formed row: at the match position, or of each row after a newline;
    a match needs the whole value to be the date (a closing quote aside).

    Searching for a newline first lets `re` skip ahead with a fast scan for that byte, where a
    `^` anchor would be tried at every position.
    """
    skip = rb"(?:" + ANY_VALUE + rb",){" + str(date_index).encode() + rb"}"
    # The value must end with the date: the fast path's `plain_run` leaves the date to this.
    ends = rb'(?="?(?:,|\r?\n))'
    return re.compile(
        (rb"\n" if after_newline else b"") + skip + rb'"?(' + _DATE_SHAPE + rb")" + ends
    )
