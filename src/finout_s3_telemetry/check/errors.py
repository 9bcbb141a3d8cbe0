"""Errors that stop a check run (exit code 2), told apart so the message says what to fix."""

from __future__ import annotations

import re
from typing import Literal

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from finout_s3_telemetry.targets import ENDPOINT_URL_ENV
from finout_s3_telemetry.terminal_text import printable, shorten

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

# AWS error codes are words such as `AccessDenied` or `Throttling`. botocore makes up a code from
# the HTTP status (`404`) or leaves it empty when the answer holds no AWS error at all, which is
# what a server that is not AWS (a web server, a proxy's error page) sends.
_AWS_ERROR_CODE = re.compile(r"[A-Za-z][A-Za-z0-9._:-]{0,99}")
# Characters of an error text from the other side shown in a message: enough to recognise it.
ERROR_TEXT_SHOWN = 200

Kind = Literal["no-credentials", "invalid-credentials", "unreachable", "not-aws", "role-refused"]


class CheckUsageError(ValueError):
    """The request itself is wrong, e.g. an unknown endpoint name (exit code 2)."""


class AwsUnavailable(RuntimeError):
    """AWS could not be asked at all; nothing was checked."""

    def __init__(self, kind: Kind, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def error_text(error: object, limit: int = ERROR_TEXT_SHOWN) -> str:
    """The first line of an error's text, shortened and escaped for a message.

    botocore's texts can carry the whole answer of the server (a web page, gigabytes from a
    hostile one) and whatever escape sequences it holds.
    """
    lines = str(error).strip().splitlines() or [""]
    return printable(shorten(lines[0], limit))


def _shown(where: str) -> str:
    """The target's name for a message: it holds the endpoint URL as the user typed it."""
    return printable(shorten(where, 2 * ERROR_TEXT_SHOWN))


def is_aws_error_code(code: str) -> bool:
    return bool(_AWS_ERROR_CODE.fullmatch(code)) and not code.isdigit()


def not_aws(url: str, what: str, *, local: bool) -> AwsUnavailable:
    """The first answer did not come from AWS: `url` is a web server, a proxy or anything else.

    Exit code 2 like every other reason nothing was checked: CI must not read it as drift.
    """
    if local:
        fix = (
            "pass the URL of a running local AWS emulator (for example a moto server) with "
            f"--endpoint-url or ${ENDPOINT_URL_ENV}, or use --target aws"
        )
    else:
        fix = (
            "something answers in AWS's place (an AWS_ENDPOINT_URL setting or a proxy): remove "
            "it, or use --target local --endpoint-url URL for an emulator"
        )
    shown = printable(shorten(url))
    return AwsUnavailable("not-aws", f"{shown} is not an AWS endpoint: {what}; {fix}")


def classify(error: Exception, where: str) -> AwsUnavailable | None:
    """An AwsUnavailable for credential and connection problems, None for anything else.

    `where` names the target ("AWS" or "local AWS at http://...") for the message.
    """
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return AwsUnavailable(
            "no-credentials",
            f"no usable AWS credentials were found ({error_text(error)}); set AWS_PROFILE, or "
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
            f"the AWS credentials could not be loaded ({error_text(error)}); refresh them "
            "(for example `aws sso login`) and retry",
        )
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in INVALID_CREDENTIAL_CODES:
            return AwsUnavailable(
                "invalid-credentials",
                f"{_shown(where)} rejected the credentials ({code}): they are invalid or "
                "expired; refresh them and retry",
            )
        return None
    # Every failure to connect or to get an answer: refused, timed out, cut off, and TLS failures
    # (botocore's ConnectionError covers SSLError and EndpointConnectionError).
    if isinstance(
        error,
        BotoConnectionError
        | ConnectTimeoutError
        | ProxyConnectionError
        | ConnectionClosedError
        | ReadTimeoutError
        | HTTPClientError,
    ):
        hint = (
            "is the local emulator running at that URL?"
            if where.startswith("local")
            else "check the network, proxy and region"
        )
        return AwsUnavailable(
            "unreachable", f"cannot reach {_shown(where)} ({error_text(error)}); {hint}"
        )
    return None


def classify_first_call(
    error: Exception,
    where: str,
    url: str,
    *,
    local: bool,
    answer: str = "",
    operation: str = "sts:GetCallerIdentity",
) -> AwsUnavailable:
    """Why the run's first call, sts:GetCallerIdentity, failed; nothing can be checked after it.

    It needs no permission, so any answer but AWS's own error means the other side is not AWS:
    an error without an AWS error code (a web server's 404 or 501 page), or an answer botocore
    cannot parse (HTML, JSON, an empty body). `answer` describes the HTTP answer when one came,
    e.g. `HTTP 404 (text/html)`. `operation` names another first call (sts:AssumeRole, when the
    config's accounts have their roles assumed first).
    """
    known = classify(error, where)
    if known is not None:
        return known
    got = answer or "an answer"
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        if is_aws_error_code(code):
            message = error_text(details.get("Message", ""))
            return AwsUnavailable(
                "invalid-credentials",
                f"{_shown(where)} refused {operation} ({code}: {message}); check the "
                "credentials and the account's policies (for example an SCP), then retry",
            )
        return not_aws(
            url,
            f"it answered {operation} with {got} that holds no AWS error",
            local=local,
        )
    if isinstance(error, BotoCoreError):
        return AwsUnavailable("unreachable", f"cannot use {_shown(where)} ({error_text(error)})")
    if isinstance(error, ResponseParserError):
        # Its text repeats the whole body after a line of botocore's; the status says enough.
        what = f"{got} that is not the XML AWS answers with"
    else:
        what = (
            f"{got} that is not an AWS response ({type(error).__name__}: {error_text(error, 120)})"
        )
    return not_aws(url, f"it answered {operation} with {what}", local=local)
