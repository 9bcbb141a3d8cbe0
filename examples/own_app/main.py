"""A cdktf app of your own that adds Finout endpoints with `FinoutTelemetryEndpoint`.

Run it with `cdktf synth` in this folder (cdktf.json's app is `python main.py`), or directly:
`python main.py`. It needs `pip install finout-s3-telemetry` and nothing else of this project.
Bring your own provider: here the package's light `AwsProvider`; the prebuilt bindings'
`cdktf_cdktf_provider_aws.provider.AwsProvider` works the same way.
"""

from __future__ import annotations

import os

from finout_s3_telemetry.constructs.cdktf_core import App, AwsProvider, TerraformStack

from finout_s3_telemetry import FinoutTelemetryEndpoint, FinoutTelemetryEndpointProps

FINOUT_PRINCIPAL = "123456789012"  # Finout's account, as the Finout console shows it

app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
stack = TerraformStack(app, "telemetry")
provider = AwsProvider(stack, "aws", {"region": "eu-west-1"})

# A new bucket with the secure defaults, read by Finout with its documented read-only policy.
FinoutTelemetryEndpoint(
    stack,
    "product",
    FinoutTelemetryEndpointProps(
        bucket_name="acme-product-telemetry",
        telemetries=["requests", "gpu_hours"],
        principal=FINOUT_PRINCIPAL,
        external_id="finout-ab12cd3",
        region="eu-west-1",
        provider=provider,
    ),
)
# A second endpoint in the same stack: an existing bucket, its own role and a name prefix.
FinoutTelemetryEndpoint(
    stack,
    "billing",
    FinoutTelemetryEndpointProps(
        bucket_name="acme-cost-and-usage",
        existing_bucket=True,
        prefix="finout",
        telemetries=["invoices"],
        principal=FINOUT_PRINCIPAL,
        external_id="finout-x9y8z7w",
        region="eu-west-1",
        role_name="FinoutBillingReadOnlyRole",
        provider=provider,
        name_prefix="billing_",
    ),
)

app.synth()
