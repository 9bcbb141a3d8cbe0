"""Sentences that both renderers can word: plain text with some parts marked as code.

The summary decides what to say once; markdown shows `Code` parts as code spans and escapes the
rest, the text renderer prints both as they are.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def joined(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(values) if values else "(none)"
