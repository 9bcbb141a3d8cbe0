"""AWS names: the rules for the values a config may hold, Finout's default names, and the ARNs and
keys made of them. No schema: the config, the constructs, the checker and the uploader share it.

Each rule returns None when the value is fine, or a sentence that says what is wrong and how to fix
it. The config model turns those sentences into errors that carry the field path; the constructs
raise them. Every pattern is
matched against the whole value (`fullmatch`): a `$` anchor would accept a trailing newline, which
a YAML block scalar (`|`) adds without the user seeing it.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable

from finout_s3_telemetry import partitions
from finout_s3_telemetry.partitions import partition_ids
from finout_s3_telemetry.terminal_text import FORBIDDEN_IN_CONFIG, escape, quoted

_BUCKET_CHARS = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
# Prefixes and suffixes that S3 reserves for access points, aliases, directory and table buckets.
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_EXTERNAL_ID = re.compile(r"[A-Za-z0-9+=,.@:/_-]{2,1224}")
_ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
# IAM's pattern for an inline policy's name (PutRolePolicy: `[\w+=,.@-]+`). Nothing wider: the
# name is written into the stack, where Terraform would evaluate `${…}` and `%{…}`.
_POLICY_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,128}")
_ENDPOINT_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ACCOUNT_NAME = re.compile(r"[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?")
# IAM role ARN: a path of folders between slashes, then the role's name. IAM would take any
# printable ASCII in a path, but the ARN is written into the provider's `assume_role`, where
# Terraform evaluates `${…}` and `%{…}`, and into the pipeline role's sts:AssumeRole policy, where
# IAM reads `${…}` as a variable and `*` and `?` as wildcards: a path keeps to the characters of
# a role name, as every path AWS itself makes does (`/service-role/`, `/aws-reserved/…/`).
_ROLE_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::(?P<account>[0-9]{12}):role/"
    r"(?P<path>(?:[A-Za-z0-9+=,.@_-]+/)*)(?P<name>[A-Za-z0-9+=,.@_-]{1,64})"
)
_NOT_IN_ROLE_NAME = re.compile(r"[^A-Za-z0-9+=,.@_-]")
_ROLE_ARN_FORM = (
    "write it as arn:aws:iam::<12-digit account>:role/<name> (a path before the name is "
    "allowed), as the IAM console shows it"
)
_ROLE_PATH_LIMIT = 512
_SESSION_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{2,64}")
_PRINCIPAL_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::[0-9]{12}:"
    r"(root|role/[A-Za-z0-9_+=,.@/-]{1,512}|user/[A-Za-z0-9_+=,.@/-]{1,512})"
)
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}")
# A KMS key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. AWS writes both in
# lowercase.
_KMS_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_KMS_KEY_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):key/"
    rf"(?P<key_id>{_KMS_KEY_ID})"
)
_KMS_ALIAS = re.compile(r"(arn:[a-z-]+:kms:[a-z0-9-]*:[0-9]*:)?alias/.*", re.DOTALL)
_KMS_BARE_KEY_ID = re.compile(_KMS_KEY_ID)
# What an S3 folder name in a path prefix or a telemetry may hold: the characters AWS lists as
# safe in object keys. Anything else (non-ASCII lookalikes included) would make one telemetry
# look like another in the console and in Finout.
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9_.!*'()-]+")
_TELEMETRY = re.compile(r"[A-Za-z0-9_.-]+")
_STATE_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_.!*'()=-]+")

DEFAULT_ROLE_NAME = "FinoutMetricsReadOnlyRole"
DEFAULT_SESSION_NAME = "finout-telemetry"
"""The role session name the pipelines use when they assume an account's role."""
POLICY_NAME_LIMIT = 128
"""IAM's longest policy name."""
DEFAULT_POLICY_NAME = "finest-access-policy_telemetry_export"
"""The literal name in Finout's guide."""

S3_KEY_LIMIT = 1024
"""S3 object keys are at most 1,024 bytes of UTF-8."""
UPLOADED_FILE_NAME_BYTES = len("YYYY-MM-DD.csv")
"""What `upload` appends to a telemetry folder's key."""
DATE_COLUMN = "date"
Rule = Callable[[str], "str | None"]

