"""AWS partitions and the regions that belong to them, from botocore's own partition data.

botocore ships the same partition table every AWS SDK uses (`botocore/data/partitions.json`:
each partition's id and the pattern of its region names). Reading that file rather than keeping
a list here means a new region or partition arrives with a botocore upgrade. The file is read
without importing botocore, which config validation cannot afford on every `synth`.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Partition:
    id: str
    """`aws`, `aws-cn`, `aws-us-gov`, …: the second field of every ARN in the partition."""
    region_pattern: re.Pattern[str]
    regions: frozenset[str]
    dns_suffix: str
    """`amazonaws.com`, `amazonaws.com.cn`, …: the end of the partition's service host names."""


@cache
def partitions() -> tuple[Partition, ...]:
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:  # pragma: no cover - boto3 depends on botocore
        raise RuntimeError("botocore is not installed; reinstall finout-s3-telemetry")
    data = json.loads((Path(spec.origin).parent / "data" / "partitions.json").read_text())
    return tuple(
        Partition(
            entry["id"],
            # ASCII: botocore's patterns use \w, which in Python would also match non-ASCII
            # letters and digits.
            re.compile(entry["regionRegex"], re.ASCII),
            frozenset(entry.get("regions", {})),
            entry["outputs"]["dnsSuffix"],
        )
        for entry in data["partitions"]
    )


def partition_ids() -> tuple[str, ...]:
    return tuple(partition.id for partition in partitions())


def dns_suffix(partition_id: str) -> str:
    """The DNS suffix of a known partition's service endpoints (`s3.<region>.<suffix>`)."""
    for partition in partitions():
        if partition.id == partition_id:
            return partition.dns_suffix
    raise ValueError(f"{partition_id!r} is not an AWS partition")


def partition_of(region: str) -> str | None:
    """The partition a region name belongs to, or None when it belongs to none."""
    for partition in partitions():
        if region in partition.regions:
            return partition.id
    for partition in partitions():
        if partition.region_pattern.fullmatch(region):
            return partition.id
    return None
