"""finout-s3-telemetry: provision and verify Finout's S3 telemetry integration.

`from finout_s3_telemetry import FinoutTelemetryEndpoint, FinoutTelemetryEndpointProps` gives the
construct for your own cdktf app. It is loaded on first use: importing the package (as every
command does) must not start the CDK engine.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["FinoutTelemetryEndpoint", "FinoutTelemetryEndpointProps", "__version__"]

_CONSTRUCTS = {"FinoutTelemetryEndpoint", "FinoutTelemetryEndpointProps"}


def __getattr__(name: str) -> Any:
    if name in _CONSTRUCTS:
        from finout_s3_telemetry.constructs import telemetry_endpoint

        return getattr(telemetry_endpoint, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