_CHARACTER_NAMES = {
    "\n": "a line feed (\\n)",
    "\r": "a carriage return (\\r)",
    "\t": "a tab (\\t)",
    "\x00": "a NUL byte (\\x00)",
    "\x1b": "an escape character (\\x1b)",
}
_CATEGORY_NAMES = {
    "Cc": "control character",
    "Cf": "invisible format character",
    "Zl": "line separator",
    "Zp": "paragraph separator",
}


def forbidden_character_problem(value: str) -> str | None:
    """Why `value` may not stand in a config at all: a control, format or separator character.

    Such characters are invisible in an editor and in the AWS console, yet they become part of
    an external ID, a role name or a bucket policy, where nothing ever matches them again.
    """
    for position, char in enumerate(value, start=1):
        category = unicodedata.category(char)
        if category not in FORBIDDEN_IN_CONFIG:
            continue
        described = _CHARACTER_NAMES.get(char)
        if described is None:
            name = unicodedata.name(char, "")
            what = _CATEGORY_NAMES[category]
            described = f"{what} {escape(char)}" + (f" ({name})" if name else "")
        hint = "remove it"
        if char in "\r\n" and position >= len(value.rstrip("\r\n")):
            hint += (
                " (a YAML block scalar, `|` or `>`, ends the value with a line break: write the "
                "value on one line, in quotes)"
            )
        return f"{quoted(value)} contains {described} at character {position}; {hint}"
    return None


def bucket_name_problem(name: str) -> str | None:
    """Return why `name` is not a valid general-purpose S3 bucket name, or None."""
    fix = (
        "use 3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with "
        "a letter or digit"
    )
    if not 3 <= len(name) <= 63:
        return f"{quoted(name)} is {len(name):,} characters long; {fix}"
    if not _BUCKET_CHARS.fullmatch(name):
        return f"{quoted(name)} is not a valid S3 bucket name; {fix}"
    if ".." in name:
        return f"{quoted(name)} contains '..'; S3 bucket names cannot have two adjacent dots"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return f"{quoted(name)} is formatted as an IP address, which S3 refuses; choose a name"
    for prefix in _BUCKET_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"{quoted(name)} starts with {prefix!r}, which S3 reserves; choose another name"
    for suffix in _BUCKET_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"{quoted(name)} ends with {suffix!r}, which S3 reserves; choose another name"
    return None


def external_id_problem(value: str) -> str | None:
    """Return why `value` is not a valid sts:ExternalId, or None."""
    if _EXTERNAL_ID.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid external ID; use 2-1224 characters of letters, digits "
        "and + = , . @ : / _ - with no whitespace (copy it from the Finout console, or run "
        "`finout-telemetry external-id` to make one)"
    )


def role_name_problem(value: str) -> str | None:
    if _ROLE_NAME.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid IAM role name; use 1-64 characters of letters, digits "
        "and + = , . @ _ -"
    )


def policy_name_problem(value: str) -> str | None:
    if len(value) <= POLICY_NAME_LIMIT and _POLICY_NAME.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid IAM policy name; use 1-128 characters of letters, "
        "digits and + = , . @ _ -"
    )


def endpoint_name_problem(value: str) -> str | None:
    if _ENDPOINT_NAME.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid endpoint name; use 1-63 lowercase letters, digits and "
        "hyphens, starting and ending with a letter or digit (it names the stack)"
    )


def account_id_problem(value: str) -> str | None:
    if _ACCOUNT_ID.fullmatch(value):
        return None
    return f"{quoted(value)} is not an AWS account id; write the 12 digits as a quoted string"


def account_name_problem(value: str) -> str | None:
    if _ACCOUNT_NAME.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid account name; use 1-63 lowercase letters, digits, "
        "hyphens and underscores, starting and ending with a letter or digit (it names the "
        "account in `stacks`, CI jobs and GitHub environments)"
    )


