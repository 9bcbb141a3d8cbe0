"""Shared S3 state with S3-native locking, against the real moto server: two deploys of one stack
at the same time never both write; the state stays intact."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deployment import Deployment

from finout_s3_telemetry.local.moto_server import LocalAws

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "state": {
        "backend": "s3",
        "bucket": "acme-terraform-state",
        "key": "finout",
        "use_lockfile": True,
    },
    "endpoints": [
        {
            "name": "team",
            "region": "us-east-1",
            "account_id": "111122223333",
            "bucket": "acme-team-telemetry",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes"],
        }
    ],
}


def test_two_concurrent_deploys_of_one_stack_are_serialized_by_the_lock(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    deployment = Deployment(tmp_path, local_aws.endpoint_url, CONFIG)
    s3 = deployment.client("s3")
    s3.create_bucket(Bucket="acme-terraform-state")
    deployment.synth()
    terraform = deployment.terraform("team")
    terraform.init()

    command = [terraform.binary, "apply", "-auto-approve", "-input=false", "-no-color"]
    runs = [
        subprocess.Popen(
            command,
            cwd=terraform.stack_dir,
            env=terraform.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=600), run.stdout.read() if run.stdout else "") for run in runs]
    codes = sorted(code for code, _ in results)
    outputs = "\n".join(output for _, output in results)
    # One holds the lock and applies; the other is refused with terraform's lock error.
    assert codes == [0, 1], outputs
    assert "Error acquiring the state lock" in outputs

    state = json.loads(
        s3.get_object(Bucket="acme-terraform-state", Key="finout/team.tfstate")["Body"].read()
    )
    types = sorted({r["type"] for r in state["resources"] if r["mode"] == "managed"})
    assert "aws_iam_role" in types and "aws_s3_bucket" in types
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="acme-terraform-state")["Contents"]]
    assert keys == ["finout/team.tfstate"], "the lock file must be gone after both runs"
    assert terraform.plan(detailed_exitcode=True).returncode == 0
    assert deployment.failed() == []
