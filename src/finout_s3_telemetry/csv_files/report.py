"""The verdict on one file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from finout_s3_telemetry.csv_files.problems import Problem


@dataclass(frozen=True)
class FileReport:
    path: str
    rows: int
    """Data rows (lines after the header), valid or not."""
    telemetry: str | None
    """The telemetry column's header, when it could be told."""
    errors: tuple[Problem, ...]
    """The first errors by line; `errors_omitted` more were found."""
    errors_omitted: int
    warnings: tuple[Problem, ...]
    warnings_omitted: int
    first_day: date | None
    last_day: date | None
    days: tuple[date, ...] = ()
    """The earliest distinct days the valid rows hold, in order (at most `dates.DAYS_KEPT`)."""
    day_count: int = 0
    """How many distinct days the valid rows hold."""

    @property
    def ok(self) -> bool:
        return not self.errors and self.errors_omitted == 0

    @property
    def single_day(self) -> date | None:
        """The one day every valid row holds, or None (several days, or none)."""
        return self.first_day if self.first_day == self.last_day else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "rows": self.rows,
            "telemetry": self.telemetry,
            "first_date": self.first_day.isoformat() if self.first_day else None,
            "last_date": self.last_day.isoformat() if self.last_day else None,
            "errors": [problem.to_dict() for problem in self.errors],
            "errors_omitted": self.errors_omitted,
            "warnings": [problem.to_dict() for problem in self.warnings],
            "warnings_omitted": self.warnings_omitted,
        }
