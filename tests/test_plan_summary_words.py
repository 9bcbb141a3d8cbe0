"""The plan summary on hand-written plans: external ID and principal changes said in words,
destructive changes warned first, Finout's form values, escaping."""

from __future__ import annotations

import json

from plan_json import folder, output, resource, role_update, stack_plan, trust_document

from finout_s3_telemetry.plan_summary import renderer, summarize
from finout_s3_telemetry.plan_summary.plan_model import StackPlan

FINOUT = "arn:aws:iam::123456789012:root"
OTHER = "arn:aws:iam::210987654321:root"


def markdown(*plans: StackPlan) -> str:
    return renderer("markdown").render(summarize(plans))


def text(*plans: StackPlan) -> str:
    return renderer("text").render(summarize(plans))


def both(*plans: StackPlan) -> list[str]:
    return [markdown(*plans), text(*plans)]


def test_an_external_id_change_is_said_in_words() -> None:
    plan = stack_plan(
        "main",
        [role_update(trust_document(FINOUT, "finout-aaa"), trust_document(FINOUT, "finout-bbb"))],
    )
    for rendered in both(plan):
        assert "External ID changes from finout-aaa to finout-bbb." in rendered
        assert "Principal changes" not in rendered
        assert "make sure the Finout console shows it" in rendered


def test_a_principal_change_is_said_in_words() -> None:
    plan = stack_plan(
        "main",
        [role_update(trust_document(FINOUT, "finout-aaa"), trust_document(OTHER, "finout-aaa"))],
    )
    for rendered in both(plan):
        assert f"Principal changes from {FINOUT} to {OTHER}." in rendered
        assert "External ID changes" not in rendered


def test_several_external_ids_and_principals_are_listed() -> None:
    before = trust_document([FINOUT, OTHER], ["finout-aaa", "finout-bbb"])
    after = trust_document(FINOUT, "finout-ccc")
    rendered = text(stack_plan("main", [role_update(before, after)]))
    assert "External IDs change from finout-aaa, finout-bbb to finout-ccc." in rendered
    assert f"Principals change from {FINOUT}, {OTHER} to {FINOUT}." in rendered


def test_removing_the_external_id_condition_is_called_out() -> None:
    plan = stack_plan(
        "main", [role_update(trust_document(FINOUT, "finout-aaa"), trust_document(FINOUT, None))]
    )
    rendered = text(plan)
    assert "External ID condition removed (was finout-aaa)." in rendered
    assert "No external ID condition: any caller from the trusted principals" in rendered


def test_a_wildcard_principal_is_called_out() -> None:
    rendered = text(
        stack_plan("main", [role_update(trust_document(FINOUT, "x"), trust_document("*", "x"))])
    )
    assert f"Principal changes from {FINOUT} to *." in rendered
    assert "Principal * lets any AWS account assume the role." in rendered


def test_a_new_role_states_who_may_assume_it() -> None:
    role = resource(
        "aws_iam_role.finout_role",
        "create",
        after={"name": "R", "assume_role_policy": trust_document(FINOUT, "finout-aaa")},
    )
    rendered = text(stack_plan("main", [role]))
    assert f"New trust: {FINOUT} may assume the role with external ID finout-aaa." in rendered


def test_reordered_keys_are_no_policy_change() -> None:
    document = trust_document(FINOUT, "finout-aaa")
    reordered = json.dumps(dict(reversed(list(json.loads(document).items()))))
    assert reordered != document
    summary = summarize([stack_plan("main", [role_update(document, reordered)])])
    assert summary.stacks[0].policy_changes == ()


def test_the_policy_diff_is_pretty_json_in_a_diff_block() -> None:
    plan = stack_plan(
        "main",
        [role_update(trust_document(FINOUT, "finout-aaa"), trust_document(FINOUT, "finout-bbb"))],
    )
    rendered = markdown(plan)
    assert "```diff\n" in rendered
    assert '-          "sts:ExternalId": "finout-aaa"\n' in rendered
    assert '+          "sts:ExternalId": "finout-bbb"\n' in rendered
    assert (
        "<details><summary>Trust policy of aws_iam_role.finout_role (update)</summary>" in rendered
    )


