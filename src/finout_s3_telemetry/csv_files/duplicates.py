"""Rows that repeat a (date, metadata) combination, found over the whole file in bounded memory.

A row's key is the row without its telemetry value and its line ending, compared as written (a
value quoted in one row and bare in another counts as different). While the file streams past,
each tracked row adds the 8-byte hash of its key to an array, in line order: about 120 MB for
1 GB of CSV (15 million rows), the one thing that grows with the file. At the end, the rows whose
hash another row holds too are found (`repeated_entries`, one slice of the hash range at a time)
and read again (`wanted_lines`), and a row is reported only when its key is, byte for byte, the
key of an earlier row. That is sound both ways:

* nothing is missed: equal keys have equal hashes, so every repeat is among the rows re-read;
* nothing is made up: two rows are reported together only after their keys compared equal, so a
  hash collision (two keys, one hash) costs a re-read, never a report; a row re-read whose key no
  longer hashes as recorded (the file changed in between) is left out.

The first occurrence a report names is the earliest row with that key. The keys held while
re-reading are bounded too (`KEY_BYTES`): past it, the rows are re-read in several passes, each
for a part of the hash range. A local file is simply read again; a stream that can be read only
once (standard input, an S3 object body) is copied while it is validated (`validate.py`).
"""

from __future__ import annotations

import heapq
import importlib
import math
import struct
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from itertools import compress, count, pairwise
from typing import Any, Protocol

from finout_s3_telemetry.csv_files.grammar import Layout, key_of, number_tail, row_key
from finout_s3_telemetry.csv_files.problems import MAX_LISTED, ProblemLog


class ByteStream(Protocol):
    def read(self, size: int, /) -> bytes: ...


Reopen = Callable[[], ByteStream]
"""Gives the bytes that were validated again, from their first byte; OSError when it cannot."""

key_hash: Callable[[object], int] = hash
"""The 64-bit hash of a key (bytes, or a tuple of bytes), as an `array("q")` holds it. A module
attribute, looked up on each use, so that a test can make keys collide."""

UNDECIDED_HASHES = 8_000_000
"""Hashes the candidate columns may hold together while more than one of them may still be the
telemetry (64 MB); past that, their checks stop. With the telemetry known from the header or
`--telemetry`, or once only one column is left, the check covers every row."""
KEY_BYTES = 64 << 20
"""Keys held at once while re-reading rows; past it, the hash range is re-read in halves (but for
the keys of one hash value, which only keys made to collide can make many)."""
REREAD_CHUNK = 4 << 20
NUMPY_SLICE = 1 << 23
"""Hashes sorted at once with numpy: 64 MB, and (when the array holds more) two bytes per entry
of the whole array for the masks that select them."""
PURE_SLICE = 1 << 20
"""Hashes put in a Python set at once: about 70 MB (more in files of over 256 times as many rows,
whose hash range is cut in 256 slices at most)."""
PURE_UP_TO = 500_000
"""Up to this many hashes, Python sets them faster than numpy can be imported."""
_HELD_PER_KEY = 120  # what Python adds to a key's own bytes: the object, a list and a dict entry
_BLOCK = 1 << 20
_LOWEST, _BEYOND = -(1 << 63), 1 << 63


class Budget:
    """Hashes the trackers of one file may hold between them while several columns may be the
    telemetry; `live` counts the trackers of columns still in the running."""

    def __init__(self, limit: int, live: int) -> None:
        self.limit = limit
        self.remaining = limit
        self.live = live
        self.exhausted = False


class HashLog:
    """The hashes of tracked rows in line order, and the first line of each run of consecutive
    tracked lines (so the index of a hash tells its line)."""

    def __init__(self) -> None:
        self.hashes: array[int] = array("q")
        self._run_starts: array[int] = array("q")
        self._run_lines: array[int] = array("q")
        self._next_line = -1

    def __len__(self) -> int:
        return len(self.hashes)

    def extend(self, hashes: list[int], first_line: int) -> None:
        """Hashes of rows on consecutive lines from `first_line`."""
        if first_line != self._next_line:
            self._run_starts.append(len(self.hashes))
            self._run_lines.append(first_line)
        # struct converts the ints faster than array.fromlist does.
        self.hashes.frombytes(struct.pack(f"{len(hashes)}q", *hashes))
        self._next_line = first_line + len(hashes)

    def line(self, index: int) -> int:
        run = bisect_right(self._run_starts, index) - 1
        return self._run_lines[run] + index - self._run_starts[run]


LINE_START_STEP = 8 << 20
"""Bytes between two recorded line starts: 128 entries per gigabyte."""


