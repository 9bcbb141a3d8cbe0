"""The plan summary on hand-written plans of SSE-KMS stacks: a KMS key deleted or replaced is
warned about first, and a key policy change says who may decrypt the bucket's files, in words.
(tests/test_kms_deploy.py gets the same sentences from real plans against the emulator.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from plan_json import resource, stack_plan

from finout_s3_telemetry.iam_evaluation import action_matches
from finout_s3_telemetry.plan_summary import renderer, summarize
from finout_s3_telemetry.plan_summary.key_policy_callouts import decrypt_principals
from finout_s3_telemetry.plan_summary.plan_model import StackPlan
from finout_s3_telemetry.plan_summary.wording import WARNINGS_TITLE, WARNINGS_TITLE_WITH_KEYS
from finout_s3_telemetry.policy_documents import kms_key_policy

ROOT = "arn:aws:iam::111122223333:root"
ROLE = "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole"
OTHER = "arn:aws:iam::111122223333:role/Other"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
UNREADABLE = (
    "files encrypted with it become unreadable to everyone, Finout included, once the key is "
    "deleted."
)


def markdown(*plans: StackPlan) -> str:
    return renderer("markdown").render(summarize(plans))


def text(*plans: StackPlan) -> str:
    return renderer("text").render(summarize(plans))


def key_policy(role: str = ROLE) -> str:
    return json.dumps(kms_key_policy(ROOT, role, "us-east-1"))


def key(policy: str, **values: Any) -> dict[str, Any]:
    return {"arn": KEY_ARN, "deletion_window_in_days": 30, "policy": policy, **values}


def key_update(before: str, after: str) -> dict[str, Any]:
    return resource("aws_kms_key.kms_key", "update", key(before), key(after))


def test_a_deleted_key_is_warned_about_first_with_what_follows() -> None:
    plan = stack_plan("main", [resource("aws_kms_key.kms_key", "delete", key(key_policy()))])
    rendered = markdown(plan)
    assert rendered.index("> [!WARNING]") < rendered.index("### ⚠️ `main`")
    assert f"> **{WARNINGS_TITLE_WITH_KEYS}**" in rendered
    assert (
        f"The KMS key `{KEY_ARN}` (`aws_kms_key.kms_key`) will be DELETED. KMS deletes it after "
        "its 30-day waiting period (`aws kms cancel-key-deletion` stops that until then), and "
        + UNREADABLE
    ) in rendered.replace("\\", "")
    assert UNREADABLE in text(plan)
    # A deleted key's policy is not a change of who may decrypt: the warning says it all.
    assert "Who can decrypt" not in rendered


def test_a_replaced_key_cannot_decrypt_what_the_old_one_encrypted() -> None:
    plan = stack_plan(
        "main",
        [
            resource(
                "aws_kms_key.kms_key",
                "replace",
                key(key_policy(), customer_master_key_spec="SYMMETRIC_DEFAULT"),
                key(key_policy(), customer_master_key_spec="HMAC_256"),
                replace_paths=[["customer_master_key_spec"]],
            )
        ],
    )
    rendered = text(plan)
    assert f"WARNING: {WARNINGS_TITLE_WITH_KEYS}:" in rendered
    assert (
        f"The KMS key {KEY_ARN} (aws_kms_key.kms_key) will be replaced (destroyed, then created "
        "again) because customer_master_key_spec changes from SYMMETRIC_DEFAULT to HMAC_256. The "
        "new key cannot decrypt the files the old one encrypted. KMS deletes it after its 30-day "
        f"waiting period (`aws kms cancel-key-deletion` stops that until then), and {UNREADABLE}"
    ) in rendered


def test_without_a_key_warning_the_title_names_no_keys() -> None:
    role = resource("aws_iam_role.finout_role", "delete", {"name": "FinoutMetricsReadOnlyRole"})
    rendered = text(stack_plan("main", [role]))
    assert f"WARNING: {WARNINGS_TITLE}:" in rendered
    assert "KMS key" not in rendered


def test_a_key_policy_change_of_who_may_decrypt_is_said_in_words() -> None:
    plan = stack_plan("main", [key_update(key_policy(ROLE), key_policy(OTHER))])
    for rendered in (markdown(plan), text(plan)):
        assert "Who can decrypt the bucket's files" in rendered
        assert (
            f"Who may decrypt with the key changes from {ROLE}, {ROOT} to {OTHER}, {ROOT}."
            in rendered
        )
        assert f"No longer allowed to decrypt: {ROLE}. Without kms:Decrypt a principal cannot " in (
            rendered
        )
        assert f"Newly allowed to decrypt: {OTHER}; with read access to the bucket" in rendered
        assert "Key policy of aws_kms_key.kms_key (update)" in rendered
        assert "WARNING" not in rendered


def test_a_key_policy_change_that_keeps_who_may_decrypt_is_only_a_diff() -> None:
    after = json.loads(key_policy())
    after["Statement"][1]["Condition"]["StringEquals"]["kms:ViaService"] = "s3.eu-west-1.x"
    rendered = text(stack_plan("main", [key_update(key_policy(), json.dumps(after))]))
    assert "Key policy of aws_kms_key.kms_key (update):" in rendered
    assert "Who can decrypt" not in rendered
    assert '+          "kms:ViaService": "s3.eu-west-1.x"' in rendered


def test_a_wildcard_decrypt_principal_is_called_out() -> None:
    after = json.loads(key_policy())
    after["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    )
    rendered = text(stack_plan("main", [key_update(key_policy(), json.dumps(after))]))
    assert "Newly allowed to decrypt: *;" in rendered
    assert "Principal * lets any AWS account decrypt with the key." in rendered


def test_a_key_policy_known_only_after_apply_says_who_could_decrypt_until_now() -> None:
    change = resource(
        "aws_kms_key.kms_key",
        "update",
        key(key_policy()),
        key(key_policy()),
        after_unknown={"policy": True},
    )
    rendered = text(stack_plan("main", [change]))
    assert (
        f"Who may decrypt with the key is known only after apply; until now: {ROLE}, {ROOT}."
        in rendered
    )


def test_a_new_key_with_a_known_policy_says_who_may_decrypt() -> None:
    created = resource("aws_kms_key.kms_key", "create", after=key(key_policy()))
    rendered = text(stack_plan("main", [created]))
    assert f"New key: {ROLE}, {ROOT} may decrypt with it." in rendered
    assert "WARNING" not in rendered


def test_a_hostile_principal_in_a_key_policy_is_escaped() -> None:
    hostile = "arn:aws:iam::111122223333:role/x\x1b[2J\n## forged"
    rendered = markdown(stack_plan("main", [key_update(key_policy(), key_policy(hostile))]))
    assert "\x1b" not in rendered
    assert "\n## forged" not in rendered


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("kms:Decrypt", True),
        ("KMS:decrypt", True),
        ("kms:*", True),
        ("*", True),
        ("kms:De*t", True),
        ("kms:?ecrypt", True),
        ("kms:Decrypt?", False),
        ("kms:Encrypt", False),
        ("s3:*", False),
        ("", False),
        ("*" * 10_000 + "x", False),
    ],
)
def test_action_matching_follows_iams_wildcards(pattern: str, matches: bool) -> None:
    assert action_matches(pattern, "kms:Decrypt") is matches


def test_decrypt_principals_reads_actions_not_actions_and_effects() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["a", "b"]}, "Action": "kms:*"},
            {"Effect": "Allow", "Principal": {"AWS": "c"}, "NotAction": "kms:Decrypt"},
            {"Effect": "Allow", "Principal": {"AWS": "d"}, "NotAction": "kms:Encrypt"},
            {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "*"},
            {"Effect": "Deny", "Principal": {"AWS": "e"}, "Action": "kms:Decrypt"},
            {"Effect": "Allow", "Principal": {"AWS": "f"}, "Action": "kms:Encrypt"},
            {"Effect": "Allow", "Action": "kms:Decrypt"},
        ]
    }
    assert decrypt_principals(document) == (
        "Service:s3.amazonaws.com",
        "a",
        "b",
        "d",
    )