def deploy_external_id_problem(value: str) -> str | None:
    """Why `value` cannot be the sts:ExternalId a pipeline gives an account's deploy role: the
    external ID rules, with a fix that points at that role's trust policy, not at Finout."""
    if _EXTERNAL_ID.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid external ID; use 2-1224 characters of letters, digits "
        "and + = , . @ : / _ - with no whitespace, the value the deploy role's trust policy "
        "asks for in sts:ExternalId"
    )


def role_arn_problem(value: str) -> str | None:
    """Why `value` is not the ARN of an IAM role a pipeline can assume, or None."""
    match = _ROLE_ARN.fullmatch(value)
    if match is None:
        reason = _role_arn_mistake(value)
        return f"{quoted(value)} is not an IAM role ARN; " + "; ".join(
            part for part in (reason, _ROLE_ARN_FORM) if part
        )
    if match.group("partition") not in partition_ids():
        return (
            f"{quoted(value)} names the partition {match.group('partition')!r}, which AWS does "
            f"not have; use one of {', '.join(partition_ids())}"
        )
    if len(match.group("path")) + 1 > _ROLE_PATH_LIMIT:
        return f"{quoted(value)} has a path longer than IAM's {_ROLE_PATH_LIMIT} characters"
    return None


def _role_arn_mistake(value: str) -> str:
    """Why `value` is no role ARN, as precisely as its shape tells: the ARNs people paste by
    mistake (a session's, a user's) and the parts IAM would refuse."""
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return ""
    service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
    if service == "sts" and resource.startswith("assumed-role/"):
        return (
            "it is a session of an assumed role (what `aws sts get-caller-identity` shows), "
            "not the role"
        )
    if service == "iam" and resource.startswith("user/"):
        return "it names an IAM user"
    if service != "iam" or region or not resource.startswith("role/"):
        return ""
    if not _ACCOUNT_ID.fullmatch(account):
        return f"its account {quoted(account)} is not 12 digits"
    *folders, name = resource.removeprefix("role/").split("/")
    if "" in folders:
        return "its path has an empty folder ('//')"
    if not name:
        return "it has no role name after its last '/'"
    if bad := _NOT_IN_ROLE_NAME.search("".join(folders)):
        return (
            f"its path has {quoted(bad.group())}, and a path holds folders of letters, digits "
            "and + = , . @ _ - only (Terraform and IAM policies would read others as syntax)"
        )
    if bad := _NOT_IN_ROLE_NAME.search(name):
        return (
            f"its role name has {quoted(bad.group())}, and a role name holds letters, digits "
            "and + = , . @ _ - only"
        )
    if len(name) > 64:
        return f"its role name is {len(name):,} characters long; IAM allows 64"
    return ""


def role_arn_partition(arn: str) -> str:
    """The partition of a role ARN that `role_arn_problem` accepted, else ""."""
    match = _ROLE_ARN.fullmatch(arn)
    return match.group("partition") if match else ""


def session_name_problem(value: str) -> str | None:
    if _SESSION_NAME.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a valid role session name; use 2-64 characters of letters, "
        "digits and + = , . @ _ - (CloudTrail shows it beside every call the pipeline makes)"
    )


def principal_partition(value: str) -> str | None:
    """The partition of a principal ARN (`aws`, `aws-cn`, …); None for a bare account id."""
    match = _PRINCIPAL_ARN.fullmatch(value)
    return match.group("partition") if match else None


def principal_problem(value: str) -> str | None:
    if "*" in value:
        return (
            f"{quoted(value)} would let anyone assume the role; use Finout's AWS account id or "
            "role ARN shown in the Finout console"
        )
    if _ACCOUNT_ID.fullmatch(value):
        return None
    match = _PRINCIPAL_ARN.fullmatch(value)
    if match and match.group("partition") in partition_ids():
        return None
    if match:
        return (
            f"{quoted(value)} names the partition {match.group('partition')!r}, which AWS does "
            f"not have; use one of {', '.join(partition_ids())}, as in the Finout console"
        )
    return (
        f"{quoted(value)} is not a principal; use Finout's 12-digit AWS account id or an ARN like "
        "arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/NAME or "
        ":user/NAME, as shown in the Finout console"
    )


