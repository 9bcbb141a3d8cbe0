"""The days a file holds: first and last, and the warnings they call for."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePosixPath

from finout_s3_telemetry.csv_files.fields import calendar_day
from finout_s3_telemetry.csv_files.problems import ProblemLog

# A day has begun somewhere on Earth once it has begun at UTC+14 (Kiribati). Only a later day is
# "in the future" whatever time zone the customer counts days in.
EARLIEST_OFFSET = timedelta(hours=14)
_DAY_FILE_NAME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.csv")
# Days are remembered to skip the calendar check; the set is emptied when it grows past this,
# which only costs re-checks.
_KNOWN_LIMIT = 100_000
DAYS_KEPT = 5
"""The earliest distinct days kept by name, to list in a message; the rest are only counted."""
# One bit per day from 0001-01-01 to 9999-12-31 (456 KB): an exact count of distinct days in
# bounded memory, however many days a file holds and however often `known` is emptied.
_DAY_BITS = date.max.toordinal() + 1


def latest_day_now() -> date:
    return (datetime.now(UTC) + EARLIEST_OFFSET).date()


def day_in_file_name(name: str) -> date | None:
    """The day a file is named for (`2022-06-07.csv`, in any folder), or None."""
    match = _DAY_FILE_NAME.fullmatch(PurePosixPath(name.replace("\\", "/")).name)
    return calendar_day(match.group(1).encode()) if match else None


class DayTracker:
    def __init__(self, latest_day: date, file_day: date | None) -> None:
        self.latest_day = latest_day
        self.file_day = file_day
        self.known: set[bytes] = set()
        self.first: date | None = None
        self.last: date | None = None
        self.future: tuple[int, date] | None = None
        self.other_than_file: tuple[int, date] | None = None
        self.count = 0
        """Distinct days seen."""
        self.earliest: list[date] = []
        """The earliest `DAYS_KEPT` of them, in order."""
        self._seen = bytearray()

    def needs_line(self, days: Iterable[date]) -> bool:
        """Whether observing these days for the first time would start a warning."""
        return any(self._is_future(day) or self._is_other(day) for day in days)

    def observe(self, text: bytes, day: date, line: int) -> None:
        """A calendar day seen for the first time (or again after the memory was emptied)."""
        if len(self.known) >= _KNOWN_LIMIT:
            self.known.clear()
        self.known.add(text)
        self.first = day if self.first is None else min(self.first, day)
        self.last = day if self.last is None else max(self.last, day)
        self._count(day)
        if self._is_future(day):
            self.future = (line, day)
        if self._is_other(day):
            self.other_than_file = (line, day)

    def _count(self, day: date) -> None:
        if not self._seen:
            self._seen = bytearray((_DAY_BITS + 7) // 8)
        byte, bit = divmod(day.toordinal(), 8)
        if self._seen[byte] >> bit & 1:
            return
        self._seen[byte] |= 1 << bit
        self.count += 1
        if len(self.earliest) < DAYS_KEPT or day < self.earliest[-1]:
            bisect.insort(self.earliest, day)
            del self.earliest[DAYS_KEPT:]

    def _is_future(self, day: date) -> bool:
        return self.future is None and day > self.latest_day

    def _is_other(self, day: date) -> bool:
        return self.other_than_file is None and self.file_day is not None and day != self.file_day

    def warn(self, log: ProblemLog, file_name: str) -> None:
        if self.future is not None:
            line, day = self.future
            log.add(
                line,
                None,
                "future-date",
                f"{day} has not begun anywhere yet (first at line "
                f"{line}; the last day in the file is {self.last})",
            )
        if self.other_than_file is not None:
            line, day = self.other_than_file
            name = PurePosixPath(file_name.replace("\\", "/")).name
            log.add(
                line,
                None,
                "file-date",
                f"the file is named {name} but line {line} holds "
                f"{day} (the file holds {self.first} to {self.last})",
            )
