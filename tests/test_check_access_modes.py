"""The checker judges each access mode by its own policy: FINOUT-IAM-003 compares with the mode's
rendered template, FINOUT-IAM-005 proves the reads (and a read_write role's uploads) the mode
allows and, for a scoped role, that nothing beside its prefix is readable, FINOUT-IAM-006 that
nothing else is writable. Snapshots are built here; the emulator deploy is in
test_access_modes_deploy.py."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from check_helpers import endpoint_raw, make_config, ran

from finout_s3_telemetry.check.access_answers import (
    SIMULATION_METHOD,
    AccessInputs,
    evaluate_access,
)
from finout_s3_telemetry.check.checks.access import can_read, cannot_write
from finout_s3_telemetry.check.checks.inline_policy import inline_policy
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.finout_session import base_context
from finout_s3_telemetry.check.model import Status
from finout_s3_telemetry.check.probes import access_probes, grouped
from finout_s3_telemetry.check.snapshot import (
    Decision,
    EndpointSnapshot,
    Read,
    RoleInfo,
    Simulation,
)
from finout_s3_telemetry.config.model import Config
from finout_s3_telemetry.policy_documents import PolicyDocument, access_policy

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
BUCKET_ARN = "arn:aws:s3:::acme-finout-telemetry"

MODES: dict[str, dict[str, Any]] = {
    "read_only": {},
    "read_only_scoped": {"access": "read_only_scoped"},
    "read_write": {"access": "read_write", "write_prefix": "finout/exports"},
}


def config_of(mode: str) -> Config:
    return make_config(endpoint_raw(**MODES[mode]))


def rendered(config: Config) -> PolicyDocument:
    endpoint = config.endpoints[0]
    return access_policy(
        endpoint.access, endpoint.bucket_arn, endpoint.prefix, endpoint.write_prefix
    )


def context(
    config: Config, policy: PolicyDocument, simulation: Simulation | None = None
) -> EndpointContext:
    endpoint = config.endpoints[0]
    snapshot = EndpointSnapshot(
        "main",
        role=Read.found(RoleInfo(endpoint.role_name, ROLE_ARN, {})),
        inline_policy=Read.found(policy),
        simulation=simulation,
    )
    session = base_context(ROLE_ARN, endpoint.region, None, NOW)
    inputs = AccessInputs(ROLE_ARN, ACCOUNT, endpoint.prefix, session)
    access = evaluate_access(snapshot, access_probes(endpoint, ROLE_ARN), inputs)
    return EndpointContext(config, endpoint, snapshot, ACCOUNT, access=access, now=NOW)


def statuses(ctx: EndpointContext) -> dict[str, Status]:
    return {spec.id: ran(spec, ctx).status for spec in (inline_policy, can_read, cannot_write)}


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_passes_with_its_own_policy(mode: str) -> None:
    config = config_of(mode)
    ctx = context(config, rendered(config))
    assert statuses(ctx) == {
        "FINOUT-IAM-003": Status.PASS,
        "FINOUT-IAM-005": Status.PASS,
        "FINOUT-IAM-006": Status.PASS,
    }
    assert f"access {mode}" in ran(inline_policy, ctx).detail


def test_the_read_only_mode_is_finouts_documented_policy() -> None:
    config = config_of("read_only")
    assert rendered(config) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["tag:GetTagKeys"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": f"{BUCKET_ARN}/*"},
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": BUCKET_ARN},
        ],
    }


def test_a_scoped_role_widened_to_the_whole_bucket_fails() -> None:
    config = config_of("read_only_scoped")
    widened = access_policy("read_only", BUCKET_ARN)
    ctx = context(config, widened)
    assert statuses(ctx)["FINOUT-IAM-003"] is Status.FAIL
    read = ran(can_read, ctx)
    assert read.status is Status.FAIL
    assert f"s3:GetObject on 2 resources (e.g. {BUCKET_ARN}/finout-check-probe.csv)" in read.detail
    assert "outside prefix finout/telemetry/" in read.detail
    assert ran(cannot_write, ctx).status is Status.PASS


def test_a_scoped_listing_without_its_prefix_condition_fails() -> None:
    config = config_of("read_only_scoped")
    policy = copy.deepcopy(rendered(config))
    for statement in policy["Statement"]:
        statement.pop("Condition", None)
    read = ran(can_read, context(config, policy))
    assert read.status is Status.FAIL
    assert f"s3:ListBucket on {BUCKET_ARN}, outside prefix" in read.detail


def test_a_scoped_policy_missing_the_slash_reaches_a_sibling_folder() -> None:
    # `finout/telemetry*` also reads `finout/telemetry-archive/…`.
    config = config_of("read_only_scoped")
    policy = copy.deepcopy(rendered(config))
    policy["Statement"][3]["Resource"] = f"{BUCKET_ARN}/finout/telemetry*"
    read = ran(can_read, context(config, policy))
    assert read.status is Status.FAIL
    assert f"{BUCKET_ARN}/finout/telemetry-finout-check-probe.csv" in read.detail


def test_a_scoped_role_that_cannot_list_its_prefix_fails() -> None:
    config = config_of("read_only_scoped")
    policy = copy.deepcopy(rendered(config))
    policy["Statement"][2]["Condition"] = {"StringLike": {"s3:prefix": "elsewhere/*"}}
    read = ran(can_read, context(config, policy))
    assert read.status is Status.FAIL
    assert "is not allowed s3:ListBucket" in read.detail


def test_read_write_allowed_uploads_do_not_fail_the_write_check() -> None:
    config = config_of("read_write")
    ctx = context(config, rendered(config))
    write = ran(cannot_write, ctx)
    assert write.status is Status.PASS
    assert "outside finout/exports/" in write.detail
    assert "may upload under finout/exports/" in ran(can_read, ctx).detail


def test_read_write_widened_to_the_whole_bucket_fails_the_write_check() -> None:
    config = config_of("read_write")
    policy = copy.deepcopy(rendered(config))
    policy["Statement"][3]["Resource"] = f"{BUCKET_ARN}/*"
    write = ran(cannot_write, context(config, policy))
    assert write.status is Status.FAIL
    assert "s3:PutObject" in write.detail
    assert "Finout may only upload under finout/exports/" in write.detail
    assert f"{BUCKET_ARN}/finout/telemetry/bytes/finout-check-probe.csv" in write.detail


def test_read_write_that_may_delete_its_exports_fails() -> None:
    config = config_of("read_write")
    policy = copy.deepcopy(rendered(config))
    policy["Statement"][3]["Action"].append("s3:DeleteObject")
    write = ran(cannot_write, context(config, policy))
    assert write.status is Status.FAIL
    assert f"s3:DeleteObject on {BUCKET_ARN}/finout/exports/finout-check-probe.csv" in write.detail


def test_read_write_without_its_write_statement_fails_the_read_check() -> None:
    config = config_of("read_write")
    ctx = context(config, access_policy("read_only", BUCKET_ARN))
    read = ran(can_read, ctx)
    assert read.status is Status.FAIL
    assert "write its exports" in read.detail
    assert ran(cannot_write, ctx).status is Status.PASS


def test_a_read_only_role_that_gained_upload_rights_fails_the_policy_check() -> None:
    config = config_of("read_only")
    widened = access_policy("read_write", BUCKET_ARN, write_prefix="finout/exports")
    ctx = context(config, widened)
    assert statuses(ctx)["FINOUT-IAM-003"] is Status.FAIL
    # The probes of a read_only endpoint never name the other endpoint's write prefix, but an
    # upload anywhere in the telemetry folders stays refused, so IAM-006 passes on those; the
    # policy drift itself is IAM-003's.
    assert ran(cannot_write, ctx).status is Status.PASS


def simulated(config: Config, allow: set[tuple[str, str]]) -> Simulation:
    """IAM's answers: allowed for the pairs in `allow`, implicitDeny for every other pair of the
    simulated groups."""
    decisions: dict[tuple[str, str], Decision] = {}
    for actions, resources in grouped(access_probes(config.endpoints[0], ROLE_ARN)).values():
        for action in actions:
            for resource in resources:
                pair = (action, resource)
                decisions[pair] = "allowed" if pair in allow else "implicitDeny"
    return Simulation(decisions=decisions)


def test_with_iams_simulator_a_scoped_roles_outside_reads_are_evaluated_locally() -> None:
    config = config_of("read_only_scoped")
    probes = access_probes(config.endpoints[0], ROLE_ARN)
    assert all(p.group != "outside" for p in probes if p.kind != "outside_read")
    # The simulator is never asked about the outside reads: its answers are keyed by action and
    # resource, and the whole-bucket listing shares both with Finout's own listing.
    simulated_pairs = {
        (action, resource)
        for actions, resources in grouped(probes).values()
        for action in actions
        for resource in resources
    }
    assert (
        "s3:GetObject",
        f"{BUCKET_ARN}/finout-check-probe.csv",
    ) not in simulated_pairs
    reads = {(p.action, p.resource) for p in probes if p.kind == "read"}
    widened = access_policy("read_only", BUCKET_ARN)
    ctx = context(config, widened, simulated(config, reads))
    assert ctx.access is not None and ctx.access.method.startswith(SIMULATION_METHOD)
    assert ran(can_read, ctx).status is Status.FAIL
    ctx = context(config, rendered(config), simulated(config, reads))
    assert ran(can_read, ctx).status is Status.PASS