class LineStarts:
    """Where some lines begin in the bytes fed, recorded while the file streams past (one every
    `LINE_START_STEP` bytes at most), so that re-reading a row near the end of a large file
    starts close to it instead of at the first byte."""

    def __init__(self) -> None:
        self._offsets: array[int] = array("q", [0])
        self._lines: array[int] = array("q", [1])

    def record(self, offset: int, line: int) -> None:
        """Line `line` begins `offset` bytes after the first byte fed."""
        if offset - self._offsets[-1] >= LINE_START_STEP and line > self._lines[-1]:
            self._offsets.append(offset)
            self._lines.append(line)

    def before(self, line: int) -> tuple[int, int]:
        """(offset, number) of the last recorded line start at or before line `line`."""
        index = max(0, bisect_right(self._lines, line) - 1)
        return self._offsets[index], self._lines[index]


class DuplicateTracker:
    def __init__(self, columns: int, telemetry_index: int, budget: Budget) -> None:
        self._columns = columns
        self._left_out = telemetry_index
        self._last = telemetry_index == columns - 1
        self._budget = budget
        self._hashes = HashLog()
        self.log = ProblemLog()
        self.stopped_after: int | None = None
        """The last line checked, when the check stopped (see `UNDECIDED_HASHES`)."""
        self.unconfirmed: tuple[int, int, str] | None = None
        """(first line, rows, why) of rows that may repeat others but could not be re-read."""
        self.rows_checked = 0
        """Rows whose key was hashed."""
        self.rows_reread = 0
        """Rows read again to compare their keys."""

    # While the file is read -------------------------------------------------------------------

    def add_run(
        self,
        buffer: bytes,
        start: int,
        end: int,
        first_line: int,
        layout: Layout,
        window: bytes | None = None,
    ) -> None:
        """Rows buffer[start:end] (`window`, when the caller holds them as one object), all
        written as `layout` and vouched for by the fast path, the first on `first_line`."""
        if self.stopped_after is not None:
            return
        digest = key_hash
        if self._last:
            # The common case, and the one that must be fast: one split and one rstrip a row.
            lines = (window if window is not None else buffer[start:end]).split(b"\n")
            del lines[-1]  # the run ends with a line ending
            tail = number_tail(layout)
            hashes = [digest(line.rstrip(tail)) for line in lines]
        else:
            keys = row_key(self._columns, self._left_out, layout).findall(buffer, start, end)
            hashes = list(map(digest, keys))
        self._extend(hashes, first_line)

    def add_keys(self, keys: Iterable[bytes], first_line: int) -> None:
        """Keys of rows on consecutive lines from `first_line`, as `row_key` has them."""
        if self.stopped_after is None:
            self._extend(list(map(key_hash, keys)), first_line)

    def add_line(self, line_bytes: bytes, line: int) -> None:
        """One well-formed row, with its line ending."""
        if self.stopped_after is not None:
            return
        key = self._key(line_bytes)
        if key is not None:
            self._extend([key_hash(key)], line)

    def _key(self, line_bytes: bytes) -> object | None:
        match = row_key(self._columns, self._left_out).fullmatch(line_bytes)
        return key_of(match) if match is not None else None

    def _extend(self, hashes: list[int], first_line: int) -> None:
        budget = self._budget
        if budget.live > 1:
            if budget.exhausted or budget.remaining < len(hashes):
                budget.exhausted = True
                self.stopped_after = first_line - 1
                return
            budget.remaining -= len(hashes)
        self._hashes.extend(hashes, first_line)
        self.rows_checked += len(hashes)

    def release(self) -> None:
        """Forget every hash: this column turned out not to be the telemetry."""
        self._budget.remaining += len(self._hashes)
        self._budget.live -= 1
        self._hashes = HashLog()

    # At the end -------------------------------------------------------------------------------

    def confirm(
        self, reopen: Reopen | None, max_line: int, starts: LineStarts | None = None
    ) -> None:
        """Report every row whose key is the key of an earlier row, re-reading from `reopen`
        the rows whose hash repeats (none is reported when they cannot be re-read). With
        `starts`, a stream that can seek is read from the last line start before those rows."""
        held, self._hashes = self._hashes, HashLog()
        entries = repeated_entries(held.hashes)
        if not entries:
            return
        lines = array("q", map(held.line, entries))
        hashes = array("q", map(held.hashes.__getitem__, entries))
        del held, entries
        if reopen is None:
            self.unconfirmed = (lines[0], len(lines), "the input cannot be read a second time")
            return
        try:
            listed, total = self._compare(reopen, lines, hashes, max_line, starts or LineStarts())
        except OSError as problem:
            self.unconfirmed = (lines[0], len(lines), problem.strerror or str(problem))
            return
        for line, first in listed:
            self.log.add(
                line,
                None,
                "duplicate-row",
                f"line {line} repeats the date and metadata of line {first}",
            )
        self.log.omitted += total - len(listed)

    def _compare(
        self,
        reopen: Reopen,
        lines: array[int],
        hashes: array[int],
        max_line: int,
        starts: LineStarts,
    ) -> tuple[list[tuple[int, int]], int]:
        """The earliest `MAX_LISTED` (line, first line) repeats, in line order, and how many."""
        earliest: list[tuple[int, int]] = []  # a max-heap by line, as (-line, first)
        total = 0
        ranges = [(_LOWEST, _BEYOND)]
        while ranges:
            low, high = ranges.pop()
            inside = list(map(range(low, high).__contains__, hashes))
            part_lines, part_hashes = compress(lines, inside), compress(hashes, inside)
            wanted = array("q", part_lines)
            if not wanted:
                continue
            limit = KEY_BYTES if high - low > 1 else None  # one hash value cannot be split
            stream, first_line = _positioned(reopen(), starts, wanted[0])
            found = self._compare_part(
                stream, wanted, array("q", part_hashes), max_line, limit, first_line
            )
            if found is None:
                middle = (low + high) // 2
                ranges += [(middle, high), (low, middle)]
                continue
            listed, count = found
            total += count
            for line, first in listed:
                heapq.heappush(earliest, (-line, first))
                if len(earliest) > MAX_LISTED:
                    heapq.heappop(earliest)
        return sorted((-negative, first) for negative, first in earliest), total

    def _compare_part(
        self,
        stream: ByteStream,
        lines: array[int],
        hashes: array[int],
        max_line: int,
        limit: int | None,
        first_line: int = 1,
    ) -> tuple[list[tuple[int, int]], int] | None:
        """One pass over the rows `lines`: their first `MAX_LISTED` repeats and how many; None
        when their keys would hold more than `limit` bytes."""
        seen: dict[int, list[tuple[object, int]]] = {}
        held = 0
        listed: list[tuple[int, int]] = []
        count = 0
        index = 0
        for number, text in wanted_lines(stream, lines, REREAD_CHUNK, max_line, first_line):
            while lines[index] != number:  # a line the file no longer has
                index += 1
            expected = hashes[index]
            self.rows_reread += 1
            key = self._key(text + b"\n")
            if key is None or key_hash(key) != expected:
                continue  # the row changed since it was first read
            keys = seen.setdefault(expected, [])
            first = next((line for other, line in keys if other == key), None)
            if first is None:
                keys.append((key, number))
                held += len(text) + _HELD_PER_KEY
                if limit is not None and held > limit:
                    return None
                continue
            count += 1
            if len(listed) < MAX_LISTED:
                listed.append((number, first))
        return listed, count

    def warn(self, log: ProblemLog) -> None:
        if self.stopped_after is not None:
            line = self.stopped_after
            log.add(
                line + 1,
                None,
                "duplicate-check-partial",
                f"rows after line {line} were not checked for duplicates: while several columns "
                f"could be the telemetry, the check holds {self._budget.limit:,} keys in all",
            )
        if self.unconfirmed is not None:
            line, rows, why = self.unconfirmed
            log.add(
                line,
                None,
                "duplicate-check-partial",
                f"{rows:,} rows from line {line} on may repeat the date and metadata of another "
                f"row, but could not be read again to compare them ({why})",
            )


