"""The `Phrase` type: a sentence as a list of parts, some marked as code.

Not the sentences themselves (those are in `wording.py` and the summary's modules): how a sentence
is held so that each renderer shows it its own way. Markdown shows `Code` parts as code spans and
escapes the rest; the text renderer prints both as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from finout_s3_telemetry.terminal_text import shorten

VALUE_LIMIT = 300
"""Characters of one value from a plan (an address, a key, an external ID) shown before it is
shortened: far above any real one, far below the megabytes a plan can hold in one string."""
VALUES_SHOWN = 20
"""Values listed in one sentence before the rest are counted."""


@dataclass(frozen=True)
class Code:
    """An identifier, key or address: shown as `code` in markdown."""

    text: str


Part = str | Code
Phrase = tuple[Part, ...]


def phrase(*parts: Part) -> Phrase:
    return tuple(parts)


def plain(words: Phrase) -> str:
    return "".join(part.text if isinstance(part, Code) else part for part in words)


def value(text: str) -> str:
    """A value from the plan as a sentence shows it: shortened when it is absurdly long. (The
    renderers escape what it holds.)"""
    return shorten(text, VALUE_LIMIT)


def joined(values: list[str] | tuple[str, ...]) -> str:
    if not values:
        return "(none)"
    shown = [value(text) for text in values[:VALUES_SHOWN]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")
