"""The README's deploy flow, typed as a user would (`eval "$(finout-telemetry terraform-env)"`,
then `npx cdktf diff`, `deploy`, `output`, `destroy`), through the real cdktf CLI and terraform
against the emulator, on a machine that reaches no Terraform registry: the provider comes from
the mirror, and the lock file synth writes keeps cdktf from asking the registry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.engines import chosen_engine, node_environment
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.provider_mirror import find_mirror
from finout_s3_telemetry.targets import Target

REPO = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.terraform, pytest.mark.moto]

ENDPOINT: dict[str, Any] = {
    "name": "main",
    "region": "us-east-1",
    "bucket": "acme-readme-cur",
    "existing_bucket": True,  # no lifecycle configuration to wait for
    "prefix": "finout",
    "external_id": "finout-ab12cd3",
    "telemetries": ["bytes"],
}
CONFIG: dict[str, Any] = {"finout": {"principal": "123456789012"}, "endpoints": [ENDPOINT]}

# The README's commands, in its order, in one shell as a user types them.
SCRIPT = """
set -euo pipefail
finout-telemetry validate
finout-telemetry synth
eval "$(finout-telemetry terraform-env)"
npx cdktf diff main
npx cdktf deploy main --auto-approve
finout-telemetry check
npx cdktf output main
# Day 2, in the same shell (TF_CLI_CONFIG_FILE set): a new endpoint's stack plans too.
FINOUT_TELEMETRY_CONFIG=telemetry-2.yaml npx cdktf diff second
npx cdktf destroy main --auto-approve
"""


def test_the_readme_deploy_flow_works_with_the_provider_mirror(
    tmp_path: Path, local_aws: LocalAws
) -> None:
    if find_mirror() is None:
        pytest.skip("no provider mirror on this machine: the flow would use the registry")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("cdktf.json", "package.json"):
        shutil.copy(REPO / name, project / name)
    (project / "node_modules").symlink_to(REPO / "node_modules")
    (project / "telemetry.yaml").write_text(yaml.safe_dump(CONFIG))
    # Its own prefix: two endpoints of one bucket must not overlap.
    second = {**ENDPOINT, "name": "second", "role_name": "FinoutSecond", "prefix": "second"}
    two = {**CONFIG, "endpoints": [ENDPOINT, second]}
    (project / "telemetry-2.yaml").write_text(yaml.safe_dump(two))
    target = Target("local", local_aws.endpoint_url)
    target.client("s3", "us-east-1").create_bucket(Bucket="acme-readme-cur")

    engine = chosen_engine()
    env = node_environment(
        {k: v for k, v in os.environ.items() if not k.startswith("FINOUT_TELEMETRY_")}, engine
    )
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]]),
        FINOUT_TELEMETRY_ENGINE=engine,
        FINOUT_TELEMETRY_TARGET="local",
        FINOUT_TELEMETRY_ENDPOINT_URL=local_aws.endpoint_url,
        CHECKPOINT_DISABLE="1",
        npm_config_offline="true",  # npx must take the project's own CLI, never download one
    )
    env.pop("CDKTF_OUTDIR", None)
    script = SCRIPT if engine == "cdktf" else SCRIPT.replace("npx cdktf", "npx cdktn")
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "lookup registry.terraform.io" not in output
    assert "could not connect to registry" not in output
    assert "OK: " in result.stdout  # the checker passed on the deployed endpoint
    assert "finout_role_arn" in result.stdout  # `cdktf output` printed the form's values
    lock = project / "cdktf.out" / "stacks" / "main" / ".terraform.lock.hcl"
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock.read_text()
    # destroyed: the role is gone from the emulator
    iam = target.client("iam", "us-east-1")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == []
