"""`finout-telemetry permissions --for deploy|plan|check`: per config shape the exact statements,
resources in the endpoint's partition and account, `--account`, usage errors, and the size IAM
allows (a 200-endpoint config included). `test_pipeline_policies_deploy.py` proves on the
emulator enforcing IAM that the policies are sufficient."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import Config, load_config, parse_config
from finout_s3_telemetry.iam_evaluation import resource_matches
from finout_s3_telemetry.local.moto_authorization import kms_resources
from finout_s3_telemetry.pipeline_policies import (
    BUCKET_READS,
    BUCKET_WRITES,
    MANAGED_POLICY_LIMIT,
    pipeline_policy,
)
from finout_s3_telemetry.policy_documents import POLICY_VERSION, policy_size

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "telemetry.yaml"
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"


def endpoint(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "region": "us-east-1",
        "account_id": ACCOUNT,
        "bucket": f"acme-{name}",
        "external_id": f"finout-{name}",
        "role_name": f"FinoutMetricsReadOnlyRole-{name}",
        "telemetries": ["bytes", "requests"],
        **fields,
    }


def config(*endpoints: dict[str, Any], **top: Any) -> Config:
    return parse_config(
        yaml.safe_dump(
            {"finout": {"principal": "123456789012"}, "endpoints": list(endpoints), **top}
        )
    )


def by_sid(document: dict[str, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """Sid -> (actions, resources), every statement an Allow without a condition."""
    found = {}
    for statement in document["Statement"]:
        assert set(statement) == {"Sid", "Effect", "Action", "Resource"}
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"]
        found[statement["Sid"]] = (
            statement["Action"],
            resources if isinstance(resources, list) else [resources],
        )
    return found


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as stop:  # argparse's usage errors
            code = int(stop.code or 0)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# -- Per config shape -------------------------------------------------------------------------


def test_a_created_bucket_deploy_policy_is_exactly_the_stack_and_its_refresh() -> None:
    policy = pipeline_policy(config(endpoint("main", prefix="finout")), "deploy")
    bucket = "arn:aws:s3:::acme-main"
    folders = [f"{bucket}/finout/bytes/", f"{bucket}/finout/requests/"]
    role = f"arn:aws:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole-main"
    assert policy.document["Version"] == POLICY_VERSION
    assert by_sid(policy.document) == {
        "ReadCallerIdentity": (["sts:GetCallerIdentity"], ["*"]),
        "ManageCreatedBuckets": (sorted(BUCKET_READS + BUCKET_WRITES), [bucket]),
        "ManageTelemetryFolders": (
            [
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:GetObject",
                "s3:GetObjectTagging",
                "s3:PutObject",
                "s3:PutObjectTagging",
            ],
            folders,
        ),
        "FindFolderMarkerVersions": (["s3:ListBucketVersions"], [bucket]),
        "ManageFinoutRoles": (
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
            ],
            [role],
        ),
        "ManageFinoutRoleInlinePolicies": (
            ["iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"],
            [role],
        ),
    }
    assert policy.wildcards == ()


def test_a_created_bucket_plan_policy_only_reads() -> None:
    policy = pipeline_policy(config(endpoint("main")), "plan")
    role = f"arn:aws:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole-main"
    assert by_sid(policy.document) == {
        "ReadCallerIdentity": (["sts:GetCallerIdentity"], ["*"]),
        "ReadCreatedBuckets": (sorted(BUCKET_READS), ["arn:aws:s3:::acme-main"]),
        "ReadTelemetryFolders": (
            ["s3:GetObject", "s3:GetObjectTagging"],
            ["arn:aws:s3:::acme-main/bytes/", "arn:aws:s3:::acme-main/requests/"],
        ),
        "ReadFinoutRoles": (
            ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"],
            [role],
        ),
        "ReadFinoutRoleInlinePolicies": (["iam:GetRolePolicy"], [role]),
    }


def test_an_existing_bucket_is_only_listed_and_never_written() -> None:
    shape = config(endpoint("cur", existing_bucket=True, prefix="telemetry"))
    bucket = "arn:aws:s3:::acme-cur"
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    assert deploy["ReadExistingBuckets"] == (["s3:ListBucket"], [bucket])
    assert "ManageCreatedBuckets" not in deploy
    # Only its folder markers are written, never anything else in it.
    assert deploy["ManageTelemetryFolders"][1] == [
        f"{bucket}/telemetry/bytes/",
        f"{bucket}/telemetry/requests/",
    ]
    assert deploy["FindFolderMarkerVersions"] == (["s3:ListBucketVersions"], [bucket])
    bucket_actions = {
        a for actions, resources in deploy.values() if bucket in resources for a in actions
    }
    assert bucket_actions == {"s3:ListBucket", "s3:ListBucketVersions"}
    plan = by_sid(pipeline_policy(shape, "plan").document)
    assert plan["ReadExistingBuckets"] == (["s3:ListBucket"], [bucket])


def test_force_destroy_may_empty_that_bucket_only() -> None:
    shape = config(endpoint("main", force_destroy_bucket=True), endpoint("kept"))
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    assert deploy["ListVersionsToEmptyForceDestroyedBuckets"] == (
        ["s3:ListBucketVersions"],
        ["arn:aws:s3:::acme-main"],
    )
    assert deploy["DeleteObjectsToEmptyForceDestroyedBuckets"] == (
        ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        ["arn:aws:s3:::acme-main/*"],
    )
    plan = by_sid(pipeline_policy(shape, "plan").document)
    assert not {sid for sid in plan if "Empty" in sid}


def test_a_created_kms_key_is_made_on_star_and_managed_in_its_account_and_region() -> None:
    shape = config(endpoint("kms", region="eu-west-1", encryption="sse-kms", kms_key="create"))
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    keys = [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"]
    assert deploy["CreateKmsKeys"] == (["kms:CreateKey", "kms:TagResource"], ["*"])
    assert deploy["ReadKmsAliases"] == (["kms:ListAliases"], ["*"])
    assert deploy["ManageKmsAliases"] == (
        ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
        [f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/finout-telemetry-kms"],
    )
    assert deploy["ManageCreatedKmsKeys"][1] == keys
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"} <= set(
        deploy["ManageCreatedKmsKeys"][0]
    )
    assert deploy["EncryptFolderMarkersWithBucketKeys"] == (["kms:GenerateDataKey"], keys)
    plan = by_sid(pipeline_policy(shape, "plan").document)
    assert plan["ReadCreatedKmsKeys"] == (
        ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
        keys,
    )
    assert "CreateKmsKeys" not in plan and "EncryptFolderMarkersWithBucketKeys" not in plan
    check = by_sid(pipeline_policy(shape, "check").document)
    assert check["CheckReadsKmsKeysAndDecryptsFiles"] == (
        ["kms:Decrypt", "kms:DescribeKey", "kms:GetKeyPolicy"],
        keys,
    )
    assert check["UploadCommandEncryptsWithBucketKeys"] == (["kms:GenerateDataKey"], keys)


def test_an_existing_kms_key_is_used_by_its_arn_and_never_managed() -> None:
    key = f"arn:aws:kms:us-east-1:{OTHER_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    shape = config(endpoint("cur", existing_bucket=True, encryption="sse-kms", kms_key=key))
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    assert deploy["EncryptFolderMarkersWithBucketKeys"] == (["kms:GenerateDataKey"], [key])
    assert not {sid for sid in deploy if "KmsKeys" in sid or "Alias" in sid}
    check = by_sid(pipeline_policy(shape, "check").document)
    assert check["CheckReadsKmsKeysAndDecryptsFiles"][1] == [key]


def test_the_s3_state_backend_reads_and_writes_its_state_object_and_lock_file() -> None:
    state = {"backend": "s3", "bucket": "acme-terraform-state", "key": "team/finout"}
    shape = config(endpoint("main"), endpoint("eu", region="eu-west-1"), state=state)
    base = "arn:aws:s3:::acme-terraform-state/team/finout"
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    assert deploy["ListTerraformStateBucket"] == (
        ["s3:ListBucket"],
        ["arn:aws:s3:::acme-terraform-state"],
    )
    assert deploy["WriteTerraformState"] == (
        ["s3:GetObject", "s3:PutObject"],
        [f"{base}/eu.tfstate", f"{base}/main.tfstate"],
    )
    assert deploy["LockTerraformState"] == (
        ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        [f"{base}/eu.tfstate.tflock", f"{base}/main.tfstate.tflock"],
    )
    plan = by_sid(pipeline_policy(shape, "plan").document)
    assert plan["ReadTerraformState"] == (
        ["s3:GetObject"],
        [f"{base}/eu.tfstate", f"{base}/main.tfstate"],
    )
    # A plan takes the lock too.
    assert plan["LockTerraformState"] == deploy["LockTerraformState"]
    check = by_sid(pipeline_policy(shape, "check").document)
    assert not {sid for sid in check if "TerraformState" in sid}


def test_without_a_lock_file_there_is_no_lock_statement() -> None:
    state = {"backend": "s3", "bucket": "acme-terraform-state", "use_lockfile": False}
    deploy = by_sid(pipeline_policy(config(endpoint("main"), state=state), "deploy").document)
    assert "LockTerraformState" not in deploy
    assert deploy["WriteTerraformState"][1] == [
        "arn:aws:s3:::acme-terraform-state/finout-telemetry/main.tfstate"
    ]


def test_every_arn_is_in_the_regions_partition() -> None:
    state = {"backend": "s3", "bucket": "acme-terraform-state"}
    shape = config(
        endpoint("cn", region="cn-north-1", encryption="sse-kms", kms_key="create"),
        endpoint("cn-cur", region="cn-northwest-1", existing_bucket=True),
        state=state,
    )
    for purpose in ("deploy", "plan", "check"):
        resources = [
            r for _, rs in by_sid(pipeline_policy(shape, purpose).document).values() for r in rs
        ]
        arns = [r for r in resources if r != "*"]
        assert arns and all(r.startswith("arn:aws-cn:") for r in arns), (purpose, arns)
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    assert deploy["ManageCreatedKmsKeys"][1] == [f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/*"]
    assert deploy["ManageFinoutRoles"][1] == [
        f"arn:aws-cn:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole-cn",
        f"arn:aws-cn:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole-cn-cur",
    ]


def test_without_account_id_the_account_is_a_wildcard() -> None:
    unpinned = endpoint("main", encryption="sse-kms", kms_key="create")
    del unpinned["account_id"]
    deploy = by_sid(pipeline_policy(config(unpinned), "deploy").document)
    assert deploy["ManageFinoutRoles"][1] == ["arn:aws:iam::*:role/FinoutMetricsReadOnlyRole-main"]
    assert deploy["ManageCreatedKmsKeys"][1] == ["arn:aws:kms:us-east-1:*:key/*"]


def test_the_check_policy_reads_and_lets_upload_write_daily_files_only() -> None:
    shape = config(endpoint("main", prefix="finout"), endpoint("cur", existing_bucket=True))
    check = by_sid(pipeline_policy(shape, "check").document)
    roles = [f"arn:aws:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole-{n}" for n in ("cur", "main")]
    assert check["CheckReadsBuckets"] == (
        [
            "s3:GetBucketLocation",
            "s3:GetBucketOwnershipControls",
            "s3:GetBucketPolicy",
            "s3:GetEncryptionConfiguration",
            "s3:ListBucket",
        ],
        ["arn:aws:s3:::acme-cur", "arn:aws:s3:::acme-main"],
    )
    assert check["CheckReadsCreatedBucketDefaults"][1] == ["arn:aws:s3:::acme-main"]
    assert check["CheckReadsExistingBucketOwner"] == (
        ["s3:GetBucketAcl"],
        ["arn:aws:s3:::acme-cur"],
    )
    assert check["CheckReadsFileOwnersInExistingBuckets"] == (
        ["s3:GetObjectAcl"],
        ["arn:aws:s3:::acme-cur/bytes/*", "arn:aws:s3:::acme-cur/requests/*"],
    )
    assert check["CheckReadsFinoutRoles"][0] == [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:SimulatePrincipalPolicy",
    ]
    assert check["CheckReadsFinoutRoles"][1] == roles
    assert check["CheckReadsPoliciesOnFinoutRoles"][1] == [
        f"arn:aws:iam::{ACCOUNT}:policy/*",
        "arn:aws:iam::aws:policy/*",
    ]
    assert check["UploadCommandWritesDailyFilesIntoFolders"] == (
        ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
        [
            "arn:aws:s3:::acme-cur/bytes/????-??-??.csv",
            "arn:aws:s3:::acme-cur/requests/????-??-??.csv",
            "arn:aws:s3:::acme-main/finout/bytes/????-??-??.csv",
            "arn:aws:s3:::acme-main/finout/requests/????-??-??.csv",
        ],
    )
    writers = {sid for sid, (actions, _) in check.items() if any(":Put" in a for a in actions)}
    assert writers == {"UploadCommandWritesDailyFilesIntoFolders"}
    # The files `upload` writes match; the folder marker and other keys do not.
    daily = check["UploadCommandWritesDailyFilesIntoFolders"][1]
    assert any(resource_matches(p, "arn:aws:s3:::acme-cur/bytes/2024-05-31.csv") for p in daily)
    assert not any(resource_matches(p, "arn:aws:s3:::acme-cur/bytes/") for p in daily)
    assert not any(resource_matches(p, "arn:aws:s3:::acme-cur/bytes/notes.txt") for p in daily)


def test_the_plan_policy_writes_nothing_but_the_lock_file() -> None:
    state = {"backend": "s3", "bucket": "acme-terraform-state"}
    data = yaml.safe_load(EXAMPLE.read_text())
    shape = parse_config(yaml.safe_dump({**data, "state": state}))
    for _, (actions, resources) in by_sid(pipeline_policy(shape, "plan").document).items():
        writes = [a for a in actions if re.match(r"[a-z0-9]+:(Put|Create|Delete|Update|Tag)", a)]
        if writes:
            assert all(r.endswith(".tflock") for r in resources), (writes, resources)


# -- Size and grouping --------------------------------------------------------------------------


def many_endpoints_data(count: int, *, interleaved: bool = False) -> dict[str, Any]:
    """`count` endpoints in one account: created buckets (some SSE-KMS with a created key) and
    existing ones; with `interleaved` both kinds share one name prefix."""
    endpoints = []
    for i in range(count):
        existing = i % 3 == 0
        kind = "team" if interleaved or not existing else "cur"
        fields: dict[str, Any] = {
            "region": "us-east-1" if i % 2 else "eu-west-1",
            "bucket": f"acme-{kind}-telemetry-{i:03d}",
            "prefix": "finout",
            "role_name": f"FinoutMetricsReadOnlyRole-{i:03d}",
        }
        if existing:
            fields["existing_bucket"] = True
        elif i % 5 == 1:
            fields.update(encryption="sse-kms", kms_key="create")
        endpoints.append(endpoint(f"team-{i:03d}", **fields))
    return {
        "finout": {"principal": "123456789012"},
        "state": {"backend": "s3", "bucket": "acme-terraform-state"},
        "endpoints": endpoints,
    }


def many_endpoints(count: int, *, interleaved: bool = False) -> Config:
    return parse_config(yaml.safe_dump(many_endpoints_data(count, interleaved=interleaved)))


def exact_resources(shape: Config, purpose: Any) -> dict[str, list[str]]:
    """Each statement's resources before grouping: the policy of each endpoint alone, merged."""
    found: dict[str, list[str]] = {}
    for one in shape.endpoints:
        for sid, (_, resources) in by_sid(pipeline_policy(shape, purpose, [one]).document).items():
            found.setdefault(sid, []).extend(resources)
    return found


