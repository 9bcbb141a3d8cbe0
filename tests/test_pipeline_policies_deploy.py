"""The generated pipeline policies are sufficient, proven on the emulator enforcing IAM: a config
(a created bucket, an existing bucket, an SSE-KMS endpoint with a created key; S3 state with a
lock file) is deployed with the real terraform as an IAM user holding only `permissions --for
deploy`, planned as one holding only `--for plan`, uploaded to and checked as one holding only
`--for check`, then destroyed as the deployer (emptying the bucket that holds the uploaded
file: `force_destroy_bucket`). Each policy is attached as a managed policy, so
the emulator's IAM also validates it. Negative controls: the deploy policy without
iam:PutRolePolicy, and the check policy without s3:PutObject, are refused naming the action.

`local/moto_authorization.py` makes the emulator authorize as AWS does (action names, resources
of roles to be and of KMS keys); DEVELOPERS.md lists what it still cannot prove.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from deployment import Deployment

from finout_s3_telemetry.check import run_checks
from finout_s3_telemetry.check.model import Report, Status
from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import Config, parse_config
from finout_s3_telemetry.local.emulated_account import create_stand_in_buckets
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.pipeline_policies import MANAGED_POLICY_LIMIT, pipeline_policy
from finout_s3_telemetry.policy_documents import PolicyDocument
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terraform_runner import TerraformError

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

ACCOUNT = "111122223333"
STATE_BUCKET = "acme-permissions-state"
CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "state": {"backend": "s3", "bucket": STATE_BUCKET, "key": "finout"},
    "endpoints": [
        {
            "name": "perm-created",
            "region": "us-east-1",
            "account_id": ACCOUNT,
            "bucket": "acme-perm-created",
            # Destroyed with the file the test uploads: proves the statements that empty it.
            "force_destroy_bucket": True,
            "prefix": "finout",
            "external_id": "finout-pe7mcr1",
            "telemetries": ["bytes", "requests"],
        },
        {
            "name": "perm-existing",
            "region": "us-east-1",
            "account_id": ACCOUNT,
            "bucket": "acme-perm-existing",
            "existing_bucket": True,
            "prefix": "telemetry",
            "external_id": "finout-pe7mex2",
            "role_name": "FinoutMetricsReadOnlyRole-existing",
            "telemetries": ["bytes", "requests"],
        },
        {
            "name": "perm-kms",
            "region": "us-east-1",
            "account_id": ACCOUNT,
            "bucket": "acme-perm-kms",
            "external_id": "finout-pe7mkm3",
            "role_name": "FinoutMetricsReadOnlyRole-kms",
            "telemetries": ["bytes", "requests"],
            "encryption": "sse-kms",
            "kms_key": "create",
        },
    ],
}
NEGATIVE_CONFIG: dict[str, Any] = {
    **CONFIG,
    "state": {**CONFIG["state"], "key": "finout-denied"},
    # Refused fast (no bucket to create, so no lifecycle wait) and beside the main deploy: a role
    # and folders of its own, in state of its own.
    "endpoints": [
        {
            **CONFIG["endpoints"][1],
            "name": "perm-denied",
            "prefix": "denied",
            "role_name": "FinoutMetricsReadOnlyRole-denied",
        }
    ],
}


class Emulator:
    """A moto server of its own (its IAM enforcement must not reach other test files), with IAM
    users whose only permissions are one managed policy each."""

    def __init__(self, aws: LocalAws, root: Path) -> None:
        self.aws = aws
        self.root = root
        self.admin = Target("local", aws.endpoint_url)
        self.iam = self.admin.client("iam", "us-east-1")

    def user(self, name: str, policy: PolicyDocument) -> Target:
        """An IAM user holding `policy` as its one managed policy, as a target."""
        arn = self.iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(policy))
        self.iam.create_user(UserName=name)
        self.iam.attach_user_policy(UserName=name, PolicyArn=arn["Policy"]["Arn"])
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return Target("local", self.aws.endpoint_url, key["AccessKeyId"], key["SecretAccessKey"])

    def deployment(self, name: str, target: Target, data: dict[str, Any] = CONFIG) -> Deployment:
        """`data` synthesized for `target`'s credentials (they are in each stack's provider and
        backend blocks); deployments of one config share its stacks' state in the state bucket."""
        root = self.root / name
        root.mkdir()
        deployment = Deployment(root, self.aws.endpoint_url, data, target=target)
        deployment.synth()
        for stack in deployment.stacks:
            deployment.terraform(stack).init()
        return deployment


def without(policy: PolicyDocument, action: str) -> PolicyDocument:
    statements = []
    for statement in policy["Statement"]:
        actions = [a for a in statement["Action"] if a != action]
        if actions:
            statements.append({**statement, "Action": actions})
    assert statements != policy["Statement"], f"{action} is not in the policy"
    return {**policy, "Statement": statements}


def each_stack(deployment: Deployment, run: str) -> dict[str, Any]:
    """`terraform <run>` in every stack at once; per stack its result, or the TerraformError."""

    def one(stack: str) -> Any:
        terraform = deployment.terraform(stack)
        try:
            if run == "plan":
                return terraform.plan(detailed_exitcode=True)
            return terraform.apply() if run == "apply" else terraform.destroy()
        except TerraformError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=len(deployment.stacks)) as pool:
        return dict(zip(deployment.stacks, pool.map(one, deployment.stacks), strict=True))


