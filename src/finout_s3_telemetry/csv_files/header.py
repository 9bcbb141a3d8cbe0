"""The header row: which column holds the date, and which may hold the telemetry."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from finout_s3_telemetry.csv_files.fields import LineFault, date_problem, split_line
from finout_s3_telemetry.csv_files.problems import ProblemLog
from finout_s3_telemetry.terminal_text import quoted

DATE_HEADER = "date"
MAX_METADATA_COLUMNS = 10
HEADER_LINE = 1


@dataclass(frozen=True)
class Columns:
    names: tuple[str, ...]
    date_index: int
    candidates: tuple[int, ...]
    """Columns that may be the telemetry: one when it is known from the header alone."""

    @property
    def known_telemetry(self) -> int | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    def label(self, index: int) -> str:
        return f"column {index + 1} ({quoted(self.names[index])})"


def read_header(
    body: bytes, telemetry: str | None, known_telemetries: Collection[str], log: ProblemLog
) -> Columns | None:
    """The columns, or None when the rows cannot be checked (every reason is logged)."""
    split = split_line(body)
    if isinstance(split, LineFault):
        log.add(HEADER_LINE, split.column, split.rule, f"header: {split.message}")
        return None
    names = tuple(value.decode("utf-8", "replace") for value in split.values)
    if names == ("",):
        log.add(HEADER_LINE, None, "header-empty", "the first line is empty; it must be the header")
        return None
    _check_names(names, log)
    date_index = _date_index(names, split.values, log)
    if date_index is None:
        return None
    if len(names) < 2:
        log.add(
            HEADER_LINE,
            None,
            "column-count",
            "the header has only the date column; add the telemetry column",
        )
        return None
    metadata = len(names) - 2
    if metadata > MAX_METADATA_COLUMNS:
        log.add(
            HEADER_LINE,
            None,
            "column-count",
            f"the header has {metadata} metadata columns; "
            f"Finout takes at most {MAX_METADATA_COLUMNS}",
        )
    candidates = _telemetry_candidates(names, date_index, telemetry, known_telemetries, log)
    if candidates is None:
        return None
    return Columns(names, date_index, candidates)


def _check_names(names: tuple[str, ...], log: ProblemLog) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        column = index + 1
        if name == "":
            log.add(HEADER_LINE, column, "header-empty", f"column {column} has no header")
        elif any(ch.isspace() for ch in name):
            log.add(
                HEADER_LINE, column, "header-space", f"the header {quoted(name)} contains a space"
            )
        if name in seen and name != "":
            log.add(
                HEADER_LINE, column, "header-duplicate", f"the header {quoted(name)} is used twice"
            )
        seen.add(name)


def _date_index(names: tuple[str, ...], values: list[bytes], log: ProblemLog) -> int | None:
    found = [index for index, name in enumerate(names) if name == DATE_HEADER]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        log.add(HEADER_LINE, found[1] + 1, "date-column", f"{len(found)} columns are named date")
        return None
    message = "no column is named date"
    near = [name for name in names if name.strip().lower() == DATE_HEADER]
    if near:
        message += f" (found {quoted(near[0])}; the header is lowercase `date`)"
    elif any(date_problem(value) is None for value in values):
        message += " (the first line looks like data: is the header row missing?)"
    log.add(HEADER_LINE, None, "date-column", message)
    return None


def _telemetry_candidates(
    names: tuple[str, ...],
    date_index: int,
    telemetry: str | None,
    known_telemetries: Collection[str],
    log: ProblemLog,
) -> tuple[int, ...] | None:
    others = [index for index in range(len(names)) if index != date_index]
    if telemetry is not None:
        named = [index for index in others if names[index] == telemetry]
        if not named:
            listed = ", ".join(quoted(names[index]) for index in others)
            log.add(
                HEADER_LINE,
                None,
                "telemetry-column",
                f"no column is named {quoted(telemetry)} (the telemetry given); the header has "
                f"{listed}",
            )
            return None
        return (named[0],)
    known = [index for index in others if names[index] in known_telemetries]
    if len(known) == 1:
        return (known[0],)
    return tuple(others)