@pytest.mark.parametrize("purpose", ["deploy", "plan", "check"])
def test_200_endpoints_fit_a_managed_policy_and_every_resource_is_still_covered(
    purpose: Any,
) -> None:
    shape = many_endpoints(200)
    policy = pipeline_policy(shape, purpose)
    assert policy.exact_size > MANAGED_POLICY_LIMIT
    assert policy.size <= MANAGED_POLICY_LIMIT
    assert policy.wildcards
    grouped = by_sid(policy.document)
    for sid, resources in exact_resources(shape, purpose).items():
        patterns = grouped[sid][1]
        missing = [r for r in resources if not any(resource_matches(p, r) for p in patterns)]
        assert missing == [], sid


def test_a_wildcard_never_covers_a_bucket_it_does_not_stand_for() -> None:
    shape = many_endpoints(200)
    deploy = by_sid(pipeline_policy(shape, "deploy").document)
    existing = [e.bucket_arn for e in shape.endpoints if e.existing_bucket]
    state = "arn:aws:s3:::acme-terraform-state"
    for sid in ("ManageCreatedBuckets", "ListVersionsToEmptyForceDestroyedBuckets"):
        for pattern in deploy.get(sid, ([], []))[1]:
            assert not any(resource_matches(pattern, b) for b in [*existing, state]), pattern
    assert deploy["ManageCreatedBuckets"][1] == ["arn:aws:s3:::acme-team-telemetry-*"]
    assert deploy["ReadExistingBuckets"][1] == ["arn:aws:s3:::acme-cur-telemetry-*"]


