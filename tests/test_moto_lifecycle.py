"""The emulator reads lifecycle configurations back the way AWS does, so the provider's wait ends.

After `PutBucketLifecycleConfiguration` the AWS provider (5.100.0) polls
`GetBucketLifecycleConfiguration` until the rules and `TransitionDefaultMinimumObjectSize` read
back equal to what it wrote, on 10 consecutive reads. A read that differs (a field dropped, added
or renamed) does not count, and after 3 minutes the create fails. These tests hold moto to AWS's
shape for the rules our stacks write. They do not (and cannot) make the wait shorter than the
provider's minimum; DEVELOPERS.md ("Lifecycle configuration waits") explains.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from finout_s3_telemetry.constructs.bucket_defaults import SECURE_BUCKET_DEFAULTS

from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

pytestmark = [pytest.mark.moto]

# What the provider sends when `transition_default_minimum_object_size` is not set, and what AWS
# answers for such a bucket.
TRANSITION_DEFAULT = "all_storage_classes_128K"

# The rules of a telemetry bucket with the default settings, as the provider (5.100.0) writes
# them: `filter {}` becomes an empty-prefix filter, and AWS returns that filter as written.
PROVIDER_RULES: list[dict[str, Any]] = [
    {
        "ID": "abort-incomplete-multipart-uploads",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {
            "DaysAfterInitiation": SECURE_BUCKET_DEFAULTS.abort_incomplete_multipart_upload_days
        },
    },
    {
        "ID": "expire-noncurrent-versions",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {
            "NoncurrentDays": SECURE_BUCKET_DEFAULTS.noncurrent_version_expiration_days
        },
    },
]


def test_lifecycle_rules_read_back_exactly_as_written(local_aws: LocalAws) -> None:
    settings = Target("local", local_aws.endpoint_url).boto3_settings()
    s3 = boto3.client("s3", region_name="us-east-1", **settings)
    s3.create_bucket(Bucket="acme-lifecycle-shape")
    s3.put_bucket_versioning(
        Bucket="acme-lifecycle-shape", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="acme-lifecycle-shape",
        LifecycleConfiguration={"Rules": PROVIDER_RULES},
        TransitionDefaultMinimumObjectSize=TRANSITION_DEFAULT,
    )

    for _ in range(2):  # the provider compares several reads with each other too
        answer = s3.get_bucket_lifecycle_configuration(Bucket="acme-lifecycle-shape")
        # Field for field, as the provider's comparison sees them: nothing missing, nothing extra.
        assert sorted(answer["Rules"], key=lambda r: r["ID"]) == PROVIDER_RULES
        assert answer["TransitionDefaultMinimumObjectSize"] == TRANSITION_DEFAULT


# -- the real provider against the emulator --------------------------------------------------

ENTRY_START = re.compile(r"^\d{4}-\d{2}-\d{2}T\S+ \[")


@dataclass(frozen=True)
class LoggedCall:
    """One S3 request or response in the provider's debug log."""

    kind: str  # "HTTP Request Sent" or "HTTP Response Received"
    method: str
    rpc: str
    resource_type: str
    transition_default: str
    body: str


def logged_lifecycle_calls(log: str) -> list[LoggedCall]:
    entries: list[list[str]] = []
    for line in log.splitlines():
        if ENTRY_START.match(line) or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    calls = []
    for lines in entries:
        text = "\n".join(lines)
        method = re.search(r"rpc\.method=(\w+)", text)
        if not method or "LifecycleConfiguration" not in method.group(1):
            continue
        kind = next((k for k in ("HTTP Request Sent", "HTTP Response Received") if k in text), "")
        if not kind:
            continue
        rpc = re.search(r"\btf_rpc=(\w+)", text)
        resource_type = re.search(r"\btf_resource_type=(\w+)", text)
        size = re.search(r"header\.x_amz_transition_default_minimum_object_size=(\S+)", text)
        body = "\n".join(line[4:] for line in lines if line.startswith("  | "))
        calls.append(
            LoggedCall(
                kind=kind,
                method=method.group(1),
                rpc=rpc.group(1) if rpc else "",
                resource_type=resource_type.group(1) if resource_type else "",
                transition_default=size.group(1) if size else "",
                body=body.strip(),
            )
        )
    return calls


def _canonical(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    pairs = [(child.tag.rpartition("}")[2], _canonical(child)) for child in children]
    return tuple(sorted(pairs, key=repr))


def rules_of(body: str) -> list[Any]:
    """The rules of a LifecycleConfiguration document, independent of element order."""
    document = ET.fromstring(body)
    return sorted((_canonical(rule) for rule in document), key=repr)
