"""How old the newest file in a telemetry folder may be before the checker warns (FINOUT-CSV-002).

Finout reads one file per day, so a folder whose newest file is days old has stopped feeding it.
The default allows a day's file to land late without a warning.
"""

from __future__ import annotations

from finout_s3_telemetry.whole_numbers import from_environment, parse_bounded

MAX_AGE_ENV = "FINOUT_TELEMETRY_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 2
MAX_MAX_AGE_DAYS = 366
"""A folder whose newest file is over a year old has stopped feeding Finout whatever the limit;
the bound also keeps the date arithmetic far from its overflow (about 2.7 million years)."""


def max_age_problem(days: int) -> str:
    """Why `days` cannot be a maximum age, or an empty string when it can."""
    # Zero would warn about a file uploaded a second ago, which is never what is meant.
    if days < 1:
        return "must be at least 1"
    if days > MAX_MAX_AGE_DAYS:
        return f"must be at most {MAX_MAX_AGE_DAYS}"
    return ""


def parse_max_age(value: str, name: str) -> int:
    """`value` of the flag or variable `name` as a number of days; ValueError with one sentence
    naming `name`, the bounds and the fix otherwise."""
    return parse_bounded(
        value,
        name,
        problem=max_age_problem,
        not_whole="must be a whole number of days",
        fix=f"pass a number of days from 1 to {MAX_MAX_AGE_DAYS} (default {DEFAULT_MAX_AGE_DAYS})",
    )


def max_age_from_environment(default: int = DEFAULT_MAX_AGE_DAYS) -> int:
    return from_environment(MAX_AGE_ENV, default, parse_max_age)
