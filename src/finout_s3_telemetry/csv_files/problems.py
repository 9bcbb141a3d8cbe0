"""What the validator reports: one `Problem` per finding, each with a rule id and a fix hint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_LISTED = 100
"""Problems listed per file and kind (errors, warnings); the rest are only counted."""

HINTS: dict[str, str] = {
    # Errors: the file would be refused or misread.
    "encoding": "save the file as UTF-8 (with or without a byte-order mark)",
    "empty-file": "start with a header row such as date,teamname,bytes, then one row per date",
    "line-too-long": "end every row with a newline; a row is one line of at most 1 MiB",
    "quote": 'quote a whole value ("Servers"), double a quote inside it ("a ""b"""), and keep '
    "each value on one line",
    "line-ending": "save the file with LF or CRLF line endings",
    "blank-line": "delete the empty line",
    "field-count": "give every row as many values as the header has columns; quote a value "
    "that contains a comma",
    "header-empty": "name every column",
    "header-space": "write the header without spaces, e.g. team_name (Finout refuses spaces)",
    "header-duplicate": "give every column its own header",
    "date-column": "name exactly one column `date` (lowercase) and put the day in it",
    "column-count": "use one date column, 0 to 10 metadata columns and one telemetry column",
    "telemetry-column": "pass --telemetry NAME with the header of the telemetry column",
    "date-format": "write dates as YYYY-MM-DD, e.g. 2022-06-07",
    "date-calendar": "use a real calendar day",
    "number": "write a plain number such as 1234.5: no thousands separators, units, spaces, "
    "NaN or inf",
    "positive": "leave out rows whose total is zero or negative; Finout takes positive totals",
    # Warnings: accepted, but probably not what was meant.
    "duplicate-row": "add these rows up into one: Finout expects one total per date and "
    "metadata combination",
    "future-date": "check the date column: each row is the total of a day that has happened",
    "file-date": "name each file for the day it holds (one file per day), or pass the day "
    "explicitly when uploading",
    "duplicate-check-partial": "name the telemetry column (--telemetry) to have every row "
    "checked for duplicates; standard input and S3 objects are copied to the temporary folder "
    "to be re-read, which needs room for them",
    "no-rows": "a file with only a header adds nothing; skip it or add the day's rows",
}

WARNING_RULES = frozenset(
    {"duplicate-row", "future-date", "file-date", "duplicate-check-partial", "no-rows"}
)


@dataclass(frozen=True)
class Problem:
    """One finding. `line` is 1-based (the header is line 1); `column` is 1-based or None."""

    line: int
    column: int | None
    rule: str
    message: str

    @property
    def hint(self) -> str:
        return HINTS[self.rule]

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class ProblemLog:
    """The first `limit` problems in the order they were added, and a count of the rest."""

    limit: int = MAX_LISTED
    listed: list[Problem] = field(default_factory=list)
    omitted: int = 0

    def add(self, line: int, column: int | None, rule: str, message: str) -> None:
        if rule not in HINTS:
            raise ValueError(f"unknown rule {rule!r}")
        if len(self.listed) < self.limit:
            self.listed.append(Problem(line, column, rule, message))
        else:
            self.omitted += 1

    @property
    def total(self) -> int:
        return len(self.listed) + self.omitted


def merge(logs: list[ProblemLog], limit: int = MAX_LISTED) -> ProblemLog:
    """One log in line order from several, each of which holds its own first problems by line.

    Every source keeps its earliest `limit` problems, so the earliest `limit` of the union are
    among them: the merged list is exact, and the count of the rest is too.
    """
    everything = sorted((p for log in logs for p in log.listed), key=_position)
    merged = ProblemLog(limit, everything[:limit])
    merged.omitted = len(everything) - len(merged.listed) + sum(log.omitted for log in logs)
    return merged


def _position(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column or 0
