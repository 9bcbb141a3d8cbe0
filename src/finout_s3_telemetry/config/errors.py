"""Config problems: each names its field path and says how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

from finout_s3_telemetry.terminal_text import printable


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    """Where the problem is, e.g. `endpoints[1].bucket`."""
    message: str
    """What is wrong and how to fix it."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """Every problem found in a config file, reported together."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{printable(self.source)}: {count} {noun}; nothing was synthesized or changed."]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)
