"""Constructs protect themselves: every prop is checked when the construct is made, with the same
rules and messages as the config file (`naming.py` is the one source), and every problem is
reported at once (aws-cdk's L2 constructs do the same).

A construct used in someone else's cdktf app has no config file in front of it: without this, a
bad role name or a newline in an external ID would reach AWS at deploy time, or never be noticed.
"""

from __future__ import annotations

from collections.abc import Iterable

from finout_s3_telemetry.terminal_text import printable


class InvalidPropsError(ValueError):
    """A construct's props break AWS's or Finout's rules; `problems` lists each as (prop, why)."""

    def __init__(self, construct: str, problems: list[tuple[str, str]]) -> None:
        self.construct = construct
        self.problems = problems
        count = len(problems)
        lines = [f"{construct}: {count} invalid prop{'s' if count != 1 else ''}"]
        lines += [f"  - props.{name}: {printable(message)}" for name, message in problems]
        super().__init__("\n".join(lines))


def check_props(construct: str, checks: Iterable[tuple[str, str | None]]) -> None:
    """Raise InvalidPropsError listing every (prop, problem) whose problem is not None."""
    problems = [(name, problem) for name, problem in checks if problem is not None]
    if problems:
        raise InvalidPropsError(construct, problems)


def is_token(value: str) -> bool:
    """A Terraform expression (`${aws_s3_bucket.x.id}`) rather than a literal: known at apply."""
    return "${" in value


def range_problem(value: int, low: int, high: int, unit: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"{value!r} is out of range; use {low:,} to {high:,} {unit}"
    return None
