"""Bounded retries with exponential backoff, for IAM's eventual consistency.

Right after `cdktf deploy`, IAM may still answer NoSuchEntity for a role or policy it just created.
The checker retries those reads a few times before calling the resource missing. Tests pass
`RetryPolicy(retries=0)` or a recording `sleep` so they never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from finout_s3_telemetry.whole_numbers import from_environment, parse_bounded

RETRIES_ENV = "FINOUT_TELEMETRY_CHECK_RETRIES"
DEFAULT_RETRIES = 3
MAX_RETRIES = 10
"""IAM catches up within seconds; 10 retries wait over half a minute per missing resource, and
botocore gets the same budget per call, so more only makes a broken run hang for hours."""


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = DEFAULT_RETRIES
    """Extra attempts after the first; also botocore's retry budget for network errors."""
    base_delay: float = 0.5
    max_delay: float = 4.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def delays(self) -> Iterator[float]:
        """The waits between attempts: 0.5, 1, 2, ... seconds, capped at `max_delay`."""
        for attempt in range(self.retries):
            yield min(self.max_delay, self.base_delay * 2**attempt)


def retries_problem(retries: int) -> str:
    """Why `retries` cannot be a retry count (`must ...`), or an empty string when it can."""
    if retries < 0:
        return "must not be negative"
    if retries > MAX_RETRIES:
        return f"must be at most {MAX_RETRIES}"
    return ""


def parse_retries(value: str, name: str) -> int:
    """`value` of the flag or variable `name` as a retry count; ValueError with one sentence
    naming `name`, the bounds and the fix otherwise."""
    return parse_bounded(
        value,
        name,
        problem=retries_problem,
        not_whole=f"must be a whole number from 0 to {MAX_RETRIES}",
        fix=f"pass a number from 0 to {MAX_RETRIES} (default {DEFAULT_RETRIES})",
    )


def retries_from_environment(default: int = DEFAULT_RETRIES) -> int:
    return from_environment(RETRIES_ENV, default, parse_retries)
