"""`check` and `upload` across the config's accounts, on the emulator serving several accounts
(`LocalAws(account_id=None)`): each account's check role (else its deploy role, with its external
ID) is assumed once per run from the caller's credentials, and its endpoints are read in that
account, accounts side by side (`--jobs`).

moto's sts:AssumeRole refuses nothing of its own (a role that does not exist, a malformed ARN,
any external ID: all are assumed); it refuses only when it enforces IAM, and then by the caller's
identity policy. The tests of a role that cannot be assumed turn that on, with the caller an IAM
user allowed to assume one role only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from check_helpers import NO_RETRIES, failing, result
from check_provisioning import account_credentials, provision

import finout_s3_telemetry.commands.check as check_command
import finout_s3_telemetry.commands.upload as upload_command
from finout_s3_telemetry.account_sessions import assume_roles
from finout_s3_telemetry.check import AwsUnavailable, Report, run_checks
from finout_s3_telemetry.check.calls import RUN_SCOPE, CallCounter
from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.config.load import parse_config
from finout_s3_telemetry.local.emulated_account import account_for
from finout_s3_telemetry.local.moto_server import DEFAULT_ACCOUNT_ID, LocalAws
from finout_s3_telemetry.targets import Target

pytestmark = pytest.mark.moto

PIPELINE_ACCOUNT = "123456789012"
"""moto's default account: where the emulator's own keys act when no account is pinned."""
PROD_CHECK_ROLE = "arn:aws:iam::111111111111:role/ci/finout-telemetry-check"
STAGING_DEPLOY_ROLE = "arn:aws:iam::222222222222:role/finout-telemetry-deploy"
RAW: dict[str, Any] = {
    "finout": {"principal": "999988887777"},
    "accounts": {
        "prod": {
            "account_id": "111111111111",
            "deploy_role_arn": "arn:aws:iam::111111111111:role/finout-telemetry-deploy",
            "check_role_arn": PROD_CHECK_ROLE,
        },
        # No check role: the deploy role is assumed, with its external ID.
        "staging": {
            "account_id": "222222222222",
            "deploy_role_arn": STAGING_DEPLOY_ROLE,
            "deploy_external_id": "pipeline-st4g",
            "session_name": "finout-staging",
        },
    },
    "endpoints": [
        {
            "name": "prod-a",
            "account": "prod",
            "region": "us-east-1",
            "bucket": "acme-prod-a",
            "prefix": "finout",
            "external_id": "finout-pr0da",
            "telemetries": ["bytes", "requests"],
        },
        {
            "name": "own",
            "region": "us-east-1",
            "bucket": "acme-own",
            "prefix": "finout",
            "external_id": "finout-0wn01",
            "telemetries": ["bytes"],
        },
        {
            "name": "staging-a",
            "account": "staging",
            "region": "eu-west-1",
            "bucket": "acme-staging-a",
            "existing_bucket": True,
            "external_id": "finout-st4ga",
            "telemetries": ["bytes"],
        },
        {
            "name": "prod-b",
            "account": "prod",
            "region": "eu-west-1",
            "bucket": "acme-prod-b",
            "prefix": "finout",
            "external_id": "finout-pr0db",
            "role_name": "FinoutMetricsReadOnlyRole-b",
            "telemetries": ["bytes"],
        },
    ],
}
ACCOUNT_OF = {"prod-a": "prod", "own": None, "staging-a": "staging", "prod-b": "prod"}


def config() -> Config:
    return parse_config(json.dumps(RAW))


@pytest.fixture(scope="module")
def accounts_aws() -> Iterator[LocalAws]:
    """An emulator serving every account, the config deployed to it: each endpoint in its
    account, each account's check role (or deploy role) created there."""
    with LocalAws(account_id=None) as aws:
        provision(config(), Target("local", aws.endpoint_url))
        yield aws


def target(aws: LocalAws) -> Target:
    return Target("local", aws.endpoint_url)


