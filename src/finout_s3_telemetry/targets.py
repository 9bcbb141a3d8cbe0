"""Where stacks deploy and the checker looks: real AWS, or a local AWS emulator at an URL.

Real AWS uses the standard credential chain and emits no endpoint overrides and no credentials.
The local target points the provider's s3, iam, sts and kms endpoints at one URL, with path-style
S3 and fixed test credentials; everything else it deploys is identical to what AWS gets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

from finout_s3_telemetry.terminal_text import quoted

TARGET_ENV = "FINOUT_TELEMETRY_TARGET"
ENDPOINT_URL_ENV = "FINOUT_TELEMETRY_ENDPOINT_URL"
# Credentials an emulator accepts; never used for the aws target.
LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"
LOCAL_SERVICES = ("s3", "iam", "sts", "kms")


class TargetError(ValueError):
    """A usage error in choosing the target (exit code 2)."""


@dataclass(frozen=True)
class Target:
    kind: Literal["aws", "local"] = "aws"
    endpoint_url: str | None = None
    access_key: str = LOCAL_ACCESS_KEY
    """The emulator's credentials (local only; real AWS uses the credential chain): the fixed
    test ones, or the keys of an IAM user made in the emulator, so that a test can deploy and
    check under a generated least-privilege policy when the emulator enforces IAM."""
    secret_key: str = field(default=LOCAL_SECRET_KEY, repr=False)

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    def provider_settings(self) -> dict[str, Any]:
        """Extra `provider "aws"` arguments for this target (none for real AWS)."""
        if not self.is_local:
            return {}
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "s3_use_path_style": True,
            "skip_metadata_api_check": "true",
            "endpoints": [{service: self.endpoint_url for service in LOCAL_SERVICES}],
        }

    def backend_settings(self) -> dict[str, Any]:
        """Extra `backend "s3"` arguments for this target (none for real AWS)."""
        if not self.is_local:
            return {}
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
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
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
        }

    def client(
        self,
        service: str,
        region: str,
        *,
        session: Any = None,
        credentials: Mapping[str, str] | None = None,
        **config: Any,
    ) -> Any:
        """A boto3 client for `service` in `region` at this target: path-style S3 for an
        emulator (it answers on one host, where bucket subdomains would not resolve), its
        endpoint URL and test credentials. `config` holds more botocore Config settings
        (timeouts, retries); `session` a boto3 Session to make it from (default: a new one);
        `credentials` (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) an
        assumed role's, in place of the target's own (`account_sessions.py`)."""
        import boto3
        from botocore.config import Config

        if self.is_local:
            config["s3"] = {**config.get("s3", {}), "addressing_style": "path"}
        maker = session or boto3.session.Session()
        settings = {**self.boto3_settings(), **(credentials or {})}
        return maker.client(service, region_name=region, config=Config(**config), **settings)

    def describe(self) -> str:
        if not self.is_local:
            return "AWS"
        return f"local AWS at {self.endpoint_url}" if self.endpoint_url else "a local AWS emulator"


def resolve_target(
    kind: str | None = None,
    endpoint_url: str | None = None,
    *,
    default_kind: Literal["aws", "local"] = "aws",
    url_optional: bool = False,
) -> Target:
    """The target from the flags, else from $FINOUT_TELEMETRY_TARGET and
    $FINOUT_TELEMETRY_ENDPOINT_URL, else `default_kind`.

    A flag always wins over the environment, and the environment is consulted only for what no
    flag said: `--endpoint-url URL` means the local target whatever $FINOUT_TELEMETRY_TARGET
    says, and `--target aws` ignores an endpoint URL in the environment. Settings that contradict
    each other from the same place (`--target aws --endpoint-url URL`, or both variables) are an
    error rather than one silently dropped. `url_optional` lets the local target come without an
    URL (for `plan`, which then starts its own emulator).
    """
    if endpoint_url is not None:
        if kind == "aws":
            raise TargetError(
                "--target aws and --endpoint-url contradict each other: real AWS takes no "
                "endpoint URL; drop --endpoint-url, or use --target local"
            )
        return Target("local", _checked_url(endpoint_url, "--endpoint-url"))
    env_kind = os.environ.get(TARGET_ENV) or None
    env_url = os.environ.get(ENDPOINT_URL_ENV) or None
    if kind is None and env_kind is not None:
        if env_kind not in ("aws", "local"):
            raise TargetError(
                f"${TARGET_ENV} is {quoted(env_kind)}; set it to aws or local, or unset it"
            )
        if env_kind == "aws" and env_url is not None:
            raise TargetError(
                f"${TARGET_ENV}=aws and ${ENDPOINT_URL_ENV} contradict each other: real AWS "
                f"takes no endpoint URL; unset one of them, or pass --target"
            )
        kind = env_kind
    if kind is None:
        kind = "local" if env_url is not None else default_kind
    if kind not in ("aws", "local"):
        raise TargetError(f"target {quoted(kind)} is unknown; use --target aws or --target local")
    if kind == "aws":
        return Target("aws")
    if env_url is not None:
        return Target("local", _checked_url(env_url, f"${ENDPOINT_URL_ENV}"))
    if url_optional:
        return Target("local", None)
    raise TargetError(
        f"the local target needs an endpoint URL; pass --endpoint-url URL or set "
        f"{ENDPOINT_URL_ENV} (for example http://127.0.0.1:5000)"
    )


def _checked_url(endpoint_url: str, option: str) -> str:
    parsed = urlparse(endpoint_url) if endpoint_url.isprintable() else None
    if (
        parsed is None
        or parsed.scheme not in ("http", "https")
        or not parsed.hostname
        or any(char.isspace() for char in endpoint_url)
    ):
        raise TargetError(
            f"{option} {quoted(endpoint_url)} is not an http(s) URL; use one like "
            "http://127.0.0.1:5000"
        )
    try:
        parsed.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise TargetError(
            f"{option} {quoted(endpoint_url)} has no valid port; use one like http://127.0.0.1:5000"
        ) from None
    return endpoint_url.rstrip("/")
