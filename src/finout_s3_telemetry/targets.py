"""Where stacks deploy and the checker looks: real AWS, or a local AWS emulator at an URL.

Real AWS uses the standard credential chain and emits no endpoint overrides and no credentials.
The local target points the provider's s3, iam and sts endpoints at one URL, with path-style S3
and fixed test credentials; everything else it deploys is identical to what AWS gets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

TARGET_ENV = "FINOUT_TELEMETRY_TARGET"
ENDPOINT_URL_ENV = "FINOUT_TELEMETRY_ENDPOINT_URL"
# Credentials an emulator accepts; never used for the aws target.
LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"
LOCAL_SERVICES = ("s3", "iam", "sts")


class TargetError(ValueError):
    """A usage error in choosing the target (exit code 2)."""


@dataclass(frozen=True)
class Target:
    kind: Literal["aws", "local"] = "aws"
    endpoint_url: str | None = None

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    def provider_settings(self) -> dict[str, Any]:
        """Extra `provider "aws"` arguments for this target (none for real AWS)."""
        if not self.is_local:
            return {}
        return {
            "access_key": LOCAL_ACCESS_KEY,
            "secret_key": LOCAL_SECRET_KEY,
            "s3_use_path_style": True,
            "skip_metadata_api_check": "true",
            "endpoints": [{service: self.endpoint_url for service in LOCAL_SERVICES}],
        }

    def backend_settings(self) -> dict[str, Any]:
        """Extra `backend "s3"` arguments for this target (none for real AWS)."""
        if not self.is_local:
            return {}
        return {
            "access_key": LOCAL_ACCESS_KEY,
            "secret_key": LOCAL_SECRET_KEY,
            "use_path_style": True,
            "skip_metadata_api_check": True,
            "endpoints": {
                "s3": self.endpoint_url,
                "iam": self.endpoint_url,
                "sts": self.endpoint_url,
            },
        }

    def boto3_settings(self) -> dict[str, Any]:
        """Keyword arguments for boto3 clients talking to this target."""
        if not self.is_local:
            return {}
        return {
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": LOCAL_ACCESS_KEY,
            "aws_secret_access_key": LOCAL_SECRET_KEY,
        }

    def describe(self) -> str:
        return f"local AWS at {self.endpoint_url}" if self.is_local else "AWS"


def resolve_target(kind: str | None = None, endpoint_url: str | None = None) -> Target:
    """Flags win over $FINOUT_TELEMETRY_TARGET / $FINOUT_TELEMETRY_ENDPOINT_URL.

    An endpoint URL alone implies the local target; `local` without an URL is an error.
    """
    kind = kind or os.environ.get(TARGET_ENV) or None
    endpoint_url = endpoint_url or os.environ.get(ENDPOINT_URL_ENV) or None
    if kind is None:
        kind = "local" if endpoint_url else "aws"
    if kind not in ("aws", "local"):
        raise TargetError(f"target {kind!r} is unknown; use --target aws or --target local")
    if kind == "aws":
        return Target("aws")
    if not endpoint_url:
        raise TargetError(
            f"the local target needs an endpoint URL; pass --endpoint-url URL or set "
            f"{ENDPOINT_URL_ENV} (for example http://127.0.0.1:5000)"
        )
    parsed = urlparse(endpoint_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise TargetError(
            f"endpoint URL {endpoint_url!r} is not an http(s) URL; use one like "
            "http://127.0.0.1:5000"
        )
    return Target("local", endpoint_url.rstrip("/"))