def partition_problem(value: str) -> str | None:
    if value in partition_ids():
        return None
    return f"{quoted(value)} is not an AWS partition; use one of {', '.join(partition_ids())}"


def region_problem(value: str) -> str | None:
    if _REGION.fullmatch(value) and partitions.partition_of(value) is not None:
        return None
    return f"{quoted(value)} is not an AWS region name; use one like us-east-1 or eu-west-2"


def prefix_problem(value: str) -> str | None:
    if value == "":
        return None  # no prefix: the folders sit at the bucket's root
    if value.startswith("/") or value.endswith("/"):
        return (
            f"{quoted(value)} starts or ends with '/'; write it without leading or trailing slashes"
        )
    segments = value.split("/")
    if any(segment == "" for segment in segments):
        return f"{quoted(value)} contains '//'; write each folder once"
    for segment in segments:
        if not _PREFIX_SEGMENT.fullmatch(segment) or segment in (".", ".."):
            return (
                f"{quoted(value)} has the folder {quoted(segment)}, which is not a safe S3 key; "
                "use letters, digits and - _ . ! * ' ( ) only"
            )
    size = len(value.encode())
    if size > 900:
        return (
            f"{quoted(value)} is {size:,} bytes long; keep the S3 path prefix under 900 bytes, "
            "so that a telemetry folder and its daily files fit S3's 1,024-byte keys"
        )
    return None


def telemetry_problem(value: str) -> str | None:
    if value == "":
        return "is empty; name the telemetry as it appears in the CSV header, e.g. 'bytes'"
    if any(ch.isspace() for ch in value):
        return (
            f"{quoted(value)} contains whitespace, which Finout refuses in a CSV header; "
            "use '_' or '-' instead"
        )
    if "/" in value:
        return f"{quoted(value)} contains '/'; a telemetry is one folder, so drop the slash"
    if value.lower() == DATE_COLUMN:
        return (
            f"{quoted(value)} is the name of the CSV's date column; a telemetry column needs "
            "another name, e.g. 'requests'"
        )
    if not _TELEMETRY.fullmatch(value) or value in (".", ".."):
        return f"{quoted(value)} is not a safe S3 folder name; use letters, digits and - _ ."
    return None


def telemetry_key_problem(folder_key: str) -> str | None:
    """Why a telemetry folder cannot hold its daily files: their keys would pass S3's limit."""
    size = len(folder_key.encode()) + UPLOADED_FILE_NAME_BYTES
    if size <= S3_KEY_LIMIT:
        return None
    return (
        f"the folder {quoted(folder_key)} and its daily files (YYYY-MM-DD.csv) make keys of "
        f"{size:,} bytes, over S3's {S3_KEY_LIMIT:,}-byte limit; shorten the prefix or the "
        "telemetry name"
    )


def state_key_problem(value: str) -> str | None:
    """Why `value` cannot be the key prefix of the stacks' state files in the state bucket."""
    if value == "":
        return (
            "is empty; name a key prefix for the state files, e.g. finout-telemetry, or remove "
            "`key:` to use that default"
        )
    segments = value.split("/")
    if any(segment == "" for segment in segments):
        return (
            f"{quoted(value)} starts or ends with '/' or contains '//'; write it like "
            "terraform/finout-telemetry"
        )
    for segment in segments:
        if not _STATE_KEY_SEGMENT.fullmatch(segment) or segment in (".", ".."):
            return (
                f"{quoted(value)} has the folder {quoted(segment)}, which is not a safe S3 key; "
                "use letters, digits and - _ . ! * ' ( ) = only"
            )
    if len(value.encode()) > 900:
        return f"{quoted(value)} is too long; keep the state key prefix under 900 bytes"
    return None


def partition_of(region: str) -> str:
    """The partition of a region that validation accepted (`aws`, `aws-cn`, …)."""
    partition = partitions.partition_of(region)
    if partition is None:
        raise ValueError(f"{quoted(region)} belongs to no AWS partition")
    return partition


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def folder_key(prefix: str, telemetry: str) -> str:
    """A telemetry folder's key: `<prefix>/<telemetry>/`, or `<telemetry>/` without a prefix."""
    return f"{prefix}/{telemetry}/" if prefix else f"{telemetry}/"


