"""The requests whose answer proves the role does what its access mode allows and no more: what
Finout must be able to do, and a fixed set of writes and deletes it must not be able to do.

By mode (`EndpointConfig.access`): `read_only` reads the whole bucket; `read_only_scoped` reads
under the prefix, so reads beside it (a key at the bucket's root, one that only begins like the
prefix, a listing without the prefix) must be refused; `read_write` also writes under
`write_prefix`, so those writes must be allowed, and the same writes beside it refused.

The probes are the same whichever method answers them (iam:SimulatePrincipalPolicy or the local
evaluator), so both methods check the same thing. Object probes grow with the telemetries, but
they are answered in one simulation call per group, never one call per telemetry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.naming import ACCESS_READ_ONLY_SCOPED, ACCESS_READ_WRITE

Group = Literal["object", "bucket", "role", "outside"]
Purpose = Literal["read", "write", "outside_read", "export"]
"""`read`: Finout's reads (allowed); `write`: writes and deletes (refused); `outside_read`: a
scoped role's reads beside its prefix (refused); `export`: a read_write role's writes under its
write prefix (allowed)."""
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
# What Finout's exporters do under the write prefix: upload files, in parts when large.
EXPORT_WRITES = ("s3:PutObject", "s3:AbortMultipartUpload")
# Writes an exporter never needs, even under the write prefix.
EXPORT_REFUSED = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl")


@dataclass(frozen=True)
class Probe:
    action: str
    resource: str
    expect: Literal["allow", "deny"]
    group: Group
    telemetry: str = ""
    purpose: Purpose | None = None
    """None: `read` when allowed, `write` when refused."""
    list_prefix: str | None = None
    """For s3:ListBucket, the s3:prefix the request carries ("": none, the whole bucket); None:
    the endpoint's prefix, as Finout lists."""

    @property
    def kind(self) -> Purpose:
        if self.purpose is not None:
            return self.purpose
        return "read" if self.expect == "allow" else "write"


def access_probes(endpoint: EndpointConfig, role_arn: str) -> tuple[Probe, ...]:
    bucket = endpoint.bucket_arn
    probes = [Probe("s3:ListBucket", bucket, "allow", "bucket")]
    for telemetry, folder in endpoint.folder_keys.items():
        file_arn = f"{bucket}/{folder}{PROBE_FILE}"
        probes.append(Probe("s3:GetObject", file_arn, "allow", "object", telemetry))
        probes += [Probe(a, file_arn, "deny", "object", telemetry) for a in OBJECT_WRITES]
    probes += [Probe(action, bucket, "deny", "bucket") for action in BUCKET_WRITES]
    probes += [Probe(action, role_arn, "deny", "role") for action in ROLE_WRITES]
    if endpoint.access == ACCESS_READ_ONLY_SCOPED:
        probes += _outside_reads(bucket, endpoint.prefix)
    if endpoint.access == ACCESS_READ_WRITE and endpoint.write_prefix:
        probes += _export_writes(bucket, endpoint.write_prefix)
    return tuple(probes)


def _outside_reads(bucket: str, prefix: str) -> list[Probe]:
    """A key at the bucket's root, a key that only begins like the prefix (`<prefix>-…`, which a
    policy missing its `/` would reach), a listing of the whole bucket, and a listing of keys
    that only begin like the prefix: an s3:prefix condition of `*`, of a parent folder or
    without the `/` allows that listing (and every other), but not the whole-bucket one, which
    carries no s3:prefix."""
    return [
        Probe("s3:GetObject", f"{bucket}/{PROBE_FILE}", "deny", "outside", purpose="outside_read"),
        Probe(
            "s3:GetObject",
            f"{bucket}/{prefix}-{PROBE_FILE}",
            "deny",
            "outside",
            purpose="outside_read",
        ),
        Probe("s3:ListBucket", bucket, "deny", "outside", purpose="outside_read", list_prefix=""),
        Probe(
            "s3:ListBucket",
            bucket,
            "deny",
            "outside",
            purpose="outside_read",
            list_prefix=f"{prefix}-",
        ),
    ]


def _export_writes(bucket: str, write_prefix: str) -> list[Probe]:
    """Uploads under the write prefix are allowed; deletes there, and uploads at the bucket's
    root or beside the prefix (`<write_prefix>-…`), are refused."""
    export = f"{bucket}/{write_prefix}/{PROBE_FILE}"
    probes = [Probe(a, export, "allow", "object", purpose="export") for a in EXPORT_WRITES]
    probes += [Probe(a, export, "deny", "object") for a in EXPORT_REFUSED]
    for beside in (f"{bucket}/{PROBE_FILE}", f"{bucket}/{write_prefix}-{PROBE_FILE}"):
        probes += [Probe(a, beside, "deny", "object") for a in EXPORT_WRITES]
    return probes


def finout_reads(probes: tuple[Probe, ...]) -> tuple[Probe, ...]:
    """The reads Finout must be able to make (the bucket policy, boundary and key must allow
    them too)."""
    return tuple(p for p in probes if p.kind == "read")


def grouped(probes: tuple[Probe, ...]) -> dict[Group, tuple[list[str], list[str]]]:
    """Per group: (distinct actions, distinct resources), in first-seen order, for one simulation
    call each (IAM simulates every action against every resource of the call).

    A scoped role's reads beside its prefix are left out: a listing without the prefix has the
    same action and resource as Finout's own listing, and the simulator's answers are keyed by
    those two, so the local evaluation answers them (`access_answers`)."""
    groups: dict[Group, tuple[list[str], list[str]]] = {}
    for probe in probes:
        if probe.group == "outside":
            continue
        actions, resources = groups.setdefault(probe.group, ([], []))
        if probe.action not in actions:
            actions.append(probe.action)
        if probe.resource not in resources:
            resources.append(probe.resource)
    return groups