def test_destructive_changes_come_first_as_warnings() -> None:
    bucket = resource(
        "aws_s3_bucket.telemetry_bucket",
        "replace",
        {"bucket": "acme-old", "force_destroy": False},
        {"bucket": "acme-new", "force_destroy": False},
        replace_paths=[["bucket"]],
    )
    role = resource("aws_iam_role.finout_role", "delete", {"name": "FinoutMetricsReadOnlyRole"})
    policy = resource("aws_iam_role_policy.finout_role", "delete", {"name": "finest-access"})
    quiet = stack_plan("aaa-first", [folder("bytes")])
    loud = stack_plan("main", [bucket, role, policy])
    rendered = markdown(quiet, loud)
    warning = rendered.index("> [!WARNING]")
    assert warning < rendered.index("### ")
    assert (
        "The bucket `acme-old` (`aws_s3_bucket.telemetry_bucket`) will be replaced (destroyed, "
        "then created again) because `bucket` changes from acme-old to acme-new."
    ) in rendered
    assert "force_destroy is off, so the apply fails while the bucket holds files" in rendered
    assert (
        "The role `FinoutMetricsReadOnlyRole` (`aws_iam_role.finout_role`) will be DELETED"
        in rendered
    )
    assert "The inline policy `finest-access`" in rendered
    assert "### ⚠️ `main`: 0 to create, 0 to update, 1 to replace, 2 to delete" in rendered
    assert "### `aaa-first`: 1 to create" in rendered


def test_folder_changes_are_not_warnings_but_listed() -> None:
    plan = stack_plan("main", [folder("bytes"), folder("old", "delete")])
    rendered = markdown(plan)
    assert "[!WARNING]" not in rendered
    assert "New telemetry folder in bucket `acme-finout-telemetry`: send this prefix" in rendered
    assert "- `finout/telemetry/bytes/`" in rendered
    assert "Telemetry folders removed (only the empty folder objects" in rendered
    assert "- `finout/telemetry/old/`" in rendered


def test_a_new_endpoint_gets_the_form_values_with_the_role_arn_known_after_apply() -> None:
    outputs = {
        "finout_role_arn": output("create", unknown=True),
        "finout_bucket_name": output("create", after="acme-finout-telemetry"),
        "finout_s3_path_prefix": output("create", after=""),
        "finout_region": output("create", after="eu-west-1"),
        "finout_external_id": output("create", after="finout-aaa"),
    }
    rendered = markdown(stack_plan("main", [folder("bytes")], outputs))
    assert "New endpoint: add it in Finout under Settings → Endpoints → Add Amazon S3" in rendered
    assert "| Role ARN | known after apply: the deploy prints it as `finout_role_arn` |" in rendered
    assert "| Bucket name | `acme-finout-telemetry` |" in rendered
    assert "| S3 path prefix | `(leave empty)` |" in rendered
    assert "| Region | `eu-west-1` |" in rendered


def test_a_changed_endpoint_shows_old_and_new_values() -> None:
    arn = "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole"
    outputs = {
        "finout_role_arn": output("no-op", arn, arn),
        "finout_bucket_name": output("update", "acme-old", "acme-new"),
        "finout_region": output("no-op", "us-east-1", "us-east-1"),
    }
    rendered = text(stack_plan("main", [], outputs))
    assert "Endpoint values change: edit this endpoint in Finout" in rendered
    assert "Bucket name     acme-new (was acme-old)" in rendered
    assert "Region          us-east-1\n" in rendered


def test_unchanged_stacks_share_one_line() -> None:
    rendered = markdown(stack_plan("a", []), stack_plan("b", []), stack_plan("c", [folder("x")]))
    assert "3 stacks: 1 with changes, 2 unchanged." in rendered
    assert "**Unchanged stacks:** `a`, `b`.\n" in rendered
    assert rendered.count("### ") == 1


def test_markdown_special_characters_are_escaped() -> None:
    plan = stack_plan(
        "main",
        [role_update(trust_document(FINOUT, "a|b"), trust_document(FINOUT, "<c>*d*```"))],
    )
    rendered = markdown(plan)
    assert r"External ID changes from a\|b to \<c\>\*d\*\`\`\`." in rendered
    # The diff's fence is longer than any run of backticks inside it.
    assert "````diff\n" in rendered


def test_text_has_no_markdown() -> None:
    plan = stack_plan(
        "main",
        [role_update(trust_document(FINOUT, "finout-aaa"), trust_document(FINOUT, "finout-bbb"))],
    )
    rendered = text(plan)
    assert "`" not in rendered and "<details>" not in rendered and "**" not in rendered
    assert "== main: 0 to create, 1 to update, 0 to replace, 0 to delete" in rendered
