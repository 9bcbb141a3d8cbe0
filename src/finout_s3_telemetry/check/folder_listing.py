"""Which ListObjectsV2 request lists an endpoint's telemetry folders next, so that the calls
follow the folders and the files in them, never the other objects of the bucket.

S3 lists keys in UTF-8 binary order, and every key in a folder starts with its key
(`<prefix>/<telemetry>/`), so each folder is one unbroken run of keys. The first request starts
just before the first folder; a page that ends inside a folder goes on from its last key; a page
that ends among other objects jumps to just before the next folder not yet read; the listing
stops once past the last folder. A bucket that holds only its folders (and their files) is
listed as before: one call per 1,000 keys.

Calls: one per 1,000 keys in the folders, plus at most one per folder (the jump to it), however
many other objects the bucket holds; never more than listing everything, since every page but
the last holds 1,000 keys not listed before. The one exception costs a folder one call more: a
page ending among the keys that sort between a jump's landing and the folder (BEFORE_FOLDER),
which only a key beginning with the folder's name, `.` and U+10FFFD can do.

The folders' own keys are all this hands on: the checks judge the telemetry folders and what
they hold (markers, files at any depth), nothing else under the prefix.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

BEFORE_FOLDER = ".\U0010fffd"
"""Put after a folder's name in place of its `/` to start a listing just before the folder.
`.` is the character before `/`, so the result sorts before every key in the folder; the highest
code point that is not a noncharacter (U+10FFFD, private use) then puts it after the other keys
that share the name (`bytes!`, `bytes-old/...`, `bytes.csv`), so a jump lands on the folder's
first key rather than on a run of unrelated objects. Only keys that begin `bytes.` U+10FFFD
sort between; should a page end among them, the folder is listed with its own prefix
(`Request.folder`)."""


@dataclass(frozen=True)
class Request:
    """One ListObjectsV2 request: `prefix` and `start_after` (empty: from the start)."""

    prefix: str
    start_after: str = ""
    folder: str = ""
    """Set when the request lists this one folder (its prefix), not the endpoint's prefix."""

    def arguments(self) -> dict[str, str]:
        found = {"Prefix": self.prefix}
        if self.start_after:
            found["StartAfter"] = self.start_after
        return found


def start_before(folder_key: str) -> str:
    """A key that sorts before every key in `folder_key` and after the others that share its
    name (see BEFORE_FOLDER)."""
    return folder_key[:-1] + BEFORE_FOLDER


class FolderWalk:
    """The requests that list the folders `folder_keys` (each ending in `/`, none holding
    another) under the endpoint's prefix `prefix`."""

    def __init__(self, prefix: str, folder_keys: Iterable[str]) -> None:
        self.prefix = prefix
        # Python orders strings by code point, which is the UTF-8 binary order S3 lists in.
        self.folders = tuple(sorted(set(folder_keys)))
        if not self.folders or any(not key.endswith("/") for key in self.folders):
            raise ValueError("a folder walk needs folder keys ending in '/'")

    def first(self) -> Request:
        return Request(self.prefix, start_before(self.folders[0]))

    def holds(self, key: str) -> bool:
        """Whether `key` is in one of the folders (its marker or anything below it)."""
        index = bisect_right(self.folders, key)
        return index > 0 and key.startswith(self.folders[index - 1])

    def _pending(self, key: str) -> str | None:
        """The first folder not wholly listed once the listing reached `key`: the folder
        holding `key`, else the first that sorts after it."""
        index = bisect_left(self.folders, key)
        if index > 0 and key.startswith(self.folders[index - 1]):
            return self.folders[index - 1]
        return self.folders[index] if index < len(self.folders) else None

    def after(self, request: Request, truncated: bool, last_key: str | None) -> Request | None:
        """The request after a page of `request`: None when every folder has been listed.

        Raises ValueError for a page that cannot come from S3 (truncated but empty, or ending
        before where it was asked to start), which would otherwise repeat forever."""
        if not truncated:
            if not request.folder:
                return None  # everything after `start_after` under the prefix was listed
            # That folder was listed whole: go on from just before the next one.
            following = self.folders.index(request.folder) + 1
            if following == len(self.folders):
                return None
            return Request(self.prefix, start_before(self.folders[following]))
        if last_key is None or not last_key.startswith(request.prefix):
            raise ValueError("ListObjectsV2 said there is more but gave no key under the prefix")
        if last_key <= request.start_after:
            raise ValueError(
                "ListObjectsV2 answered with keys before the one it was asked to start after"
            )
        folder = self._pending(last_key)
        if folder is None:
            return None  # past the last folder
        if last_key.startswith(folder):
            return Request(request.prefix, last_key, request.folder)  # the folder's next page
        jump = start_before(folder)
        if last_key < jump:
            return Request(self.prefix, jump)
        # The page ended among the keys that sort between `jump` and the folder: list the folder
        # by its own prefix rather than page through them.
        return Request(folder, folder=folder)
