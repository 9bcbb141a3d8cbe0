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
import sys
import threading

from finout_s3_telemetry.engines import EngineError, chosen_engine, node_environment, node_problem

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
        # Not a daemon: a command that stops early (a bad config) exits once the import is done,
        # instead of stopping the interpreter under a thread talking to Node.js.
        self._thread = threading.Thread(target=self._run, name="engine-start")
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

    def wait(self) -> None:
        """Returns once the engine is imported; raises what its import raised."""
        self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Joins the thread and restores the switch interval; raises nothing."""
        if self._thread is not None:
            self._thread.join()
        sys.setswitchinterval(self._switch_interval)

    def __enter__(self) -> EngineStart:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def start_engine() -> EngineStart:
    """Begin importing the chosen engine in a thread; nothing when no engine is installed."""
    return EngineStart().start()
