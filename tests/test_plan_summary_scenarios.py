"""Plan summaries of real terraform plans against the moto server, snapshotted as markdown.

One endpoint is deployed once; every scenario is a plan against that deployment: the fresh
deploy (planned before it), a no-op, one telemetry added, the external ID changed (in place),
the bucket renamed (replaced) and the endpoint removed (`plan -destroy`).
UPDATE_SNAPSHOTS=1 rewrites tests/snapshots/plan_summary/*.md.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from finout_s3_telemetry.stacks.app import synthesize
from snapshot_files import assert_matches_snapshot

from finout_s3_telemetry.config import parse_config
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.plan_summary import parse_plan, renderer, summarize
from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terraform_runner import Terraform

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

SNAPSHOTS = Path(__file__).parent / "snapshots" / "plan_summary"
BASE: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": "main",
            "region": "us-east-1",
            "bucket": "acme-finout-telemetry",
            "prefix": "finout/telemetry",
            "external_id": "finout-aaa1111",
            "telemetries": ["bytes", "requests"],
        }
    ],
}
CHANGED_CONFIGS: dict[str, dict[str, Any]] = {
    "telemetry-added": {"telemetries": ["bytes", "requests", "gpu_hours"]},
    "external-id-changed": {"external_id": "finout-bbb2222"},
    "bucket-renamed": {"bucket": "acme-finout-telemetry-v2"},
}
SCENARIOS = ["fresh-deploy", "no-op", *CHANGED_CONFIGS, "endpoint-removed"]

Plan = dict[str, Any]


def _config(changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["endpoints"][0].update(changes)
    return data


def _plan(terraform: Terraform, name: str, *flags: str) -> Plan:
    # Plans only read the state, so several may run at once without its lock.
    terraform.plan(*flags, "-lock=false", f"-out={name}.tfplan")
    return terraform.show_json(f"{name}.tfplan")


@pytest.fixture(scope="module")
def plans(local_aws_server: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Plan]:
    local_aws_server.reset()
    root = tmp_path_factory.mktemp("plan-scenarios")
    target = Target("local", local_aws_server.endpoint_url)

    def synth(name: str, data: dict[str, Any]) -> Terraform:
        config = parse_config(yaml.safe_dump(data))
        [stack] = synthesize(config, target, outdir=root / name, state_dir=root)
        return Terraform(stack)

    deployed = synth("deployed", BASE)
    changed = {name: synth(name, _config(changes)) for name, changes in CHANGED_CONFIGS.items()}
    deployed.init()
    result = {"fresh-deploy": _plan(deployed, "fresh")}
    deployed.apply()

    def plan_changed(name: str) -> Plan:
        changed[name].init()
        return _plan(changed[name], name)

    def plan_deployed() -> dict[str, Plan]:
        return {
            "no-op": _plan(deployed, "no-op"),
            "endpoint-removed": _plan(deployed, "destroy", "-destroy"),
        }

    with ThreadPoolExecutor(max_workers=2) as pool:
        own = pool.submit(plan_deployed)
        others = {name: pool.submit(plan_changed, name) for name in CHANGED_CONFIGS}
        result.update(own.result())
        result.update({name: future.result() for name, future in others.items()})
    return result


def markdown(plan: Plan) -> str:
    return renderer("markdown").render(summarize([parse_plan("main", plan)]))


def text(plan: Plan) -> str:
    return renderer("text").render(summarize([parse_plan("main", plan)]))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_snapshot(plans: dict[str, Plan], scenario: str) -> None:
    actual = markdown(plans[scenario])
    assert_matches_snapshot(actual, SNAPSHOTS / f"{scenario}.md")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_summary_is_stable_and_fits_a_comment(
    plans: dict[str, Plan], scenario: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rendered = markdown(plans[scenario])
    assert len(rendered) < GITHUB_COMMENT_LIMIT
    assert "127.0.0.1" not in rendered
    assert str(tmp_path_factory.getbasetemp()) not in rendered
    assert plans[scenario]["timestamp"] not in rendered
    assert rendered.count("<details>") == rendered.count("</details>")


def test_fresh_deploy(plans: dict[str, Plan]) -> None:
    rendered = markdown(plans["fresh-deploy"])
    headline = next(line for line in rendered.splitlines() if line.startswith("### "))
    assert (
        headline.startswith("### `main`: ") and "0 to update, 0 to replace, 0 to delete" in headline
    )
    assert "[!WARNING]" not in rendered
    assert "New telemetry folders in bucket `acme-finout-telemetry`" in rendered
    assert "- `finout/telemetry/bytes/`\n- `finout/telemetry/requests/`\n" in rendered
    assert "New endpoint: add it in Finout" in rendered
    assert "| Role ARN | known after apply" in rendered
    assert "| S3 path prefix | `finout/telemetry` |" in rendered
    assert "| Region | `us-east-1` |" in rendered
    assert (
        "New trust: arn:aws:iam::123456789012:root may assume the role with external ID "
        "finout-aaa1111."
    ) in rendered


def test_no_op(plans: dict[str, Plan]) -> None:
    rendered = markdown(plans["no-op"])
    assert "No changes in 1 stack." in rendered
    assert "**Unchanged stack:** `main`.\n" in rendered
    assert "### " not in rendered


def test_telemetry_added(plans: dict[str, Plan]) -> None:
    rendered = markdown(plans["telemetry-added"])
    assert "### `main`: 1 to create, 0 to update, 0 to replace, 0 to delete" in rendered
    assert "New telemetry folder in bucket `acme-finout-telemetry`: send this prefix" in rendered
    assert "- `finout/telemetry/gpu_hours/`\n\n" in rendered
    assert "bytes/`" not in rendered
    assert "[!WARNING]" not in rendered and "Endpoint values change" not in rendered


def test_external_id_changed(plans: dict[str, Plan]) -> None:
    for rendered in (markdown(plans["external-id-changed"]), text(plans["external-id-changed"])):
        assert "External ID changes from finout-aaa1111 to finout-bbb2222." in rendered
        assert "Principal changes" not in rendered
        assert "0 to create, 1 to update, 0 to replace, 0 to delete" in rendered
        assert '-          "sts:ExternalId": "finout-aaa1111"' in rendered
        assert '+          "sts:ExternalId": "finout-bbb2222"' in rendered
        assert "WARNING" not in rendered


def test_bucket_renamed(plans: dict[str, Plan]) -> None:
    rendered = markdown(plans["bucket-renamed"])
    assert rendered.index("> [!WARNING]") < rendered.index("### ⚠️ `main`")
    assert (
        "The bucket `acme-finout-telemetry` (`aws_s3_bucket.telemetry_bucket`) will be replaced "
        "(destroyed, then created again) because `bucket` changes from acme-finout-telemetry to "
        "acme-finout-telemetry-v2."
    ) in rendered
    assert "| Bucket name | `acme-finout-telemetry-v2` (was `acme-finout-telemetry`) |" in rendered
    assert '+      "Resource": "arn:aws:s3:::acme-finout-telemetry-v2/*"' in rendered


def test_endpoint_removed(plans: dict[str, Plan]) -> None:
    rendered = markdown(plans["endpoint-removed"])
    assert "0 to create, 0 to update, 0 to replace, " in rendered
    for opening in (
        "The bucket `acme-finout-telemetry`",
        "The role `FinoutMetricsReadOnlyRole`",
        "The inline policy `finest-access-policy_telemetry_export`",
        "The bucket policy of bucket `acme-finout-telemetry`",
    ):
        assert f"`main`: {opening}" in rendered and "will be DELETED" in rendered
    assert "Endpoint removed: delete it in Finout too" in rendered
    assert "- `finout/telemetry/bytes/`" in rendered  # the folder markers removed