def test_names_that_no_wildcard_can_separate_stay_exact_and_the_command_says_how_to_split(
    tmp_path: Path,
) -> None:
    shape = many_endpoints(200, interleaved=True)
    policy = pipeline_policy(shape, "deploy")
    assert not policy.fits_managed_policy
    created = by_sid(policy.document)["ManageCreatedBuckets"][1]
    existing = [e.bucket_arn for e in shape.endpoints if e.existing_bucket]
    assert not any(resource_matches(p, b) for p in created for b in existing)
    data = many_endpoints_data(200, interleaved=True)
    code, out, err = run("permissions", "--for", "deploy", "-c", str(write(tmp_path, data)))
    assert code == 0
    assert json.loads(out) == policy.document
    warning = [line for line in err.splitlines() if "warning:" in line]
    assert len(warning) == 1
    assert f"over IAM's {MANAGED_POLICY_LIMIT:,}" in warning[0]
    assert "name prefix" in warning[0]


# -- The command ----------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["deploy", "plan", "check"])
def test_the_example_prints_a_policy_iam_accepts(purpose: Any) -> None:
    code, out, _ = run("permissions", "--for", purpose, "-c", str(EXAMPLE))
    assert code == 0
    document = json.loads(out)
    assert out == json.dumps(document, indent=2) + "\n"  # pretty, in the order it was built
    assert list(document) == ["Version", "Statement"]
    assert policy_size(document) <= MANAGED_POLICY_LIMIT
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids))
    assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)
    for statement in document["Statement"]:
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", a) for a in statement["Action"])
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            assert resource == "*" or re.fullmatch(
                r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:[0-9*a-z]*:.+", resource
            )
    assert document == pipeline_policy(load_config(EXAMPLE), purpose).document


