"""AWS naming rules for the values a config may hold.

Each rule returns None when the value is fine, or a sentence that says what is wrong and how to fix
it. The config model turns those sentences into errors that carry the field path.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
# Prefixes and suffixes that S3 reserves for access points, aliases, directory and table buckets.
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9+=,.@:/_-]{2,1224}$")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
_POLICY_NAME_FORBIDDEN = re.compile(r"[\s\\/*?]")
_ENDPOINT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
_PRINCIPAL_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::[0-9]{12}:"
    r"(root|role/[\w+=,.@/-]{1,512}|user/[\w+=,.@/-]{1,512})$"
)
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$")
Rule = Callable[[str], "str | None"]
_S3_KEY_SEGMENT_FORBIDDEN = re.compile(r"[\s/\\{}^%`\[\]\"<>~#|]")


def bucket_name_problem(name: str) -> str | None:
    """Return why `name` is not a valid general-purpose S3 bucket name, or None."""
    fix = (
        "use 3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with "
        "a letter or digit"
    )
    if not 3 <= len(name) <= 63:
        return f"{name!r} is {len(name)} characters long; {fix}"
    if not _BUCKET_CHARS.match(name):
        return f"{name!r} is not a valid S3 bucket name; {fix}"
    if ".." in name:
        return f"{name!r} contains '..'; S3 bucket names cannot have two adjacent dots"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return f"{name!r} is formatted as an IP address, which S3 refuses; choose a name"
    for prefix in _BUCKET_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"{name!r} starts with {prefix!r}, which S3 reserves; choose another name"
    for suffix in _BUCKET_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"{name!r} ends with {suffix!r}, which S3 reserves; choose another name"
    return None


def external_id_problem(value: str) -> str | None:
    """Return why `value` is not a valid sts:ExternalId, or None."""
    if _EXTERNAL_ID.match(value):
        return None
    return (
        f"{value!r} is not a valid external ID; use 2-1224 characters of letters, digits and "
        "+ = , . @ : / _ - with no whitespace (copy it from the Finout console, or run "
        "`finout-telemetry external-id` to make one)"
    )


def role_name_problem(value: str) -> str | None:
    if _ROLE_NAME.match(value):
        return None
    return (
        f"{value!r} is not a valid IAM role name; use 1-64 characters of letters, digits and "
        "+ = , . @ _ -"
    )


def policy_name_problem(value: str) -> str | None:
    if 1 <= len(value) <= 128 and not _POLICY_NAME_FORBIDDEN.search(value):
        return None
    return (
        f"{value!r} is not a valid IAM policy name; use 1-128 characters without whitespace "
        "and without \\ / * ?"
    )


def endpoint_name_problem(value: str) -> str | None:
    if _ENDPOINT_NAME.match(value):
        return None
    return (
        f"{value!r} is not a valid endpoint name; use 1-63 lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit (it names the stack)"
    )


def account_id_problem(value: str) -> str | None:
    if _ACCOUNT_ID.match(value):
        return None
    return f"{value!r} is not an AWS account id; write the 12 digits as a quoted string"


def principal_problem(value: str) -> str | None:
    if value.strip() == "*" or "*" in value:
        return (
            f"{value!r} would let anyone assume the role; use Finout's AWS account id or role ARN "
            "shown in the Finout console"
        )
    if _ACCOUNT_ID.match(value) or _PRINCIPAL_ARN.match(value):
        return None
    return (
        f"{value!r} is not a principal; use Finout's 12-digit AWS account id or an ARN like "
        "arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/NAME or "
        ":user/NAME, as shown in the Finout console"
    )


def region_problem(value: str) -> str | None:
    if _REGION.match(value):
        return None
    return f"{value!r} is not an AWS region name; use one like us-east-1 or eu-west-2"


def prefix_problem(value: str) -> str | None:
    if value == "":
        return None  # no prefix: the folders sit at the bucket's root
    if value.startswith("/") or value.endswith("/"):
        return f"{value!r} starts or ends with '/'; write it without leading or trailing slashes"
    segments = value.split("/")
    if any(segment == "" for segment in segments):
        return f"{value!r} contains '//'; write each folder once"
    for segment in segments:
        if _S3_KEY_SEGMENT_FORBIDDEN.search(segment) or segment in (".", ".."):
            return (
                f"{value!r} has the folder {segment!r}, which is not a safe S3 key; use letters, "
                "digits and - _ . ! * ' ( ) only"
            )
    if len(value) > 900:
        return f"{value!r} is too long; keep the S3 path prefix under 900 characters"
    return None


def telemetry_problem(value: str) -> str | None:
    if value == "":
        return "is empty; name the telemetry as it appears in the CSV header, e.g. 'bytes'"
    if any(ch.isspace() for ch in value):
        return (
            f"{value!r} contains whitespace, which Finout refuses in a CSV header; "
            "use '_' or '-' instead"
        )
    if "/" in value:
        return f"{value!r} contains '/'; a telemetry is one folder, so drop the slash"
    if _S3_KEY_SEGMENT_FORBIDDEN.search(value) or value in (".", ".."):
        return f"{value!r} is not a safe S3 folder name; use letters, digits and - _ ."
    return None
