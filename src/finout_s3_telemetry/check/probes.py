"""The requests whose answer proves the role is read-only: what Finout must be able to do, and a
fixed set of writes and deletes it must not be able to do.

The probes are the same whichever method answers them (iam:SimulatePrincipalPolicy or the local
evaluator), so both methods check the same thing. Object probes grow with the telemetries, but
they are answered in one simulation call per group, never one call per telemetry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from finout_s3_telemetry.config.model import EndpointConfig

Group = Literal["object", "bucket", "role"]
# A file name inside each folder: Finout reads files, not the zero-byte folder marker.
PROBE_FILE = "finout-check-probe.csv"

OBJECT_WRITES = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl")
BUCKET_WRITES = (
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
)
# Ways a role could widen its own access.
ROLE_WRITES = (
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
)


@dataclass(frozen=True)
class Probe:
    action: str
    resource: str
    expect: Literal["allow", "deny"]
    group: Group
    telemetry: str = ""


def access_probes(endpoint: EndpointConfig, role_arn: str) -> tuple[Probe, ...]:
    bucket = endpoint.bucket_arn
    probes = [Probe("s3:ListBucket", bucket, "allow", "bucket")]
    for telemetry, folder in endpoint.folder_keys.items():
        file_arn = f"{bucket}/{folder}{PROBE_FILE}"
        probes.append(Probe("s3:GetObject", file_arn, "allow", "object", telemetry))
        probes += [Probe(a, file_arn, "deny", "object", telemetry) for a in OBJECT_WRITES]
    probes += [Probe(action, bucket, "deny", "bucket") for action in BUCKET_WRITES]
    probes += [Probe(action, role_arn, "deny", "role") for action in ROLE_WRITES]
    return tuple(probes)


def grouped(probes: tuple[Probe, ...]) -> dict[Group, tuple[list[str], list[str]]]:
    """Per group: (distinct actions, distinct resources), in first-seen order, for one simulation
    call each (IAM simulates every action against every resource of the call)."""
    groups: dict[Group, tuple[list[str], list[str]]] = {}
    for probe in probes:
        actions, resources = groups.setdefault(probe.group, ([], []))
        if probe.action not in actions:
            actions.append(probe.action)
        if probe.resource not in resources:
            resources.append(probe.resource)
    return groups