# Finding the repeated hashes ---------------------------------------------------------------------


@cache
def numpy_module() -> Any | None:
    """numpy when it is installed (imported on first use: it costs a tenth of a second). It sorts
    a slice of hashes 20 to 50 times faster than Python puts it in a set, which is what keeps the
    end of the duplicate check of a gigabyte file to a fraction of a second."""
    try:
        return importlib.import_module("numpy")
    except ImportError:
        return None


def repeated_entries(hashes: array[int]) -> array[int]:
    """The indexes, in increasing order, of the entries whose value occurs more than once.

    Nothing here makes a Python object per entry at once: the hash range is cut into slices of
    about `NUMPY_SLICE` (or, without numpy or below `PURE_UP_TO` entries, `PURE_SLICE`) entries,
    and one slice at a time is sorted (numpy) or put in a set (pure Python). Both ways give the
    same answer.
    """
    if len(hashes) < 2:
        return array("q")
    numpy = numpy_module() if len(hashes) > PURE_UP_TO else None
    if numpy is not None:
        return _with_numpy(numpy, hashes)
    return _pure(hashes)


def _ranges(entries: int, per_slice: int) -> list[tuple[int, int]]:
    """The hash range cut into equal slices, about `per_slice` entries each for uniform hashes."""
    slices = max(1, math.ceil(entries / per_slice))
    width = -(-(_BEYOND - _LOWEST) // slices)
    return [(low, min(low + width, _BEYOND)) for low in range(_LOWEST, _BEYOND, width)]


def _with_numpy(numpy: Any, hashes: array[int]) -> array[int]:
    values = numpy.frombuffer(hashes, dtype=numpy.int64)  # a view: no copy
    found = []
    for low, high in _ranges(len(values), NUMPY_SLICE):
        if low == _LOWEST and high == _BEYOND:
            part = numpy.sort(values)
        else:
            selected = values >= low
            if high < _BEYOND:
                selected &= values < high
            part = values[selected]
            del selected
            part.sort()
        same = part[1:] == part[:-1]
        if same.any():
            found.append(numpy.unique(part[1:][same]))
        del part, same
    if not found:
        return array("q")
    repeated = numpy.concatenate(found)  # sorted: the slices come in increasing order
    result = array("q")
    last = len(repeated) - 1
    for start in range(0, len(values), _BLOCK):
        block = values[start : start + _BLOCK]
        where = numpy.minimum(numpy.searchsorted(repeated, block), last)
        hits = numpy.flatnonzero(repeated[where] == block) + start
        result.frombytes(hits.astype(numpy.int64).tobytes())
    return result


def _pure(hashes: array[int]) -> array[int]:
    slices = min(256, math.ceil(len(hashes) / PURE_SLICE))
    if slices <= 1:
        return array("q", _repeated_among(list(hashes), range(len(hashes))))
    # A slice is the hashes whose top byte falls in its share of 0..255: `compress` picks them at
    # C speed, with a selector of one byte per hash, in one pass over the array per slice.
    stripe = 7 if sys.byteorder == "little" else 0
    tops = bytearray()
    for start in range(0, len(hashes), _BLOCK):
        tops += hashes[start : start + _BLOCK].tobytes()[stripe::8]
    bounds = [256 * number // slices for number in range(slices + 1)]
    parts: list[array[int]] = []
    for low, high in pairwise(bounds):
        selector = tops.translate(bytes(low <= top < high for top in range(256)))
        values = list(compress(hashes, selector))
        found = _repeated_among(values, compress(count(), selector))
        if found:
            parts.append(array("q", found))
    merged: Iterator[int] = heapq.merge(*parts)
    return array("q", merged)


def _repeated_among(values: list[int], indexes: Iterable[int]) -> list[int]:
    """The indexes (given in the order of `values`) of the values that occur more than once."""
    if len(set(values)) == len(values):  # the usual answer, found at C speed
        return []
    seen: set[int] = set()
    repeated: set[int] = set()
    for value in values:
        if value in seen:
            repeated.add(value)
        seen.add(value)
    return [index for index, value in zip(indexes, values, strict=False) if value in repeated]


# Reading chosen lines again ---------------------------------------------------------------------


def _positioned(stream: ByteStream, starts: LineStarts, line: int) -> tuple[ByteStream, int]:
    """`stream` moved to the last recorded line start at or before `line`, and that line's
    number; unmoved (line 1) when it cannot seek."""
    offset, number = starts.before(line)
    if not offset:
        return stream, 1
    try:
        seek, tell = getattr(stream, "seek", None), getattr(stream, "tell", None)
        if seek is None or tell is None or not getattr(stream, "seekable", lambda: False)():
            return stream, 1
        seek(tell() + offset)
    except (OSError, ValueError):
        return stream, 1
    return stream, number


def wanted_lines(
    stream: ByteStream,
    numbers: Iterable[int],
    chunk_size: int,
    max_line: int,
    first_line: int = 1,
) -> Iterator[tuple[int, bytes]]:
    """The lines of `stream` whose 1-based numbers `numbers` gives in increasing order, each with
    its number and without its LF (a CR before it stays).

    Lines are numbered as the scanner numbers them: split at LF, the last one with or without
    it; the stream starts at line `first_line` (a line start the scanner recorded). A line longer
    than `max_line` is never one the duplicate check asks for (the scanner does not track it),
    and it is skipped without being held.
    """
    wanted = iter(numbers)
    target = next(wanted, None)
    first = first_line  # the number of the line `carry` starts
    carry = b""
    skipping = False
    while target is not None:
        while target is not None and target < first:  # a line that could not be wanted
            target = next(wanted, None)
        chunk = stream.read(chunk_size)
        if not chunk:
            if carry and not skipping and target == first:
                yield first, carry
            return
        if skipping:
            newline = chunk.find(b"\n")
            if newline < 0:
                continue
            chunk = chunk[newline + 1 :]
            skipping = False
            first += 1
        data = carry + chunk if carry else chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            count = data.count(b"\n", 0, cut)
            if target is not None and target < first + count:
                lines = data[:cut].split(b"\n")
                while target is not None and target < first + count:
                    if target >= first:
                        yield target, lines[target - first]
                    target = next(wanted, None)
            first += count
        carry = data[cut:]
        if len(carry) > max_line:
            carry = b""
            skipping = True
