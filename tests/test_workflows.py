"""Every workflow under .github/workflows: valid against GitHub's schema, no finding of zizmor,
each action pinned to a commit, least privilege; and the deploy and drift workflows doing what
they promise (the pull request workflow has its own file)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_files import (
    VENV_BIN,
    WORKFLOWS,
    WORKFLOWS_DIR,
    load_workflow,
    needs_jq,
    run_github_script,
    run_shell_step,
    step,
    step_using,
    steps_using,
)

from finout_s3_telemetry.check.model import CheckResult, EndpointReport, Report, Severity, Status
from finout_s3_telemetry.check.output import render_json

PINNED = re.compile(
    r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})"
    r" # (?P<version>v\d+\.\d+\.\d+)$"
)
PIPELINE_ROLE = "${{ vars.FINOUT_PIPELINE_ROLE_ARN }}"


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, name, job)
        for path in WORKFLOWS
        for name, job in load_workflow(path)["jobs"].items()
    ]


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    # check-jsonschema ships GitHub's workflow schema, so this check needs no network.
    return subprocess.run(
        [
            str(VENV_BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def zizmor(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_three_workflows_are_there() -> None:
    assert [path.name for path in WORKFLOWS] == ["deploy.yml", "drift.yml", "pull-request.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflow_is_valid_against_githubs_schema(path: Path) -> None:
    result = schema_check(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS_DIR / "deploy.yml").read_text().replace("runs-on:", "runs_on:"))
    result = schema_check(broken)
    assert result.returncode == 1
    assert "'runs-on' is a required property" in result.stdout


def test_zizmor_finds_nothing() -> None:
    result = zizmor(WORKFLOWS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_would_catch_an_unpinned_action(tmp_path: Path) -> None:
    workflow = tmp_path / "deploy.yml"
    text = (WORKFLOWS_DIR / "deploy.yml").read_text()
    workflow.write_text(re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v7", text))
    result = zizmor(workflow)
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if re.match(r"^\s*(- )?uses:", line):
                match = PINNED.match(line)
                assert match, f"{path.name}: {line.strip()}"
                pins.setdefault(match["action"], set()).add((match["sha"], match["version"]))
    # One version of each action everywhere, so an upgrade cannot miss a copy.
    assert {action: len(found) for action, found in pins.items()} == dict.fromkeys(pins, 1)
    assert set(pins) == {
        "actions/checkout",
        "actions/setup-python",
        "hashicorp/setup-terraform",
        "github/codeql-action/upload-sarif",
        "actions/upload-artifact",
        "actions/download-artifact",
        "actions/github-script",
        "aws-actions/configure-aws-credentials",
    }


@pytest.mark.parametrize(
    ("workflow", "name", "job"), all_jobs(), ids=[f"{w}:{n}" for w, n, _ in all_jobs()]
)
def test_each_job_is_least_privileged(workflow: str, name: str, job: dict[str, Any]) -> None:
    permissions = job["permissions"]
    assert permissions.get("contents", "read") == "read"
    for checkout in steps_using(job, "actions/checkout"):
        assert checkout["with"]["persist-credentials"] is False
    # An OIDC token only where AWS credentials are asked for, from the pipeline role.
    credentials = steps_using(job, "aws-actions/configure-aws-credentials")
    assert ("id-token" in permissions) == bool(credentials)
    for credential in credentials:
        assert credential["with"]["role-to-assume"] == PIPELINE_ROLE
    for terraform in steps_using(job, "hashicorp/setup-terraform"):
        # The wrapper adds its own lines to terraform's output, which breaks `show -json`.
        assert terraform["with"]["terraform_wrapper"] is False
    # Values reach a shell through the environment, never pasted into its script.
    for each in job["steps"]:
        assert "${{" not in each.get("run", ""), each.get("name")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_nothing_is_granted_to_the_whole_workflow(path: Path) -> None:
    assert load_workflow(path)["permissions"] == {}


# ---- deploy.yml


@pytest.fixture(scope="module")
def deploy() -> dict[Any, Any]:
    return load_workflow(WORKFLOWS_DIR / "deploy.yml")


ACCOUNTS_CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "accounts": {
        "prod": {
            "account_id": "111122223333",
            "deploy_role_arn": "arn:aws:iam::111122223333:role/finout-deploy",
        }
    },
    "endpoints": [
        {
            "name": "main",
            "account": "prod",
            "region": "us-east-1",
            "bucket": "acme-main",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes"],
        },
        {
            "name": "own",
            "region": "eu-west-1",
            "bucket": "acme-own",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes"],
        },
    ],
}


def test_deploy_runs_for_main(deploy: dict[Any, Any]) -> None:
    assert deploy["on"]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in deploy["on"]
    # A manual run on another branch deploys nothing.
    assert deploy["jobs"]["stacks"]["if"] == "${{ github.ref == 'refs/heads/main' }}"


@needs_jq
def test_deploy_lists_the_stacks_with_their_environment(
    deploy: dict[Any, Any], tmp_path: Path
) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(ACCOUNTS_CONFIG))
    script = step(deploy["jobs"]["stacks"], "list")["run"]
    result, outputs = run_shell_step(script, tmp_path, {"FINOUT_TELEMETRY_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert json.loads(outputs["stacks"]) == [
        {"name": "main", "account": "prod", "region": "us-east-1", "environment": "prod"},
        {"name": "own", "account": None, "region": "eu-west-1", "environment": "finout-telemetry"},
    ]


def test_each_stack_deploys_in_its_environment_one_run_at_a_time(
    deploy: dict[Any, Any],
) -> None:
    job = deploy["jobs"]["deploy"]
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert job["strategy"]["fail-fast"] is False
    assert job["environment"] == "${{ matrix.stack.environment }}"
    assert job["concurrency"] == {
        "group": "finout-deploy-${{ matrix.stack.name }}",
        "cancel-in-progress": False,
    }


def test_each_stack_is_deployed_then_checked(deploy: dict[Any, Any]) -> None:
    steps = deploy["jobs"]["deploy"]["steps"]
    runs = [s.get("run", "") for s in steps]
    install = runs.index("make setup")  # the pinned cdktf CLI
    credentials = steps.index(
        step_using(deploy["jobs"]["deploy"], "aws-actions/configure-aws-credentials")
    )
    deploy_at = next(i for i, run in enumerate(runs) if "cdktf deploy" in run)
    check_at = next(i for i, run in enumerate(runs) if "finout-telemetry check" in run)
    assert install < credentials < deploy_at < check_at
    assert 'npx cdktf deploy "$STACK" --auto-approve' in runs[deploy_at]
    assert runs[check_at].endswith('check --target aws --endpoint "$STACK"')
    for at in (deploy_at, check_at):
        assert steps[at]["env"]["STACK"] == "${{ matrix.stack.name }}"


def test_deploy_installs_without_a_shared_cache(deploy: dict[Any, Any]) -> None:
    # A cache is shared with other branches' runs; what deploys is installed fresh.
    for job in deploy["jobs"].values():
        for python in steps_using(job, "actions/setup-python"):
            assert "cache" not in python["with"]


# ---- drift.yml


@pytest.fixture(scope="module")
def drift() -> dict[Any, Any]:
    return load_workflow(WORKFLOWS_DIR / "drift.yml")


def test_drift_runs_daily_and_on_demand(drift: dict[Any, Any]) -> None:
    [schedule] = drift["on"]["schedule"]
    minute, hour, *every = schedule["cron"].split()
    assert every == ["*", "*", "*"] and 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert "workflow_dispatch" in drift["on"]
    assert drift["concurrency"]["cancel-in-progress"] is False


def test_the_check_step_records_the_exit_code_without_failing(
    drift: dict[Any, Any], tmp_path: Path
) -> None:
    config = tmp_path / "telemetry.yaml"
    config.write_text("finout: {}\n")
    script = step(drift["jobs"]["check"], "check")["run"]
    result, outputs = run_shell_step(script, tmp_path, {"FINOUT_TELEMETRY_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert outputs == {"code": "2"}
    assert "finout.principal" in result.stderr  # why, in the job's log
    assert (tmp_path / "check.json").exists()


def test_only_the_report_job_may_write_issues(drift: dict[Any, Any]) -> None:
    jobs = drift["jobs"]
    assert jobs["report"]["permissions"] == {"issues": "write"}
    assert jobs["check"]["outputs"]["code"] == "${{ steps.check.outputs.code }}"
    script_step = step(jobs["report"], "drift-issue")
    assert script_step["env"]["CHECK_EXIT"] == "${{ needs.check.outputs.code }}"
    download = step_using(jobs["report"], "actions/download-artifact")
    assert (
        download["with"]["name"]
        == step_using(jobs["check"], "actions/upload-artifact")["with"]["name"]
    )


MARKER = "<!-- finout-drift -->"


def result(check_id: str, status: str, detail: str, remediation: str = "") -> dict[str, str]:
    return {
        "id": check_id,
        "status": status,
        "severity": "high",
        "resource": "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole",
        "detail": detail,
        "remediation": remediation,
    }


REPORT = {
    "ok": False,
    "endpoints": [
        {
            "name": "main",
            "account": "prod",
            "checks": [
                result(
                    "FINOUT-IAM-002", "fail", "the trust policy lacks the external ID", "deploy"
                ),
                result("FINOUT-S3-001", "pass", "the bucket exists"),
                result("FINOUT-CSV-002", "warn", "the folder is empty", "upload a file"),
            ],
        },
        {
            "name": "eu",
            "account": None,
            "checks": [result("FINOUT-S3-003", "fail", "folder bytes/ is missing", "deploy eu")],
        },
    ],
}


def bot_issue(number: int, body: str) -> dict[str, Any]:
    return {"number": number, "user": {"type": "Bot"}, "body": body, "html_url": f"u/{number}"}


def drift_script(drift: dict[Any, Any]) -> str:
    script: str = step(drift["jobs"]["report"], "drift-issue")["with"]["script"]
    return script


def run_drift(
    drift: dict[Any, Any],
    folder: Path,
    code: str,
    issues: list[dict[str, Any]],
    report: dict[str, Any] | str | None = None,
) -> Any:
    if report is not None:
        text = report if isinstance(report, str) else json.dumps(report)
        (folder / "check.json").write_text(text)
    return run_github_script(drift_script(drift), folder, issues, {"CHECK_EXIT": code})


def rows(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("| `")]


def test_failed_checks_open_one_issue(drift: dict[Any, Any], tmp_path: Path) -> None:
    run = run_drift(drift, tmp_path, "1", [], REPORT)
    assert run.methods() == ["paginate listForRepo", "create"]
    assert run.params("paginate listForRepo") == {
        "owner": "acme",
        "repo": "telemetry",
        "state": "open",
        "per_page": 100,
    }
    issue = run.params("create")
    assert issue["title"] == "Finout telemetry drift: 2 failed checks"
    assert issue["body"].startswith(f"{MARKER}\n## Finout telemetry drift\n")
    assert "| endpoint | account | check | what failed | fix |" in issue["body"]
    assert rows(issue["body"]) == [
        "| `main` | `prod` | `FINOUT-IAM-002` | `the trust policy lacks the external ID` "
        "| `deploy` |",
        "| `eu` |  | `FINOUT-S3-003` | `folder bytes/ is missing` | `deploy eu` |",
    ]
    assert "https://github.example/acme/telemetry/actions/runs/4242" in issue["body"]
    # Drift fails the run too, after the issue is written.
    assert run.failures == ["Finout telemetry drift: 2 failed checks: see the drift issue"]


def test_the_next_run_updates_the_same_issue(drift: dict[Any, Any], tmp_path: Path) -> None:
    issues = [
        {**bot_issue(3, f"{MARKER} a pull request"), "pull_request": {"url": "p"}},
        {**bot_issue(4, f"quoting {MARKER}"), "user": {"type": "User"}},
        bot_issue(5, "another bot's issue"),
        bot_issue(12, f"{MARKER}\nold table"),
    ]
    run = run_drift(drift, tmp_path, "1", issues, REPORT)
    assert run.methods() == ["paginate listForRepo", "update"]
    update = run.params("update")
    assert update["issue_number"] == 12
    assert update["title"] == "Finout telemetry drift: 2 failed checks"
    assert "old table" not in update["body"] and len(rows(update["body"])) == 2


def test_passing_again_closes_the_issue_with_a_comment(
    drift: dict[Any, Any], tmp_path: Path
) -> None:
    run = run_drift(drift, tmp_path, "0", [bot_issue(12, f"{MARKER}\ntable")], {"ok": True})
    assert run.methods() == ["paginate listForRepo", "createComment", "update"]
    assert run.params("createComment")["issue_number"] == 12
    assert "Every check passes again" in run.params("createComment")["body"]
    assert run.params("update") == {
        "owner": "acme",
        "repo": "telemetry",
        "issue_number": 12,
        "state": "closed",
        "state_reason": "completed",
    }
    assert run.failures == []


def test_passing_never_touches_an_issue_without_the_marker(
    drift: dict[Any, Any], tmp_path: Path
) -> None:
    issues = [
        {**bot_issue(4, f"quoting {MARKER}"), "user": {"type": "User"}},
        bot_issue(5, "another bot's issue"),
        {**bot_issue(6, MARKER), "pull_request": {"url": "p"}},
    ]
    run = run_drift(drift, tmp_path, "0", issues)
    assert run.methods() == ["paginate listForRepo"]
    assert run.failures == []


@pytest.mark.parametrize("code", ["2", "", "130"])
def test_nothing_checked_fails_and_leaves_the_issue(
    drift: dict[Any, Any], tmp_path: Path, code: str
) -> None:
    run = run_drift(drift, tmp_path, code, [bot_issue(12, MARKER)])
    assert run.calls == []
    [failure] = run.failures
    assert "nothing was checked" in failure and "left as it is" in failure


def test_values_from_aws_cannot_add_markup(drift: dict[Any, Any], tmp_path: Path) -> None:
    hostile = "a | b ``tick`` @someone <img src=x>\n| forged | row |\u202e"
    report = {
        "ok": False,
        "endpoints": [
            {
                "name": "main",
                "account": "prod",
                "checks": [result("FINOUT-S3-009", "fail", hostile)],
            },
        ],
    }
    body = run_drift(drift, tmp_path, "1", [], report).params("create")["body"]
    [row] = rows(body)
    assert "| forged" not in body.replace(row, "")  # no line of its own
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert len(cells) == 5  # the `|` of the value are escaped
    detail = cells[3].strip()
    assert detail.startswith("``` a \\| b ``tick`` @someone") and detail.endswith(" ```")
    assert "\u202e" not in row


def test_a_huge_report_fits_in_one_issue(drift: dict[Any, Any], tmp_path: Path) -> None:
    checks = [result(f"FINOUT-X-{i}", "fail", "x" * 1000, "y" * 1000) for i in range(2000)]
    report = {"ok": False, "endpoints": [{"name": "main", "account": "prod", "checks": checks}]}
    body = run_drift(drift, tmp_path, "1", [], report).params("create")["body"]
    assert len(body) <= 65_536
    shown = len(rows(body))
    assert 100 < shown < 2000
    assert f"{2000 - shown} more failed checks did not fit" in body


def test_the_issue_reads_the_report_check_writes(drift: dict[Any, Any], tmp_path: Path) -> None:
    failing = CheckResult(
        "FINOUT-IAM-002", Status.FAIL, Severity.HIGH, "arn", "no external ID", "deploy main"
    )
    passing = CheckResult("FINOUT-S3-001", Status.PASS, Severity.HIGH, "arn", "exists", "")
    report = Report((EndpointReport("main", (failing, passing), 3),), 3)
    run = run_drift(drift, tmp_path, "1", [], render_json(report))
    [row] = rows(run.params("create")["body"])
    assert row.startswith("| `main` |")
    assert "| `FINOUT-IAM-002` | `no external ID` | `deploy main` |" in row
