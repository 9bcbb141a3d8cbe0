"""Text that is safe to show a person: escaped where a terminal would obey it, shortened.

Values from a config file, a CSV file, an S3 listing or an AWS error can hold anything: escape
sequences that clear the screen or forge a line of output, bidirectional controls that reorder
what is shown, or 50 MB in one string. Every human-readable output passes such values through
`printable` (inside running text) or `quoted` (a value named in a message). JSON output stays
exact: `json.dumps` escapes control characters itself, and consumers need the real value.
"""

from __future__ import annotations

import unicodedata

SHOWN_LIMIT = 80
"""Characters of one value shown in a message before it is shortened."""

# Unicode categories a terminal does not show as a glyph: controls (Cc), format characters such
# as bidirectional overrides and zero-width joiners (Cf), line and paragraph separators (Zl, Zp),
# surrogates (Cs), private use (Co) and unassigned code points (Cn).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# The categories a config value may never hold, whatever its field's rule.
FORBIDDEN_IN_CONFIG = frozenset({"Cc", "Cf", "Zl", "Zp"})


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in INVISIBLE_CATEGORIES


def escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with every character a terminal would act on or hide written as an escape.

    `keep_newlines` keeps LF as a line break, for multi-line text we wrote ourselves around
    escaped values (a diff, a list of problems).
    """
    if text.isprintable():
        return text  # the common case, answered in C
    return "".join(
        char
        if (char == "\n" and keep_newlines) or not is_invisible(char) or char == " "
        else escape(char)
        for char in text
    )


def shorten(text: str, limit: int = SHOWN_LIMIT) -> str:
    """At most `limit` characters of `text`, saying how long the whole is when cut."""
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 1, 1)]}… ({len(text):,} characters in all)"


def quoted(value: object, limit: int = SHOWN_LIMIT) -> str:
    """A value named in a message: shortened, escaped and in quotes, e.g. `'finout-ab\\n'`.

    Strings keep `repr`'s quoting (which escapes what `str.isprintable` refuses); other values are
    shown in YAML's spelling (`true`, `null`), since that is what the user typed.
    """
    if isinstance(value, str):
        cut = value if len(value) <= limit else value[: max(limit - 1, 1)]
        shown = printable(repr(cut))
        return shown if cut is value else f"{shown[:-1]}…{shown[-1]} ({len(value):,} characters)"
    return printable(shorten(yaml_spelling(value), limit))


def yaml_spelling(value: object) -> str:
    """How YAML writes a scalar a user typed: `true`, `false`, `null`, `12`, `1.5`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)
