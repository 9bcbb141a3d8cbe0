"""Rows that repeat a (date, metadata) combination, found in bounded memory.

Each row's key is the row without the telemetry value, compared as written (a value quoted in one
row and bare in another counts as different). Only a hash of each key is kept, with the line it
first appeared on; past `limit` keys the check stops and says so, so memory never grows with the
file.
"""

from __future__ import annotations

from finout_s3_telemetry.csv_files.grammar import Layout, key_of, row_key
from finout_s3_telemetry.csv_files.problems import ProblemLog

DUPLICATE_CHECK_ROWS = 200_000
"""Rows (all candidate columns together) whose keys are held: about 100 bytes each, and each row
checked costs about a microsecond, more than the rest of its validation."""


class Budget:
    """Keys the trackers of one file may hold between them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.remaining = limit


class DuplicateTracker:
    def __init__(self, columns: int, telemetry_index: int, budget: Budget) -> None:
        self._columns = columns
        self._left_out = telemetry_index
        self._budget = budget
        self._first_line: dict[int, int] = {}
        self.log = ProblemLog()
        self.stopped_after: int | None = None
        """The last line checked, once the check has stopped."""

    def add_run(self, buffer: bytes, start: int, end: int, first_line: int, layout: Layout) -> None:
        """Rows buffer[start:end], all written as `layout`, the first on `first_line`."""
        if self.stopped_after is not None:
            return
        keys = row_key(self._columns, self._left_out, layout).findall(buffer, start, end)
        hashes = list(map(hash, keys))
        lines = range(first_line, first_line + len(hashes))
        # Built backwards, the run's own mapping keeps each key's earliest line.
        run = dict(zip(reversed(hashes), reversed(lines), strict=True))
        held = len(self._first_line)
        if len(run) == len(hashes) and self._first_line.keys().isdisjoint(run):
            self._first_line.update(run)
        else:
            for key_hash, line in zip(hashes, lines, strict=True):
                self._add(key_hash, line)
        self._budget.remaining -= len(self._first_line) - held
        self._stop_if_full(lines[-1] if lines else first_line)

    def add_line(self, line_bytes: bytes, line: int) -> None:
        """One well-formed row, with its line ending."""
        if self.stopped_after is not None:
            return
        match = row_key(self._columns, self._left_out).fullmatch(line_bytes)
        if match is not None:
            held = len(self._first_line)
            self._add(hash(key_of(match)), line)
            self._budget.remaining -= len(self._first_line) - held
            self._stop_if_full(line)

    def _add(self, key_hash: int, line: int) -> None:
        earlier = self._first_line.setdefault(key_hash, line)
        if earlier != line:
            self.log.add(
                line,
                None,
                "duplicate-row",
                f"line {line} repeats the date and metadata of line {earlier}",
            )

    def _stop_if_full(self, line: int) -> None:
        if self._budget.remaining <= 0:
            self.stopped_after = line
            self.release()

    def release(self) -> None:
        """Forget every key (this column turned out not to be the telemetry)."""
        self._budget.remaining += len(self._first_line)
        self._first_line = {}

    def warn(self, log: ProblemLog) -> None:
        if self.stopped_after is not None:
            line = self.stopped_after
            log.add(
                line + 1,
                None,
                "duplicate-check-partial",
                f"rows after line {line} were "
                f"not checked for duplicates (the check holds {self._budget.limit:,} rows)",
            )
