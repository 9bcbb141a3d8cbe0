"""Fit a document of blocks under a character limit, saying what was left out.

GitHub refuses a pull request comment over 65,536 characters, and a refused comment is worse than
a shortened one. Blocks are dropped from the least important (highest `priority`), last first,
until the rest and a note listing what went fit; a dropped block leaves its `fallback` behind.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GITHUB_COMMENT_LIMIT = 65_536
_NAMES_SHOWN = 8


@dataclass(frozen=True, kw_only=True)
class Block:
    text: str
    priority: int = 0
    """0 is dropped only when nothing else is left to drop; higher numbers go first."""
    category: str = ""
    """What the note calls this kind of block when it is left out, e.g. `policy diffs`."""
    stack: str = ""
    fallback: str = ""
    """Shown instead of the block when it is dropped."""
    fallback_priority: int = 0
    """When the fallback itself goes (it may stand for a stack whose section went)."""
    keep: bool = False
    """Never dropped (the title and the hidden marker)."""


@dataclass
class _Left:
    """What was left out of one category: how many blocks, and the first stacks they belong to.

    Blocks of a category are dropped last first, so each new stack comes before all earlier ones
    in the document: the most recent few, reversed, are the first few in document order.
    """

    count: int = 0
    seen: set[str] = field(default_factory=set)
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=_NAMES_SHOWN))

    def add(self, stack: str) -> None:
        self.count += 1
        if stack and stack not in self.seen:
            self.seen.add(stack)
            self.recent.append(stack)

    def names(self) -> list[str]:
        more = len(self.seen) - len(self.recent)
        return [*reversed(self.recent), *([f"{more} more"] if more else [])]


NoteWriter = Callable[[list[tuple[str, int, list[str]]]], str]


def _note(left: dict[str, _Left], write: NoteWriter) -> str:
    if not left:
        return ""
    return write([(category, entry.count, entry.names()) for category, entry in left.items()])


def fit(
    blocks: Sequence[Block],
    limit: int,
    write_note: NoteWriter,
    *,
    note_after: int = 1,
    cut_marker: str = "\n\n(cut at the length limit)\n",
) -> str:
    """Join `blocks` (each carries its own line breaks) into at most `limit` characters.

    The note from `write_note` goes after the first `note_after` blocks.
    """
    shown: dict[int, str] = {i: block.text for i, block in enumerate(blocks)}
    left: dict[str, _Left] = {}
    size = sum(len(text) for text in shown.values())
    # (priority, index, stage): stage 1 swaps a block for its fallback, stage 2 drops that too.
    steps = [(b.priority, i, 1) for i, b in enumerate(blocks) if not b.keep]
    steps += [
        (b.fallback_priority, i, 2) for i, b in enumerate(blocks) if b.fallback and not b.keep
    ]
    steps.sort(key=lambda step: (-step[0], -step[1], step[2]))
    position = 0
    while size + len(_note(left, write_note)) > limit and position < len(steps):
        _, index, stage = steps[position]
        position += 1
        block = blocks[index]
        replacement = block.fallback if stage == 1 else ""
        size -= len(shown[index]) - len(replacement)
        shown[index] = replacement
        if stage == 1:
            left.setdefault(block.category or "other parts", _Left()).add(block.stack)
    note = _note(left, write_note)
    parts: list[str] = []
    for i in range(len(blocks)):
        if i == note_after:
            parts.append(note)
        parts.append(shown[i])
    if note_after >= len(blocks):
        parts.append(note)
    text = "".join(parts)
    if len(text) <= limit:
        return text
    # Only the blocks marked `keep` are left and still too long: cut at a line break.
    room = max(0, limit - len(cut_marker))
    cut = text.rfind("\n", 0, room)
    return text[: cut if cut > 0 else room] + cut_marker
