"""Bounded retries with exponential backoff, for IAM's eventual consistency.

Right after `cdktf deploy`, IAM may still answer NoSuchEntity for a role or policy it just created.
The checker retries those reads a few times before calling the resource missing. Tests pass
`RetryPolicy(retries=0)` or a recording `sleep` so they never wait.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

RETRIES_ENV = "FINOUT_TELEMETRY_CHECK_RETRIES"
DEFAULT_RETRIES = 3


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


def retries_from_environment(default: int = DEFAULT_RETRIES) -> int:
    value = os.environ.get(RETRIES_ENV, "")
    if not value:
        return default
    try:
        retries = int(value)
    except ValueError:
        raise ValueError(f"${RETRIES_ENV} must be a whole number, not {value!r}") from None
    if retries < 0:
        raise ValueError(f"${RETRIES_ENV} must not be negative")
    return retries
