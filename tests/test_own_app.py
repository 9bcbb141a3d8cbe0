"""`FinoutTelemetryEndpoint` in an app of one's own: examples/own_app synthesizes, two endpoints
share a stack under different name prefixes, and terraform validates the result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from finout_s3_telemetry.constructs.props_validation import InvalidPropsError

from finout_s3_telemetry.terraform_runner import Terraform

REPO = Path(__file__).resolve().parents[1]
OWN_APP = REPO / "examples" / "own_app"

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def own_app_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("own_app") / "cdktf.out"
    subprocess.run(
        [sys.executable, "main.py"],
        cwd=OWN_APP,
        env={**os.environ, "CDKTF_OUTDIR": str(outdir)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return outdir / "stacks" / "telemetry"


def stack(own_app_stack: Path) -> dict[str, Any]:
    return json.loads((own_app_stack / "cdk.tf.json").read_text())  # type: ignore[no-any-return]


def test_the_example_app_gets_both_endpoints_with_their_outputs(own_app_stack: Path) -> None:
    document = stack(own_app_stack)
    outputs = document["output"]
    assert outputs["finout_bucket_name"]["value"] == "acme-product-telemetry"
    assert outputs["billing_finout_s3_path_prefix"]["value"] == "finout"
    assert outputs["billing_finout_telemetry_folders"]["value"] == ["finout/invoices/"]
    roles = document["resource"]["aws_iam_role"]
    assert {role["name"] for role in roles.values()} == {
        "FinoutMetricsReadOnlyRole",
        "FinoutBillingReadOnlyRole",
    }
    # The existing bucket is only read, the new one is created with the secure defaults.
    assert list(document["data"]["aws_s3_bucket"]) == ["billing_existing_bucket"]
    assert list(document["resource"]["aws_s3_bucket"]) == ["telemetry_bucket"]


@pytest.mark.terraform
def test_terraform_validates_the_example_app(own_app_stack: Path) -> None:
    terraform = Terraform(own_app_stack)
    terraform.init()
    result = terraform.validate()
    assert "Success! The configuration is valid." in result.stdout


def test_the_endpoint_construct_checks_its_props() -> None:
    from finout_s3_telemetry.constructs.cdktf_core import AwsProvider, TerraformStack, Testing

    from finout_s3_telemetry import FinoutTelemetryEndpoint, FinoutTelemetryEndpointProps

    app = Testing.app()
    stack = TerraformStack(app, "t")
    provider = AwsProvider(stack, "aws", {"region": "us-east-1"})
    with pytest.raises(InvalidPropsError) as caught:
        FinoutTelemetryEndpoint(
            stack,
            "e",
            FinoutTelemetryEndpointProps(
                bucket_name="acme",
                telemetries=["bytes"],
                principal="123456789012",
                external_id="finout-ab12cd3",
                region="mars-east-1",
                provider=provider,
                name_prefix="Not A Prefix",
            ),
        )
    assert [name for name, _ in caught.value.problems] == ["region", "name_prefix"]


def test_importing_the_package_does_not_start_the_engine() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, finout_s3_telemetry; print('jsii' in sys.modules); "
            "finout_s3_telemetry.FinoutTelemetryEndpoint; print('jsii' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "True"]


PREBUILT_APP = """
import sys

# First: the package points jsii at the venv's Node.js 24 before anything starts jsii.
from finout_s3_telemetry import FinoutTelemetryEndpoint, FinoutTelemetryEndpointProps

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "prebuilt")
provider = AwsProvider(stack, "aws", region="eu-west-1")
FinoutTelemetryEndpoint(
    stack,
    "telemetry",
    FinoutTelemetryEndpointProps(
        bucket_name="acme-prebuilt-telemetry",
        telemetries=["requests"],
        principal="123456789012",
        external_id="finout-ab12cd3",
        region="eu-west-1",
        encryption="sse-kms",
        kms_key="create",
        endpoint_name="prebuilt",
        provider=provider,
    ),
)
app.synth()
"""


@pytest.mark.slow
@pytest.mark.terraform
def test_the_endpoint_drops_into_an_app_that_uses_the_prebuilt_aws_bindings(
    tmp_path: Path,
) -> None:
    """With `AwsProvider` from cdktf-cdktf-provider-aws (its 20.1 bindings are for provider
    5.100.0, the version the stacks pin), the construct synthesizes and terraform validates it.
    Those bindings are cdktf's; CDK Terrain publishes its own, so this runs under cdktf only."""
    from finout_s3_telemetry.engines import chosen_engine

    if chosen_engine() != "cdktf":
        pytest.skip("the prebuilt cdktf-cdktf-provider-aws bindings belong to the cdktf engine")
    outdir = tmp_path / "cdktf.out"
    run = subprocess.run(
        [sys.executable, "-c", PREBUILT_APP, str(outdir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # no jsii banner: the bindings run on the bundled Node.js too
    stack_dir = outdir / "stacks" / "prebuilt"
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    assert document["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"
    assert document["provider"]["aws"][0]["region"] == "eu-west-1"
    assert {"aws_kms_key", "aws_iam_role", "aws_s3_bucket"} <= set(document["resource"])
    terraform = Terraform(stack_dir)
    terraform.init()
    result = terraform.validate()
    assert "Success! The configuration is valid." in result.stdout