def test_each_account_is_checked_in_itself_with_its_role_assumed_once(
    accounts_aws: LocalAws,
) -> None:
    report = run_checks(config(), target(accounts_aws), retry=NO_RETRIES)
    assert failing(report) == {}
    assert report.ok
    assert [(e.name, e.account) for e in report.endpoints] == list(ACCOUNT_OF.items())
    # The roles and buckets exist only in their own accounts: FINOUT-IAM-001 and S3-001 pass
    # only when each endpoint was read with its account's credentials.
    for name, account in ACCOUNT_OF.items():
        identity = result(report, "FINOUT-ACCT-001", name)
        expected = {"prod": "111111111111", "staging": "222222222222", None: PIPELINE_ACCOUNT}
        assert identity.status.value == "pass" and expected[account] in identity.detail
        assert result(report, "FINOUT-IAM-001", name).status.value == "pass"
    calls = report.api_calls_by_operation
    # Once per account and run: the role, the identity, the organisation.
    assert calls["sts:AssumeRole"] == 2
    assert calls["sts:GetCallerIdentity"] == 3
    assert calls["organizations:DescribeOrganization"] == 3
    assert report.account == PIPELINE_ACCOUNT
    assert report.api_calls == sum(e.api_calls for e in report.endpoints) + 2 + 3


def test_the_roles_are_assumed_as_the_config_says(accounts_aws: LocalAws) -> None:
    asked: list[dict[str, Any]] = []

    def record(client: Any) -> None:
        client.meta.events.register(
            "provide-client-params.sts.AssumeRole", lambda params, **_: asked.append(params)
        )

    settings = config()
    sessions = assume_roles(settings, settings.endpoints, target(accounts_aws), on_client=record)
    assert asked == [
        {"RoleArn": PROD_CHECK_ROLE, "RoleSessionName": "finout-telemetry"},
        {
            "RoleArn": STAGING_DEPLOY_ROLE,
            "RoleSessionName": "finout-staging",
            "ExternalId": "pipeline-st4g",
        },
    ]
    for endpoint in settings.endpoints:
        sts = sessions.of(endpoint).client("sts", endpoint.region)
        account = sts.get_caller_identity()["Account"]
        assert account == (endpoint.account_id or PIPELINE_ACCOUNT)
    # One session per account, shared by its endpoints.
    assert sessions.of(settings.endpoints[0]) is sessions.of(settings.endpoints[3])


def comparable(report: Report) -> list[tuple[str, str | None, int, tuple[Any, ...]]]:
    return [(e.name, e.account, e.api_calls, e.results) for e in report.endpoints]


def test_accounts_checked_side_by_side_report_as_one_after_the_other(
    accounts_aws: LocalAws,
) -> None:
    one_by_one = run_checks(config(), target(accounts_aws), retry=NO_RETRIES, jobs=1)
    side_by_side = run_checks(config(), target(accounts_aws), retry=NO_RETRIES, jobs=8)
    assert comparable(side_by_side) == comparable(one_by_one)
    assert side_by_side.api_calls == one_by_one.api_calls
    assert side_by_side.api_calls_by_operation == one_by_one.api_calls_by_operation


def test_calls_made_side_by_side_are_counted_each_in_its_own_threads_scope(
    accounts_aws: LocalAws,
) -> None:
    counter = CallCounter()
    sts = target(accounts_aws).client("sts", "us-east-1")
    counter.attach(sts)
    barrier = threading.Barrier(8)

    def calls(scope: str) -> None:
        barrier.wait()  # all threads call at once
        with counter.scope(scope):
            for _ in range(25):
                sts.get_caller_identity()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(calls, [f"endpoint-{n}" for n in range(8)]))
    sts.get_caller_identity()  # outside any endpoint: the run's
    assert counter.total == 201
    assert dict(counter.by_scope) == {**{f"endpoint-{n}": 25 for n in range(8)}, RUN_SCOPE: 1}
    assert dict(counter.by_operation) == {"sts:GetCallerIdentity": 201}