def failures(results: dict[str, Any]) -> dict[str, list[str]]:
    """The stacks whose terraform run failed, with the lines that say why."""
    return {
        name: [line for line in r.output.splitlines() if "Error" in line] or [str(r)]
        for name, r in results.items()
        if isinstance(r, TerraformError)
    }


def upload(config_file: Path, target: Target, csv: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """`finout-telemetry upload` as the command runs it, with `target`'s credentials (the CLI
    takes the credential chain on AWS and the emulator's fixed keys locally)."""
    import finout_s3_telemetry.commands.upload as command

    monkeypatch.setattr(command, "target_or_report", lambda _args: target)
    return main(["upload", "-c", str(config_file), "--endpoint", "perm-created", str(csv)])


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Everything the module asserts, run once in order (three to four minutes: the provider's
    lifecycle wait on the two created buckets, and starting the provider for each plan and
    apply)."""
    root = tmp_path_factory.mktemp("permissions")
    with LocalAws(account_id=ACCOUNT) as aws:
        emulator = Emulator(aws, root)
        config = parse_config(yaml.safe_dump(CONFIG))
        policies = {p: pipeline_policy(config, p) for p in ("deploy", "plan", "check")}
        denied_policy = pipeline_policy(parse_config(yaml.safe_dump(NEGATIVE_CONFIG)), "deploy")
        # Set up with the emulator's own keys before it enforces anything.
        emulator.admin.client("s3", "us-east-1").create_bucket(Bucket=STATE_BUCKET)
        create_stand_in_buckets(config, emulator.admin)
        users = {
            "deployer": emulator.user("deployer", policies["deploy"].document),
            "planner": emulator.user("planner", policies["plan"].document),
            "checker": emulator.user("checker", policies["check"].document),
            "deployer-without-put-role-policy": emulator.user(
                "deployer-without-put-role-policy",
                without(denied_policy.document, "iam:PutRolePolicy"),
            ),
            "checker-without-put-object": emulator.user(
                "checker-without-put-object", without(policies["check"].document, "s3:PutObject")
            ),
        }
        aws.enforce_iam()
        result: dict[str, Any] = {"config": config, "policies": policies}
        denied = emulator.deployment(
            "denied", users["deployer-without-put-role-policy"], NEGATIVE_CONFIG
        )
        deployer = emulator.deployment("deploy", users["deployer"])
        with ThreadPoolExecutor(max_workers=1) as pool:
            refusal = pool.submit(each_stack, denied, "apply")
            result["apply"] = each_stack(deployer, "apply")
            result["denied apply"] = refusal.result()["perm-denied"]
        result["plan"] = each_stack(emulator.deployment("plan", users["planner"]), "plan")
        result["checker"] = users["checker"]
        result["config file"] = root / "telemetry.yaml"
        result["config file"].write_text(yaml.safe_dump(CONFIG))
        result["denied checker"] = users["checker-without-put-object"]
        yield result
        # After the tests: the deploy policy covers destroy too.
        assert failures(each_stack(deployer, "destroy")) == {}


def csv_of(tmp_path: Path, days_ago: int) -> Path:
    day = (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()
    path = tmp_path / f"{day}.csv"
    path.write_text(f"date,team,bytes\n{day},servers,12.5\n{day},storage,3\n")
    return path


def test_the_policies_fit_a_managed_policy_and_the_emulators_iam_accepts_them(
    proof: dict[str, Any],
) -> None:
    # Attaching them as managed policies (in the fixture) ran the emulator's policy validator.
    assert all(p.size <= MANAGED_POLICY_LIMIT for p in proof["policies"].values())


def test_the_deploy_policy_without_put_role_policy_is_refused_naming_the_action(
    proof: dict[str, Any],
) -> None:
    refused = proof["denied apply"]
    assert isinstance(refused, TerraformError), "the apply without iam:PutRolePolicy must fail"
    output = refused.output
    assert "AccessDenied" in output
    assert "is not authorized to perform: iam:PutRolePolicy" in output


def test_the_deploy_policy_covers_every_call_of_the_apply(proof: dict[str, Any]) -> None:
    assert failures(proof["apply"]) == {}
    assert sorted(proof["apply"]) == ["perm-created", "perm-existing", "perm-kms"]


def test_the_plan_policy_covers_the_refresh_and_the_state_lock_and_plans_no_change(
    proof: dict[str, Any],
) -> None:
    results = proof["plan"]
    assert failures(results) == {}
    assert {name: r.returncode for name, r in results.items()} == dict.fromkeys(results, 0)


def test_the_check_policy_covers_upload_and_check(
    proof: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert upload(proof["config file"], proof["checker"], csv_of(tmp_path, 1), monkeypatch) == 0
    config: Config = proof["config"]
    report: Report = run_checks(config, proof["checker"])
    failed = [(e.name, r.id, r.detail) for e in report.endpoints for r in e.results if not _ok(r)]
    assert failed == []
    # A read the policy lacked would show as an unreadable value (a warning), not a failure.
    refused = [
        (e.name, r.id, r.detail)
        for e in report.endpoints
        for r in e.results
        if "AccessDenied" in r.detail or "not authorized" in r.detail
    ]
    assert refused == []


def test_the_check_policy_without_put_object_cannot_upload(
    proof: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # Another day than the upload that may have run before: its key must still be free.
    csv = csv_of(tmp_path, 2)
    assert upload(proof["config file"], proof["denied checker"], csv, monkeypatch) == 2
    assert "AccessDenied" in capsys.readouterr().err


def _ok(result: Any) -> bool:
    return result.status is not Status.FAIL
