"""Columns that may be the telemetry, and how their values fared.

With the telemetry named (or evident from the header), there is one candidate and each bad value
is an error. Otherwise every non-date column starts as a candidate, a column drops out at its
first value that is no number at all, and the telemetry is the one column left at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from finout_s3_telemetry.csv_files.duplicates import Budget, DuplicateTracker
from finout_s3_telemetry.csv_files.fields import number_problem, show
from finout_s3_telemetry.csv_files.header import HEADER_LINE, Columns
from finout_s3_telemetry.csv_files.problems import ProblemLog
from finout_s3_telemetry.terminal_text import printable, shorten


@dataclass
class Candidate:
    index: int
    name: str
    decided: bool
    """True when this column is the telemetry whatever its values hold."""
    duplicates: DuplicateTracker
    problems: ProblemLog = field(default_factory=ProblemLog)
    alive: bool = True
    non_number: tuple[int, bytes] | None = None

    def check(self, line: int, value: bytes) -> None:
        problem = number_problem(value)
        if problem is None:
            return
        rule, message = problem
        if rule == "number" and not self.decided:
            self.alive = False
            self.non_number = (line, value)
            self.duplicates.release()
            return
        self.problems.add(line, self.index + 1, rule, f"{self.shown_name}: {message}")

    @cached_property
    def shown_name(self) -> str:
        """The header, for a message: it comes from the file, so it may hold anything."""
        return printable(shorten(self.name))


def make_candidates(columns: Columns, duplicate_limit: int) -> list[Candidate]:
    decided = len(columns.candidates) == 1
    budget = Budget(duplicate_limit, live=len(columns.candidates))
    return [
        Candidate(
            index,
            columns.names[index],
            decided,
            DuplicateTracker(len(columns.names), index, budget),
        )
        for index in columns.candidates
    ]


def choose(
    candidates: list[Candidate], rows: int, well_formed: int, log: ProblemLog
) -> Candidate | None:
    """The telemetry column, or None after logging why it cannot be told.

    Only well-formed rows count; when there are rows but none is well formed, their own errors
    say what to fix and no telemetry error is added.
    """
    if len(candidates) == 1:
        return candidates[0]
    alive = [candidate for candidate in candidates if candidate.alive]
    if len(alive) == 1 and well_formed > 0:
        return alive[0]
    if rows > 0 and well_formed == 0:
        return None
    if rows == 0:
        message = "with no rows, the telemetry column cannot be told from the metadata"
    elif alive:
        names = ", ".join(candidate.shown_name for candidate in alive)
        message = f"columns {names} all hold a number on every row: which is the telemetry?"
    else:
        firsts = [
            f"{candidate.shown_name} has {show(value)} at line {line}"
            for candidate in candidates
            if candidate.non_number is not None
            for line, value in [candidate.non_number]
        ]
        message = "no column holds a number on every row; " + "; ".join(firsts)
    log.add(HEADER_LINE, None, "telemetry-column", message)
    return None
