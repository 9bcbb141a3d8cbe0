"""A bounded whole number from a flag or an environment variable, refused in one sentence.

The checker's `--retries` and `--max-age-days` (and their variables) share this: a value that is
no number (or one of thousands of digits, which `int()` refuses too) and a value out of bounds
each give one line naming where it came from, the value shortened, and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from finout_s3_telemetry.terminal_text import quoted


def parse_bounded(
    value: str, name: str, *, problem: Callable[[int], str], not_whole: str, fix: str
) -> int:
    """`value` of the flag or variable `name` as a whole number that `problem` accepts (returns
    an empty string for); otherwise ValueError: `<name> <why>; <fix>`."""
    try:
        number: int | None = int(value)
    except ValueError:
        number = None
    if number is None:
        reason = f"{not_whole}, not {quoted(value)}"
    elif reason := problem(number):
        reason += f" (got {quoted(value, 20)})"
    else:
        return number
    raise ValueError(f"{name} {reason}; {fix}")


def from_environment(variable: str, default: int, parse: Callable[[str, str], int]) -> int:
    """$`variable` parsed with `parse`, or `default` when it is unset or empty."""
    value = os.environ.get(variable, "")
    return parse(value, f"${variable}") if value else default
