"""The CDK engine, started in a second thread while the command reads and validates its config.

Starting the engine is most of a synth: importing jsii (Python work), then Node.js booting jsii's
runtime and loading the engine's JavaScript, about 0.4 s in which Python only waits on a pipe.
Validating the config (pydantic's import and models) is about 0.3 s of Python work. Begun
together, the validation fills the wait (bench/synth.py measures the whole synth).

Two measured details keep the threads from slowing each other down. Python runs one thread at a
time (the GIL), and a thread that reads a file gives the GIL away and must wait up to the switch
interval (5 ms) to get it back while the other computes; importing is mostly such reads.
- The engine's thread first imports jsii and the modules its generated code needs while the
  calling thread waits for it, so that only Node.js's work is left to overlap.
- Until the engine is up, the switch interval is 0.2 ms, so the engine's thread takes the GIL
  back soon after each reply from Node.js. `wait` and `close` restore it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

from finout_s3_telemetry.engines import EngineError, chosen_engine, node_environment, node_problem
from finout_s3_telemetry.exit_codes import ExitCode

ENGINE_MODULE = "finout_s3_telemetry.stacks.app"
"""Everything a synth builds the stacks with; importing it imports the engine."""
JSII_MODULES = (
    "jsii",
    "jsii._type_checking",
    "typeguard",
    "publication",
    "typing_extensions",
    "importlib.metadata",
)
"""jsii itself, and what each module it generates imports before it loads its JavaScript."""
SWITCH_INTERVAL = 0.0002
JSII_IMPORT_TIMEOUT = 30.0
"""Seconds to wait for the jsii import before going on regardless: only a safeguard."""
START_TIMEOUT = 120.0
"""Seconds `wait` gives the engine (it takes about one): a Node.js that hangs is an error."""
ABANDON_TIMEOUT = 10.0
"""Seconds a command that stops early (a bad config) waits for the engine, so that jsii can
register the exit handler that stops Node.js and removes its files; after that it exits
regardless (see engine_abandoned)."""


_started: list[threading.Thread] = []
"""Every engine thread this process started."""


def engine_abandoned() -> bool:
    """An engine thread is still waiting for Node.js (it never answered): jsii's exit handler
    would then wait forever to close the pipe that thread reads, so the process must end
    without it (cli.entry)."""
    return any(thread.is_alive() for thread in _started)


class EngineStartTimeout(TimeoutError):
    """The engine was not up within START_TIMEOUT seconds."""


class EngineStart:
    """The engine's import, in a thread. `wait()` joins it and raises what the import raised."""

    def __init__(self, module: str = ENGINE_MODULE) -> None:
        self.module = module
        self._jsii_imported = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._switch_interval = sys.getswitchinterval()

    def start(self) -> EngineStart:
        if self.module in sys.modules:
            return self  # already imported (a second command in one process)
        try:
            engine = chosen_engine()
        except EngineError:
            return self  # nothing to start: the command reports it in its own order
        if node_problem(node_environment(os.environ, engine)) is not None:
            return self  # likewise
        # A daemon, so that a Node.js that never answers cannot keep the process alive; a command
        # that stops early still waits a little (close) for jsii to register its exit handler.
        self._thread = threading.Thread(target=self._run, name="engine-start", daemon=True)
        _started.append(self._thread)
        self._thread.start()
        self._jsii_imported.wait(JSII_IMPORT_TIMEOUT)
        sys.setswitchinterval(SWITCH_INTERVAL)
        return self

    def _run(self) -> None:
        try:
            for name in JSII_MODULES:
                # A jsii version without one: the engine's own import says what is missing.
                with contextlib.suppress(ImportError):
                    importlib.import_module(name)
            self._jsii_imported.set()
            importlib.import_module(self.module)
        except BaseException as error:  # re-raised in the calling thread by wait()
            self._error = error
        finally:
            self._jsii_imported.set()

    def wait(self, timeout: float = START_TIMEOUT) -> None:
        """Returns once the engine is imported; raises what its import raised, or
        EngineStartTimeout."""
        self._join(timeout)
        if self._thread is not None and self._thread.is_alive():
            raise EngineStartTimeout(f"it was not up after {timeout:.0f} s")
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Waits at most ABANDON_TIMEOUT seconds for the thread; raises nothing."""
        self._join(ABANDON_TIMEOUT)

    def _join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
        sys.setswitchinterval(self._switch_interval)

    def __enter__(self) -> EngineStart:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextlib.contextmanager
def terminated_as_exit() -> Iterator[None]:
    """SIGTERM ends the command like Ctrl-C does, with the exit handlers run: jsii then stops
    its Node.js and removes its temporary files, which a plain SIGTERM would leave behind."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a signal handler
        return
    previous = signal.signal(signal.SIGTERM, _exit_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_terminated(signum: int, frame: FrameType | None) -> NoReturn:
    print("terminated", file=sys.stderr)
    raise SystemExit(ExitCode.TERMINATED)


def start_engine() -> EngineStart:
    """Begin importing the chosen engine in a thread; nothing when no engine is installed."""
    return EngineStart().start()