def principal_arn(principal: str, partition: str) -> str:
    """A principal as IAM stores it: a 12-digit account id becomes that account's root ARN;
    anything else (an ARN, a wildcard, a unique id) stays as it is."""
    if _ACCOUNT_ID.fullmatch(principal):
        return f"arn:{partition}:iam::{principal}:root"
    return principal


# -- SSE-KMS ---------------------------------------------------------------------------------

ENCRYPTIONS = ("sse-s3", "sse-kms")
"""An endpoint's `encryption`: SSE-S3 (the default) or SSE-KMS with a customer-managed key."""
KMS_KEY_CREATE = "create"
"""`kms_key: create`: the stack makes the key."""
_KMS_KEY_ARN_FORM = "arn:<partition>:kms:<region>:<account>:key/<key-id>"


def kms_key_arn_problem(value: str) -> str | None:
    """Why `value` is not the ARN of a KMS key, the one form IAM can grant kms:Decrypt on.

    An alias (`alias/name`, or its ARN) names a key only to KMS itself: an IAM policy whose
    resource is an alias ARN grants nothing on the key behind it, and a bare key id is no ARN at
    all. Multi-Region keys (`key/mrk-…`) are keys like any other. The key may belong to another
    account than the endpoint's: keys can be shared across accounts (the key's own policy must
    then let the role's account use it).
    """
    how = "`aws kms describe-key --key-id <alias or id>` prints it as KeyMetadata.Arn"
    if _KMS_ALIAS.fullmatch(value):
        return (
            f"{quoted(value)} names an alias; IAM grants kms:Decrypt only on a key's ARN, "
            f"{_KMS_KEY_ARN_FORM} ({how})"
        )
    if _KMS_BARE_KEY_ID.fullmatch(value):
        return f"{quoted(value)} is a key id; write the key's ARN, {_KMS_KEY_ARN_FORM} ({how})"
    match = _KMS_KEY_ARN.fullmatch(value)
    if match is None:
        return (
            f"{quoted(value)} is not a KMS key ARN; write it as {_KMS_KEY_ARN_FORM}, the key id "
            "a UUID or mrk- and 32 hex digits for a multi-Region key"
        )
    partition, region = match.group("partition"), match.group("region")
    if partition not in partition_ids():
        return (
            f"{quoted(value)} names the partition {partition!r}, which AWS does not have; use "
            f"one of {', '.join(partition_ids())}"
        )
    if region_problem(region) is not None or partitions.partition_of(region) != partition:
        return (
            f"{quoted(value)} names the region {region!r}, which is not a region of the "
            f"{partition} partition; copy the key's ARN from KMS"
        )
    return None


def kms_key_problem(value: str) -> str | None:
    """Why `value` can be neither `create` nor a KMS key ARN (an endpoint's `kms_key`)."""
    if value == KMS_KEY_CREATE:
        return None
    problem = kms_key_arn_problem(value)
    return None if problem is None else f"{problem}; or `create` for a key made by the stack"


def arn_account(arn: str) -> str:
    """The account id an ARN names (its fifth field), or "" when it names none."""
    parts = arn.split(":", 5)
    if len(parts) >= 5 and parts[0] == "arn" and _ACCOUNT_ID.fullmatch(parts[4]):
        return parts[4]
    return ""


def kms_key_region(key_arn: str) -> tuple[str, str]:
    """(partition, region) of a key ARN that `kms_key_arn_problem` accepted."""
    match = _KMS_KEY_ARN.fullmatch(key_arn)
    if match is None:
        raise ValueError(f"{quoted(key_arn)} is not a KMS key ARN")
    return match.group("partition"), match.group("region")


def kms_alias_name(endpoint_name: str) -> str:
    """The alias of the key a stack makes for an endpoint (`kms_key: create`)."""
    return f"alias/finout-telemetry-{endpoint_name}"


def kms_policy_name(policy_name: str) -> str:
    """The name of the role's second inline policy, the one that grants kms:Decrypt."""
    return f"{policy_name}-kms"


