"""The exit codes every command uses, in one place (the README's "Exit codes")."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Everything asked for was done, or found right (warnings allowed)."""
    PROBLEMS = 1
    """The command ran and found problems: a failed check, an invalid CSV file, a failed plan,
    an upload that was refused or could not be verified."""
    USAGE = 2
    """Nothing was done: a bad config, bad usage, an unreadable file, or AWS not reachable."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT), as shells report it."""
    TERMINATED = 143
    """Stopped by SIGTERM (128 + SIGTERM) during a synth, after cleaning up."""
    OUTPUT_CLOSED = 141
    """The reader of the output went away (`| head`): 128 + SIGPIPE, as a shell reports a
    command that signal stopped. Nothing is printed about it."""
