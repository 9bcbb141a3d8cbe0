"""How old the newest file in a telemetry folder may be before the checker warns (FINOUT-CSV-002).

Finout reads one file per day, so a folder whose newest file is days old has stopped feeding it.
The default allows a day's file to land late without a warning.
"""

from __future__ import annotations

import os

MAX_AGE_ENV = "FINOUT_TELEMETRY_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 2


def max_age_problem(days: int) -> str:
    """Why `days` cannot be a maximum age, or an empty string when it can."""
    # Zero would warn about a file uploaded a second ago, which is never what is meant.
    return "" if days >= 1 else "must be at least 1"


def max_age_from_environment(default: int = DEFAULT_MAX_AGE_DAYS) -> int:
    value = os.environ.get(MAX_AGE_ENV, "")
    if not value:
        return default
    try:
        days = int(value)
    except ValueError:
        raise ValueError(f"${MAX_AGE_ENV} must be a whole number of days, not {value!r}") from None
    if problem := max_age_problem(days):
        raise ValueError(f"${MAX_AGE_ENV} {problem}")
    return days