def test_json_and_table_say_each_endpoints_account(
    accounts_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(RAW), encoding="utf-8")
    argv = ["check", "-c", str(path), "--endpoint-url", accounts_aws.endpoint_url, "--retries", "0"]
    assert main([*argv, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(e["name"], e["account"]) for e in document["endpoints"]] == list(ACCOUNT_OF.items())
    assert main([*argv, "--jobs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    headers = [line for line in lines if line and not line.startswith(" ")]
    assert [h.split(": ")[0] for h in headers[:-1]] == [
        "prod-a (account prod)",
        "own (caller's account)",
        "staging-a (account staging)",
        "prod-b (account prod)",
    ]
    assert "in 4 endpoint(s) of 3 account(s) on local AWS at" in headers[-1]


def test_a_multi_account_config_starts_the_emulator_for_every_account() -> None:
    assert account_for(config()) is None
    single = dict(RAW, endpoints=[RAW["endpoints"][1]])
    del single["accounts"]
    assert account_for(parse_config(json.dumps(single))) == DEFAULT_ACCOUNT_ID


# A role that cannot be assumed: the emulator enforces IAM, the caller may assume prod's only.


@pytest.fixture
def pipeline(accounts_aws: LocalAws) -> Iterator[Target]:
    """The caller as an IAM user of the pipeline's account allowed sts:AssumeRole on prod's
    check role only, with the emulator enforcing IAM; prod's check role may use its buckets."""
    own = target(accounts_aws)
    iam = own.client("iam", "us-east-1")
    if "pipeline" not in [u["UserName"] for u in iam.list_users()["Users"]]:
        iam.create_user(UserName="pipeline")
        iam.put_user_policy(
            UserName="pipeline",
            PolicyName="assume-prod",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": PROD_CHECK_ROLE}
                    ],
                }
            ),
        )
        prod = own.client("iam", "us-east-1", credentials=account_credentials(own, PROD_CHECK_ROLE))
        buckets = ["arn:aws:s3:::acme-prod-a", "arn:aws:s3:::acme-prod-a/*"]
        prod.put_role_policy(
            RoleName="finout-telemetry-check",
            PolicyName="upload",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": buckets}],
                }
            ),
        )
    key = iam.create_access_key(UserName="pipeline")["AccessKey"]
    accounts_aws.enforce_iam()
    try:
        yield Target(
            "local",
            accounts_aws.endpoint_url,
            access_key=key["AccessKeyId"],
            secret_key=key["SecretAccessKey"],
        )
    finally:
        accounts_aws.enforce_iam(False)


def test_a_role_that_cannot_be_assumed_ends_the_check_before_anything_is_read(
    pipeline: Target,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(AwsUnavailable) as refused:
        run_checks(config(), pipeline, retry=NO_RETRIES)
    assert refused.value.kind == "role-refused"
    # Through the command: one line, exit 2, nothing printed on stdout.
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(RAW), encoding="utf-8")
    monkeypatch.setattr(check_command, "target_or_report", lambda _args: pipeline)
    code = main(["check", "-c", str(path), "--retries", "0"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.startswith("finout-telemetry: error: nothing was checked: the role ")
    assert f"the role {STAGING_DEPLOY_ROLE} of account 'staging' (for endpoint 'staging-a')" in line
    assert "could not be assumed (AccessDenied: " in line
    assert "is not authorized to perform: sts:AssumeRole" in line
    assert PROD_CHECK_ROLE not in line  # prod's was assumed


def test_upload_acts_with_the_accounts_role_or_uploads_nothing(
    pipeline: Target,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(RAW), encoding="utf-8")
    csv = tmp_path / "day.csv"
    csv.write_bytes(b"date,bytes\n2022-06-07,12.12\n")
    monkeypatch.setattr(upload_command, "target_or_report", lambda _args: pipeline)
    # The caller may not touch S3 itself: only prod's check role, assumed, may write there.
    code = main(["upload", "-c", str(path), "--endpoint", "prod-a", str(csv)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "uploaded" in out and "s3://acme-prod-a/finout/bytes/2022-06-07.csv" in out
    code = main(["upload", "-c", str(path), "--endpoint", "staging-a", str(csv)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "uploaded " not in out
    (line,) = err.splitlines()
    assert f"the role {STAGING_DEPLOY_ROLE} of account 'staging'" in line
    assert "AccessDenied" in line and line.endswith("; nothing was uploaded")
