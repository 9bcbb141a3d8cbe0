"""The access mode in the plan summary: a new endpoint's form names the access to pick in
Finout, and a plan that changes an existing endpoint's access is a warning (Finout cannot change
it). Hand-written plans, as in test_plan_summary_words.py; the snapshots of real plans of the
default mode hold that its summaries did not change."""

from __future__ import annotations

from typing import Any

from plan_json import output, stack_plan

from finout_s3_telemetry.plan_summary import renderer, summarize
from finout_s3_telemetry.plan_summary.plan_model import StackPlan

ROLE_ARN = "arn:aws:iam::111122223333:role/FinoutMetricsReadOnlyRole"
MODE_CHANGE = "Finout cannot change an endpoint's mode: create a new endpoint in Finout"


def both(plan: StackPlan) -> list[str]:
    summary = summarize([plan])
    return [renderer("markdown").render(summary), renderer("text").render(summary)]


def new_endpoint(access: str | None) -> dict[str, dict[str, Any]]:
    outputs = {
        "finout_role_arn": output("create", unknown=True),
        "finout_bucket_name": output("create", after="acme-finout-telemetry"),
        "finout_s3_path_prefix": output("create", after="finout"),
        "finout_region": output("create", after="us-east-1"),
        "finout_external_id": output("create", after="finout-aaa"),
    }
    if access is not None:
        outputs["finout_access"] = output("create", after=access)
    return outputs


def existing_endpoint(access: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    outputs = {"finout_role_arn": output("no-op", before=ROLE_ARN, after=ROLE_ARN)}
    if access is not None:
        outputs["finout_access"] = access
    return outputs


def test_a_new_endpoint_names_the_access_to_pick() -> None:
    for access, expected in ((None, "Read only"), ("Read and write", "Read and write")):
        for rendered in both(stack_plan("main", [], new_endpoint(access))):
            assert f"Add Amazon S3 (access: {expected}):" in rendered
            assert MODE_CHANGE not in rendered


def test_read_only_to_read_write_is_a_warning() -> None:
    plan = stack_plan("main", [], existing_endpoint(output("create", after="Read and write")))
    for rendered in both(plan):
        assert "Access changes from Read only to Read and write." in rendered
        assert MODE_CHANGE in rendered
        assert "changes of an endpoint's access mode" in rendered


def test_read_write_to_read_only_is_a_warning() -> None:
    plan = stack_plan("main", [], existing_endpoint(output("delete", before="Read and write")))
    for rendered in both(plan):
        assert "Access changes from Read and write to Read only." in rendered


def test_scoping_a_read_only_endpoint_keeps_finouts_mode() -> None:
    # read_only -> read_only_scoped: the policy narrows, but Finout's access stays "Read only".
    plan = stack_plan("main", [], existing_endpoint(output("create", after="Read only")))
    for rendered in both(plan):
        assert MODE_CHANGE not in rendered
        assert "access mode" not in rendered


def test_a_new_endpoint_is_no_mode_change() -> None:
    for rendered in both(stack_plan("main", [], new_endpoint("Read and write"))):
        assert MODE_CHANGE not in rendered