def kms_via_service(region: str) -> str:
    """S3's service name in `region` as KMS sees it (`kms:ViaService`): the role may decrypt
    only in requests S3 makes on its behalf there, that is, only to read the bucket's files."""
    return f"s3.{region}.{partitions.dns_suffix(partition_of(region))}"


def kms_setting_problems(
    *,
    encryption: str,
    kms_key: str | None,
    existing_bucket: bool,
    region: str,
    policy_name: str,
) -> list[tuple[str, str]]:
    """(field, problem) for KMS settings that contradict each other or the endpoint.

    Fields already refused on their own (a malformed key ARN, an invalid region or policy name)
    are left to their own rule. The config reports these per endpoint, the constructs per prop.
    A key in another account than the endpoint's `account_id` passes: keys can be shared across
    accounts, and the key's own policy decides whether this account may use it.
    """
    problems: list[tuple[str, str]] = []
    if encryption != "sse-kms":
        if kms_key is not None:
            problems.append(
                (
                    "kms_key",
                    f"is set, but encryption is {encryption}, which uses no KMS key; set "
                    "encryption to sse-kms, or remove kms_key",
                )
            )
        return problems
    if kms_key is None:
        problems.append(
            (
                "kms_key",
                "is required with encryption sse-kms: `create` (the stack makes a key) or the "
                f"ARN of an existing key, {_KMS_KEY_ARN_FORM}",
            )
        )
    elif kms_key == KMS_KEY_CREATE and existing_bucket:
        problems.append(
            (
                "kms_key",
                "'create' makes a new key, but the stack never changes an existing bucket, so "
                "its files stay encrypted with the key they have: write that key's ARN (`aws "
                "s3api get-bucket-encryption --bucket <bucket>` shows it), or use encryption "
                "sse-s3 if the bucket uses SSE-S3",
            )
        )
    elif (
        kms_key != KMS_KEY_CREATE
        and kms_key_arn_problem(kms_key) is None
        and region_problem(region) is None
        and (problem := kms_key_region_problem(kms_key, region))
    ):
        problems.append(("kms_key", problem))
    if policy_name_problem(policy_name) is None:
        kms_name = kms_policy_name(policy_name)
        if len(kms_name) > POLICY_NAME_LIMIT:
            longest = POLICY_NAME_LIMIT - len(kms_policy_name(""))
            problems.append(
                (
                    "policy_name",
                    f"is {len(policy_name)} characters long; with encryption sse-kms the role "
                    f"also gets a policy named after it, <policy_name>-kms, of {len(kms_name)} "
                    f"characters, over IAM's {POLICY_NAME_LIMIT}-character limit for policy "
                    f"names: shorten it to at most {longest} characters",
                )
            )
    return problems


def kms_key_region_problem(key_arn: str, region: str) -> str | None:
    """Why a valid key ARN cannot encrypt a bucket in a valid `region`: another partition or
    another region (a key of another account is fine)."""
    key_partition, key_region = kms_key_region(key_arn)
    partition = partition_of(region)
    if key_partition != partition:
        return (
            f"{quoted(key_arn)} is a key of the {key_partition} partition, but the region "
            f"{region} is in {partition}; a bucket and a role can only use keys of their own "
            f"partition: use a key in {region}"
        )
    if key_region != region:
        return (
            f"{quoted(key_arn)} is a key in {key_region}, but the bucket is in {region}; S3 "
            f"encrypts a bucket's files only with a key of the bucket's region: use a key in "
            f"{region} (a multi-Region key's replica there has its own ARN)"
        )
    return None


# -- Access modes ------------------------------------------------------------------------------

ACCESS_READ_ONLY = "read_only"
ACCESS_READ_ONLY_SCOPED = "read_only_scoped"
ACCESS_READ_WRITE = "read_write"
ACCESS_MODES = (ACCESS_READ_ONLY, ACCESS_READ_ONLY_SCOPED, ACCESS_READ_WRITE)
DEFAULT_ACCESS = ACCESS_READ_ONLY
FINOUT_ACCESS_LABELS = {
    ACCESS_READ_ONLY: "Read only",
    ACCESS_READ_ONLY_SCOPED: "Read only",
    ACCESS_READ_WRITE: "Read and write",
}
"""The bucket access to pick in Finout's endpoint form, per mode. Finout cannot change it later."""


