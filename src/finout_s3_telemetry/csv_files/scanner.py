"""One file, fed in chunks: complete lines go through the fast path, the rest waits for more.

Memory stays bounded whatever the file size: a chunk, one partial line (at most `MAX_LINE`), the
first problems of each kind, and the duplicate check's 8 bytes a row (`duplicates.py`).

Line numbers are exact because a value never spans lines (a quoted value left open at the end of
a line is an error), so line N of the file is always row N - 1.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from itertools import chain

from finout_s3_telemetry.csv_files import grammar
from finout_s3_telemetry.csv_files.candidates import Candidate, choose, make_candidates
from finout_s3_telemetry.csv_files.dates import DayTracker, day_in_file_name
from finout_s3_telemetry.csv_files.duplicates import (
    UNDECIDED_HASHES,
    DuplicateTracker,
    LineStarts,
    Reopen,
)
from finout_s3_telemetry.csv_files.fields import (
    LineFault,
    SplitLine,
    calendar_day,
    carriage_return_fault,
    date_problem,
    split_line,
)
from finout_s3_telemetry.csv_files.header import HEADER_LINE, Columns, read_header
from finout_s3_telemetry.csv_files.problems import ProblemLog, merge
from finout_s3_telemetry.csv_files.report import FileReport

MAX_LINE = 1 << 20
# One `re` match call covers at most this much: the engine keeps state for every repetition of a
# run, and past a few thousand rows that costs more than the calls it saves.
WINDOW = 256 << 10
_MAX_DAY_BLOCKS = 8
_BOM = b"\xef\xbb\xbf"
_NOT_CSV = {
    b"\xff\xfe": "the file is UTF-16 encoded",
    b"\xfe\xff": "the file is UTF-16 encoded",
    b"\x1f\x8b": "the file is gzip-compressed; upload the plain CSV",
    b"PK\x03\x04": "the file is a ZIP archive (an Excel workbook?); export it as CSV",
}


class Scanner:
    def __init__(
        self,
        name: str,
        telemetry: str | None,
        known_telemetries: Collection[str],
        latest_day: date,
        fast: bool = True,
        duplicate_limit: int = UNDECIDED_HASHES,
    ) -> None:
        self.name = name
        self._telemetry = telemetry
        self._known = known_telemetries
        self._fast = fast
        self._duplicate_limit = duplicate_limit
        self._days = DayTracker(latest_day, day_in_file_name(name))
        self._header_log = ProblemLog()
        self._encoding_log = ProblemLog()
        self._row_log = ProblemLog()
        self._columns: Columns | None = None
        self._candidates: list[Candidate] = []
        self._started = False
        self._bom = False
        self._header_done = False
        self._stopped = False
        self._skipping = False
        self._carry = b""
        self._pattern: re.Pattern[bytes] | None = None
        self._layout: grammar.Layout | None = None
        self._run_day: bytes | None = None
        self.line = 0
        self.rows = 0
        self._well_formed = 0
        self.duplicates: DuplicateTracker | None = None
        self._fed = 0
        self._line_starts = LineStarts()
        """The telemetry column's duplicate check, once the report is made."""

    # Feeding -----------------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        if self._stopped or not chunk:
            return
        data, start = chunk, 0
        if self._carry:
            newline = chunk.find(b"\n")
            if newline < 0 or not self._started:
                data = self._carry + chunk
            else:
                # The line carried over ends in this chunk: take it alone, then the chunk where
                # it is, rather than copying the whole chunk behind the carried bytes.
                self._take(self._carry + chunk[: newline + 1], 0)
                start = newline + 1
            self._carry = b""
        self._take(data, start)
        self._fed += len(chunk)
        if self._started and not self._skipping and not self._stopped:
            # The carried bytes are the start of the next line: where it begins, by number.
            self._line_starts.record(self._fed - len(self._carry), self.line + 1)

    def _take(self, data: bytes, start: int) -> None:
        """data[start:]: complete lines now, the rest carried over."""
        if self._stopped:
            return
        if self._skipping:
            newline = data.find(b"\n", start)
            if newline < 0:
                return
            start = newline + 1
            self._skipping = False
        if not self._started:
            if len(data) - start < 4:
                self._carry = data[start:]
                return
            data, start = self._start(data[start:]), 0
        cut = data.rfind(b"\n", start) + 1
        if cut:
            self._lines(data, start, cut)
        rest = data[max(cut, start) :]
        if len(rest) > MAX_LINE:
            # A final CR may be the first half of a CRLF split between chunks.
            self._too_long(rest.removesuffix(b"\r"))
        else:
            self._carry = rest

    def finish(self, reopen: Reopen | None = None) -> FileReport:
        """The report; `reopen` gives the bytes fed again, for the duplicate check to re-read
        the rows that may repeat others (without it, none is reported)."""
        if not self._stopped:
            data, self._carry = self._carry, b""
            if not self._started and data:
                data = self._start(data)
            if data and not self._skipping and not self._stopped:
                self._lines(data + b"\n", 0, len(data) + 1)
            if not self._header_done and not self._stopped:
                message = (
                    "the file holds only a byte-order mark" if self._bom else "the file is empty"
                )
                self._header_log.add(1, None, "empty-file", message)
        return self._report(reopen)

    def _start(self, data: bytes) -> bytes:
        self._started = True
        if data.startswith(_BOM):
            self._bom = True
            return data[len(_BOM) :]
        for magic, message in _NOT_CSV.items():
            if data.startswith(magic):
                self._encoding_log.add(1, None, "encoding", message)
                self._stopped = True
                return b""
        return data

    def _too_long(self, start: bytes) -> None:
        """The line being read is already longer than MAX_LINE: report it, skip to its end."""
        self._long_line(start)
        self._skipping = True

    def _long_line(self, start: bytes) -> None:
        """A line longer than MAX_LINE, of which `start` (no line ending) is held.

        A carriage return in it decides its fault as it would on a short line: a file with
        CR-only line endings is one long line, and its problem is the line endings, whatever
        its size.
        """
        self.line += 1
        fault = carriage_return_fault(start)
        if not self._header_done:
            self._header_done = True  # no header to read: only count the lines that follow
            if fault is not None:
                message = f"header: {fault.message}"
                self._header_log.add(HEADER_LINE, fault.column, fault.rule, message)
                return
        else:
            self.rows += 1
        if fault is not None:
            self._row_log.add(self.line, fault.column, fault.rule, fault.message)
        else:
            message = f"line {self.line} is longer than {MAX_LINE:,} bytes"
            self._row_log.add(self.line, None, "line-too-long", message)

    def _lines(self, data: bytes, start: int, end: int) -> None:
        """Complete lines data[start:end]."""
        if not self._header_done:
            newline = data.index(b"\n", start) + 1
            if newline - 1 - start > MAX_LINE:
                self._long_line(_body(data[start:newline]))
            else:
                self._header(data[start:newline])
            start = newline
        if start < end:
            self._check_encoding(data, start, end)
            self._rows(data, start, end)

    def _check_encoding(self, data: bytes, start: int, end: int) -> None:
        if data.isascii():  # the common case, without copying the region out
            return
        region = data[start:end]
        try:
            region.decode("utf-8")
            return
        except UnicodeDecodeError:
            pass
        # Line by line, so that a file with a bad byte on every line costs no more than one
        # without (a newline byte is never part of a multi-byte UTF-8 sequence).
        for offset, line in enumerate(region.split(b"\n")):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as problem:
                number = self.line + 1 + offset
                self._encoding_log.add(
                    number,
                    None,
                    "encoding",
                    f"line {number} is not UTF-8 "
                    f"(byte 0x{line[problem.start]:02x} at position "
                    f"{problem.start + 1})",
                )

    # The header --------------------------------------------------------------------------------

    def _header(self, line: bytes) -> None:
        self._header_done = True
        self._check_encoding(line, 0, len(line))
        self.line = 1
        self._columns = read_header(_body(line), self._telemetry, self._known, self._header_log)
        if self._columns is not None:
            self._candidates = make_candidates(self._columns, self._duplicate_limit)

    # Rows --------------------------------------------------------------------------------------

    def _rows(self, data: bytes, pos: int, end: int) -> None:
        if self._columns is None:
            count = data.count(b"\n", pos, end)
            self.line += count
            self.rows += count
            return
        window_start = window_end = pos
        plain_for: grammar.Layout | None = None
        window: bytes | None = None
        window_rows = 0
        while pos < end:
            if pos >= window_end:
                window_start, window_end = pos, _window_end(data, pos, end)
                if window_end - pos - 1 > MAX_LINE:  # one line, too long to check
                    self._long_line(_body(data[pos:window_end]))
                    pos = window_end
                    continue
                # Each window is proven plain (or not) once, for the layout of the moment.
                window, window_rows = self._plain_window(data, pos, window_end)
                plain_for = self._layout if window is not None else None
                if window is not None and self._keyed_window(data, pos, window_end, window_rows):
                    pos = window_end
                    continue
            if self._pattern is not None and self._layout is not None:
                plain = plain_for is not None and plain_for == self._layout
                if plain:
                    pattern = grammar.plain_run(self._layout, *self._pattern_key())
                else:
                    pattern = self._pattern
                run = pattern.match(data, pos, window_end)
                stop = run.end() if run is not None else pos
                if stop > pos:
                    # A run over the whole window reuses the window's copy and row count.
                    whole = plain and pos == window_start and stop == window_end
                    self._run(
                        data,
                        pos,
                        stop,
                        self._layout,
                        window_rows if whole else None,
                        window if whole else None,
                    )
                    pos = stop
                if stop == window_end:
                    continue
            newline = data.index(b"\n", pos) + 1
            self._precise(data[pos:newline])
            pos = newline

    def _keyed_window(self, data: bytes, start: int, end: int, rows: int) -> bool:
        """A plain window (`_plain_window`) of the usual file, its date the first column and
        the telemetry the last and only one checked as a number, all its rows of one day:
        checked and cut into the duplicate check's keys by one pattern (`grammar.keyed_rows`).
        True when every row passed and was taken; False leaves them all to the other patterns.
        """
        layout, columns = self._layout, self._columns
        if layout is None or columns is None or columns.date_index != 0:
            return False
        alive = self._alive()
        if len(alive) != 1 or alive[0].index != len(columns.names) - 1:
            return False
        head = grammar.row_day(0, after_newline=False).match(data, start)
        if head is None:
            return False
        text = head.group(1)
        prefix = grammar.date_prefix(layout, text)
        # Whole matches of KEYED_ROWS rows, then the rest one by one from the newline before it
        # (-1 when the rest starts the buffer).
        before = max(start - 1, 0)
        rest = end - 1
        for _ in range(rows % grammar.KEYED_ROWS):
            rest = data.rfind(b"\n", before, rest)
        found: list[tuple[bytes, ...]] = grammar.keyed_rows(
            layout, prefix, grammar.KEYED_ROWS
        ).findall(data, before, rest + 1)
        last: list[bytes] = []
        if rest != end - 1:
            last = grammar.keyed_rows(layout, prefix, 1).findall(data, max(rest, 0), end)
        # A match starts where a row does, so every row was matched iff there are as many keys.
        if len(found) * grammar.KEYED_ROWS + len(last) != rows:
            return False
        if text not in self._days.known:
            day = calendar_day(text)
            if day is None:
                return False
            self._days.observe(text, day, self.line + 1)
        self._run_day = text
        first_line = self.line + 1
        self.line += rows
        self.rows += rows
        self._well_formed += rows
        alive[0].duplicates.add_keys(chain(chain.from_iterable(found), last), first_line)
        return True

    def _plain_window(self, data: bytes, start: int, end: int) -> tuple[bytes | None, int]:
        """data[start:end] and its row count when every line of it has its special characters
        where the current layout puts them, and nowhere else; else (None, 0)."""
        if self._layout is None or not self._fast:
            return None, 0
        signature = grammar.plain_signature(self._layout)
        if signature is None:
            return None, 0
        window = data[start:end]
        specials = window.translate(None, grammar.NOT_SPECIAL)
        rows, rest = divmod(len(specials), len(signature))
        if rest or specials != signature * rows:
            return None, 0
        return window, rows

    def _run(
        self,
        data: bytes,
        start: int,
        end: int,
        layout: grammar.Layout,
        count: int | None = None,
        window: bytes | None = None,
    ) -> None:
        """Rows the fast path vouched for, all but their dates (`count` of them and `window`,
        data[start:end], when the caller has them)."""
        first_line = self.line + 1
        if count is None:
            count = data.count(b"\n", start, end)
        if not self._admit_days(data, start, end, count, layout):
            self._precise_region(data, start, end)
            return
        self.line += count
        self.rows += count
        self._well_formed += count
        for candidate in self._alive():
            candidate.duplicates.add_run(data, start, end, first_line, layout, window)

    def _precise_region(self, data: bytes, start: int, end: int) -> None:
        while start < end:
            newline = data.index(b"\n", start) + 1
            self._precise(data[start:newline])
            start = newline

    def _admit_days(
        self, data: bytes, start: int, end: int, count: int, layout: grammar.Layout
    ) -> bool:
        """Note the run's new days; False unless every date is a calendar day written YYYY-MM-DD
        (the run is then re-read on the precise path)."""
        assert self._columns is not None
        date_index = self._columns.date_index
        firsts = self._day_blocks(data, start, end, count, layout) if date_index == 0 else None
        if firsts is None:
            head = grammar.row_day(date_index, after_newline=False).match(data, start)
            found = [head.group(1) if head is not None else b""]
            found += grammar.row_day(date_index, after_newline=True).findall(data, start, end)
            if len(found) != count:  # a date not shaped YYYY-MM-DD
                return False
            # Built backwards, the mapping keeps each day's first row.
            firsts = dict(zip(reversed(found), range(len(found) - 1, -1, -1), strict=True))
            self._run_day = found[-1]
        new = {text: offset for text, offset in firsts.items() if text not in self._days.known}
        days = {text: calendar_day(text) for text in new}
        first_line = self.line + 1
        for text, offset in sorted(new.items(), key=lambda item: item[1]):
            day = days[text]
            if day is None:
                return False
            self._days.observe(text, day, first_line + offset)
        return True

    def _day_blocks(
        self, data: bytes, start: int, end: int, count: int, layout: grammar.Layout
    ) -> dict[bytes, int] | None:
        """Each day of a run whose rows come in blocks of one day, with its first row's offset.

        Files sorted by day (the usual case) hold one or two blocks per run, found by counting
        row starts that spell the day, without looking at each row. None when the rows of some
        day are not contiguous: the caller then reads every row's day.
        """
        head = grammar.row_day(0, after_newline=False)
        firsts: dict[bytes, int] = {}
        pos, offset = start, 0
        while pos < end:
            match = head.match(data, pos)
            if match is None or match.group(1) in firsts or len(firsts) >= _MAX_DAY_BLOCKS:
                return None
            day = match.group(1)
            prefix = grammar.date_prefix(layout, day)
            if not data.startswith(prefix, pos):  # the block's first row, exactly
                return None
            starts = b"\n" + prefix
            last = data.rfind(starts, pos, end)
            block_end = data.index(b"\n", last + 1 if last >= 0 else pos) + 1
            rows = data.count(starts, pos, block_end) + 1
            firsts[day] = offset
            pos, offset = block_end, offset + rows
            self._run_day = day
        # Each row start was counted for at most one day; all of them were iff the blocks hold
        # every row of the run, that is, iff no day's rows were interrupted by another's.
        return firsts if offset == count else None

    def _precise(self, line: bytes) -> None:
        """One line, checked value by value; a valid row also chooses the fast path's pattern."""
        assert self._columns is not None
        self.line += 1
        self.rows += 1
        number = self.line
        split = split_line(_body(line))
        if isinstance(split, LineFault):
            self._row_log.add(number, split.column, split.rule, split.message)
            return
        values = split.values
        expected = len(self._columns.names)
        if values == [b""] and not split.quoted[0]:
            self._row_log.add(number, None, "blank-line", f"line {number} is empty")
            return
        if len(values) != expected:
            self._row_log.add(
                number,
                None,
                "field-count",
                f"line {number} has {len(values)} values; the header has {expected} columns",
            )
            return
        date_index = self._columns.date_index
        day_text = values[date_index]
        problem = date_problem(day_text)
        if problem is not None:
            rule, message = problem
            self._row_log.add(number, date_index + 1, rule, f"date: {message}")
        self._well_formed += 1
        for candidate in self._alive():
            candidate.check(number, values[candidate.index])
        day = calendar_day(day_text) if problem is None else None
        if day is None:
            return
        if day_text not in self._days.known:
            self._days.observe(day_text, day, number)
        for candidate in self._alive():
            candidate.duplicates.add_line(line, number)
        self._run_day = day_text
        self._choose_pattern(split, line.endswith(b"\r\n"))

    def _choose_pattern(self, split: SplitLine, crlf: bool) -> None:
        assert self._columns is not None
        if not self._fast:
            return
        kinds = tuple(
            grammar.BARE if not quoted else grammar.ESCAPED if b'"' in value else grammar.QUOTED
            for value, quoted in zip(split.values, split.quoted, strict=True)
        )
        self._layout = grammar.Layout(kinds, crlf)
        self._pattern = grammar.row_run(self._layout, *self._pattern_key())

    def _pattern_key(self) -> tuple[int, tuple[int, ...]]:
        """The date column and the columns that must hold positive numbers."""
        assert self._columns is not None
        return self._columns.date_index, tuple(candidate.index for candidate in self._alive())

    def _alive(self) -> list[Candidate]:
        return [candidate for candidate in self._candidates if candidate.alive]

    # The verdict -------------------------------------------------------------------------------

    def _report(self, reopen: Reopen | None) -> FileReport:
        errors = [self._header_log, self._encoding_log, self._row_log]
        warnings: list[ProblemLog] = []
        chosen: Candidate | None = None
        if self._columns is not None:
            telemetry_log = ProblemLog()
            chosen = choose(self._candidates, self.rows, self._well_formed, telemetry_log)
            errors.append(telemetry_log)
            day_log = ProblemLog()
            self._days.warn(day_log, self.name)
            warnings.append(day_log)
            if chosen is not None:
                errors.append(chosen.problems)
                self.duplicates = chosen.duplicates
                chosen.duplicates.confirm(reopen, MAX_LINE, self._line_starts)
                partial = ProblemLog()
                chosen.duplicates.warn(partial)
                warnings += [chosen.duplicates.log, partial]
            if self.rows == 0:
                empty = ProblemLog()
                empty.add(1, None, "no-rows", "the file has a header and no rows")
                warnings.append(empty)
        all_errors = merge(errors)
        all_warnings = merge(warnings)
        return FileReport(
            path=self.name,
            rows=self.rows,
            telemetry=self._columns.names[chosen.index] if self._columns and chosen else None,
            errors=tuple(all_errors.listed),
            errors_omitted=all_errors.omitted,
            warnings=tuple(all_warnings.listed),
            warnings_omitted=all_warnings.omitted,
            first_day=self._days.first,
            last_day=self._days.last,
            days=tuple(self._days.earliest),
            day_count=self._days.count,
        )


def _window_end(data: bytes, start: int, end: int) -> int:
    """The end of the lines that start in the next WINDOW bytes (at least one line)."""
    if end - start <= WINDOW:
        return end
    return data.rfind(b"\n", start, start + WINDOW) + 1 or data.index(b"\n", start) + 1


def _body(line: bytes) -> bytes:
    """A line without its line ending (LF or CRLF)."""
    if line.endswith(b"\n"):
        line = line[:-1]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line