def test_grouping_is_reported_on_stderr() -> None:
    code, _, err = run("permissions", "--for", "check", "-c", str(EXAMPLE))
    assert code == 0
    (note,) = err.splitlines()
    assert note.startswith("finout-telemetry: note: with exact resources the policy would hold ")
    assert "arn:aws:s3:::acme-finout-telemetry/finout/telemetry/*/????-??-??.csv" in note


ACCOUNTS: dict[str, Any] = {
    "prod": {
        "account_id": ACCOUNT,
        "deploy_role_arn": f"arn:aws:iam::{ACCOUNT}:role/finout-deploy",
        "check_role_arn": f"arn:aws:iam::{ACCOUNT}:role/finout-check",
    },
    "data": {
        "account_id": OTHER_ACCOUNT,
        "deploy_role_arn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/finout-deploy",
    },
}


def accounts_config(tmp_path: Path) -> Path:
    endpoints = [endpoint("main", account="prod"), endpoint("lake", account="data")]
    for each in endpoints:
        del each["account_id"]
    data = {"finout": {"principal": "123456789012"}, "accounts": ACCOUNTS, "endpoints": endpoints}
    return write(tmp_path, data)


def test_account_limits_the_policy_to_that_accounts_endpoints(tmp_path: Path) -> None:
    path = accounts_config(tmp_path)
    code, out, _ = run("permissions", "--for", "deploy", "--account", "data", "-c", str(path))
    assert code == 0
    text = json.dumps(json.loads(out))
    assert "acme-lake" in text and OTHER_ACCOUNT in text
    assert "acme-main" not in text and ACCOUNT not in text
    # The pipeline's own roles are not in it: the policy is for them.
    assert "finout-deploy" not in text and "sts:AssumeRole" not in text
    code, out, _ = run("permissions", "--for", "deploy", "-c", str(path))
    assert code == 0
    assert "acme-lake" in out and "acme-main" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--account", "nope"],
            "--account 'nope' is not an account of the config's `accounts:`; use one of: "
            "data, prod",
        ),
        (["--for", "apply"], "argument --for: invalid choice: 'apply'"),
        ([], "--for is missing: pass --for deploy (npx cdktf deploy and destroy), --for plan"),
        (["--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    ],
)
def test_bad_flags_are_one_line_naming_the_flag_and_exit_2(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    flags = argv if "--for" in argv or not argv else ["--for", "deploy", *argv]
    code, out, err = run("permissions", *flags, "-c", str(accounts_config(tmp_path)))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert expected in err


def test_an_account_name_without_accounts_in_the_config_says_so() -> None:
    code, _, err = run("permissions", "--for", "plan", "--account", "prod", "-c", str(EXAMPLE))
    assert code == 2
    assert err.splitlines() == [
        "finout-telemetry: error: --account 'prod' is not an account of the config's "
        "`accounts:`; the config has no `accounts:`"
    ]


def test_a_bad_config_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, {"finout": {"principal": "*"}, "endpoints": []})
    code, out, err = run("permissions", "--for", "deploy", "-c", str(path))
    assert code == 2
    assert out == "" and "finout.principal" in err


# -- The emulator's authorization (local/moto_authorization.py) --------------------------------


def test_the_emulator_authorizes_kms_on_the_key_and_alias_aws_names() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k-1"

    def key_of_alias(alias: str) -> str | None:
        return "k-1" if alias == "alias/finout-telemetry-main" else None

    where = {"partition": "aws", "region": "us-east-1", "account": ACCOUNT}
    alias = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/finout-telemetry-main"
    create = {"AliasName": "alias/finout-telemetry-main", "TargetKeyId": "k-1"}
    assert kms_resources("CreateAlias", create, key_of_alias=key_of_alias, **where) == [alias, key]
    delete = {"AliasName": "alias/finout-telemetry-main"}
    assert kms_resources("DeleteAlias", delete, key_of_alias=key_of_alias, **where) == [alias, key]
    assert kms_resources("DescribeKey", {"KeyId": key}, key_of_alias=key_of_alias, **where) == [key]
    by_alias = {"KeyId": "alias/finout-telemetry-main"}
    assert kms_resources("DescribeKey", by_alias, key_of_alias=key_of_alias, **where) == [key]
    assert kms_resources("CreateKey", {}, key_of_alias=key_of_alias, **where) == ["*"]


# -- The pipeline identity (--for pipeline) ---------------------------------------------------

PIPELINE_ACCOUNTS = {
    "prod": {
        "account_id": ACCOUNT,
        "deploy_role_arn": f"arn:aws:iam::{ACCOUNT}:role/deploy",
        "check_role_arn": f"arn:aws:iam::{ACCOUNT}:role/check",
    },
    "other": {
        "account_id": OTHER_ACCOUNT,
        "deploy_role_arn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci/deploy",
        "plan_role_arn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci/plan",
    },
}
STATE = {"backend": "s3", "bucket": "acme-terraform-state", "key": "team/finout"}


def pipeline_config() -> dict[str, Any]:
    first = endpoint("main", account="prod")
    second = endpoint("eu", region="eu-west-1", account="other")
    for item in (first, second):
        item.pop("account_id")
    return {
        "finout": {"principal": "123456789012"},
        "accounts": PIPELINE_ACCOUNTS,
        "state": STATE,
        "endpoints": [first, second],
    }


def test_the_pipeline_identity_assumes_each_accounts_roles_and_holds_the_state(
    tmp_path: Path,
) -> None:
    code, out, err = run("permissions", "-c", str(write(tmp_path, pipeline_config())), "--for",
                         "pipeline")  # fmt: skip
    assert (code, err) == (0, "")
    base = "arn:aws:s3:::acme-terraform-state/team/finout"
    assert by_sid(json.loads(out)) == {
        "ReadCallerIdentity": (["sts:GetCallerIdentity"], ["*"]),
        "AssumeTheAccountsRoles": (
            ["sts:AssumeRole"],
            [
                f"arn:aws:iam::{ACCOUNT}:role/check",
                f"arn:aws:iam::{ACCOUNT}:role/deploy",
                f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci/deploy",
                f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci/plan",
            ],
        ),
        "ListTerraformStateBucket": (["s3:ListBucket"], ["arn:aws:s3:::acme-terraform-state"]),
        "WriteTerraformState": (
            ["s3:GetObject", "s3:PutObject"],
            [f"{base}/eu.tfstate", f"{base}/main.tfstate"],
        ),
        "LockTerraformState": (
            ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            [f"{base}/eu.tfstate.tflock", f"{base}/main.tfstate.tflock"],
        ),
    }


def test_an_accounts_deploy_role_holds_no_state_the_backend_reaches_it_as_the_pipeline(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, pipeline_config())
    for purpose in ("deploy", "plan"):
        code, out, _ = run("permissions", "-c", str(path), "--for", purpose, "--account", "prod")
        assert code == 0
        assert not [sid for sid in by_sid(json.loads(out)) if "TerraformState" in sid]


def test_the_pipeline_identity_of_one_account(tmp_path: Path) -> None:
    path = write(tmp_path, pipeline_config())
    code, out, _ = run("permissions", "-c", str(path), "--for", "pipeline", "--account", "other")
    assert code == 0
    statements = by_sid(json.loads(out))
    assert statements["AssumeTheAccountsRoles"][1] == [
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci/deploy",
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci/plan",
    ]
    assert statements["WriteTerraformState"][1] == [
        "arn:aws:s3:::acme-terraform-state/team/finout/eu.tfstate"
    ]


def test_the_pipeline_identity_of_a_config_without_accounts_is_refused() -> None:
    code, out, err = run("permissions", "-c", str(EXAMPLE), "--for", "pipeline")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert "no endpoint here names an account" in err