def write_prefix_problem(value: str) -> str | None:
    if value == "":
        return (
            "is empty; name the folder Finout's exporter writes under, e.g. 'finout/exports' "
            "(never the bucket's root)"
        )
    return prefix_problem(value)


def prefixes_overlap(first: str, second: str) -> bool:
    """Whether two key prefixes (without trailing '/'; empty: the whole bucket) share a key:
    one is the other or a folder under it. `a/b` and `a/bc` do not overlap."""
    a, b = (f"{first}/" if first else ""), (f"{second}/" if second else "")
    return a.startswith(b) or b.startswith(a)


_IAM_WILDCARD = (
    "contains '*', which an IAM policy reads as a wildcard, so the policy would reach keys "
    "outside it; rename the folder without '*'"
)


def access_setting_problems(
    *,
    access: str,
    prefix: str | None,
    write_prefix: str | None,
    telemetries: list[str],
) -> list[tuple[str, str]]:
    """(field, problem) for `access`, `prefix` and `write_prefix` that contradict each other.
    `prefix` None: it breaks its own rule (reported there), so only what does not depend on it
    is judged, and a missing or needless write_prefix is still said in the same run.

    The prefixes a mode writes into a policy must be literal: IAM has no quoting for `*`, so a
    scoped read or a write prefix with one would grant more than it says.
    """
    problems: list[tuple[str, str]] = []
    if access == ACCESS_READ_ONLY_SCOPED and prefix is not None:
        if prefix == "":
            problems.append(
                (
                    "prefix",
                    "is required with access read_only_scoped: the policy allows reads under "
                    "it only; set the S3 path prefix of the folders (e.g. 'finout/telemetry'), "
                    "or use access read_only",
                )
            )
        elif "*" in prefix:
            problems.append(("prefix", f"{quoted(prefix)} {_IAM_WILDCARD}"))
    if access != ACCESS_READ_WRITE:
        if write_prefix is not None:
            problems.append(
                (
                    "write_prefix",
                    f"is set, but access is {access}, which lets Finout write nothing; set "
                    "access to read_write, or remove write_prefix",
                )
            )
        return problems
    if write_prefix is None:
        problems.append(
            (
                "write_prefix",
                "is required with access read_write: the folder Finout's exporter writes "
                "under, e.g. 'finout/exports', outside every telemetry folder",
            )
        )
        return problems
    if write_prefix_problem(write_prefix) is not None:
        return problems  # reported by its own rule
    if "*" in write_prefix:
        problems.append(("write_prefix", f"{quoted(write_prefix)} {_IAM_WILDCARD}"))
    if prefix is None:
        return problems  # the telemetry folders are unknown until the prefix is fixed
    folders = [folder_key(prefix, t)[:-1] for t in telemetries if isinstance(t, str)]
    overlapping = [f"{f}/" for f in folders if prefixes_overlap(write_prefix, f)]
    if overlapping:
        shown = ", ".join(quoted(key) for key in overlapping[:3])
        more = f" and {len(overlapping) - 3} more" if len(overlapping) > 3 else ""
        example = _export_folder_example(prefix, folders)
        problems.append(
            (
                "write_prefix",
                f"{quoted(write_prefix)} overlaps the telemetry folder {shown}{more}: Finout "
                "would write where it reads telemetry; choose a folder beside them"
                + (f", e.g. {quoted(example)}" if example else ""),
            )
        )
    return problems


def _export_folder_example(prefix: str, folders: list[str]) -> str | None:
    """A write prefix the rules accept beside these telemetry folders, or None: an example
    that is refused in turn (a telemetry named `finout-exports`, a prefix near 900 bytes)
    would send the user round again."""
    beside: tuple[str, ...] = (f"{prefix}-exports",) if prefix else ()
    for example in (*beside, "finout-exports", "exports", "finout-exports-1"):
        if write_prefix_problem(example) is None and not any(
            prefixes_overlap(example, folder) for folder in folders
        ):
            return example
    return None
