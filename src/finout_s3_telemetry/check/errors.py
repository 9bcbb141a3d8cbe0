"""Errors that stop a check run (exit code 2), told apart so the message says what to fix."""

from __future__ import annotations

from typing import Literal

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

# Error codes AWS returns when the credentials themselves are wrong or expired.
INVALID_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "AuthFailure",
        "InvalidToken",
        "TokenRefreshRequired",
    }
)

Kind = Literal["no-credentials", "invalid-credentials", "unreachable"]


class CheckUsageError(ValueError):
    """The request itself is wrong, e.g. an unknown endpoint name (exit code 2)."""


class AwsUnavailable(RuntimeError):
    """AWS could not be asked at all; nothing was checked."""

    def __init__(self, kind: Kind, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def classify(error: Exception, where: str) -> AwsUnavailable | None:
    """An AwsUnavailable for credential and connection problems, None for anything else.

    `where` names the target ("AWS" or "local AWS at http://...") for the message.
    """
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return AwsUnavailable(
            "no-credentials",
            f"no usable AWS credentials were found ({error}); set AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`, then retry",
        )
    if isinstance(
        error,
        CredentialRetrievalError
        | SSOTokenLoadError
        | TokenRetrievalError
        | UnauthorizedSSOTokenError,
    ):
        return AwsUnavailable(
            "invalid-credentials",
            f"the AWS credentials could not be loaded ({error}); refresh them "
            "(for example `aws sso login`) and retry",
        )
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in INVALID_CREDENTIAL_CODES:
            return AwsUnavailable(
                "invalid-credentials",
                f"{where} rejected the credentials ({code}): they are invalid or expired; "
                "refresh them and retry",
            )
        return None
    if isinstance(
        error,
        EndpointConnectionError
        | ConnectTimeoutError
        | ProxyConnectionError
        | ConnectionClosedError
        | ReadTimeoutError,
    ):
        hint = (
            "is the local emulator running at that URL?"
            if where.startswith("local")
            else "check the network, proxy and region"
        )
        return AwsUnavailable("unreachable", f"cannot reach {where} ({error}); {hint}")
    return None
