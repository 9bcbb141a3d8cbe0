"""Which KMS keys stand between Finout and the files, and where each is used: the bucket's
default encryption and each folder's newest file. Shared by FINOUT-KMS-001 (may the role decrypt)
and FINOUT-IAM-007 (does the permissions boundary allow it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from finout_s3_telemetry.check.finout_session import kms_decrypt_request
from finout_s3_telemetry.check.probes import PROBE_FILE
from finout_s3_telemetry.check.snapshot import EndpointSnapshot
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.iam_evaluation import Request
from finout_s3_telemetry.naming import kms_key_region

AWS_MANAGED_S3_KEY = "alias/aws/s3"
"""The key S3 uses for SSE-KMS when the request or the bucket rule names none."""


@dataclass(frozen=True)
class KeyUse:
    """Where a key is used, and the ARN S3 puts in the encryption context for it."""

    source: Literal["default", "file", "config"]
    """The bucket's default encryption, a newest file, or only the config's `kms_key`."""
    where: str
    context_arn: str


def key_uses(
    endpoint: EndpointConfig, snapshot: EndpointSnapshot
) -> tuple[dict[str, list[KeyUse]], list[str]]:
    """(key reference as S3 reports it -> uses, sentences about what could not be read)."""
    bucket_arn = endpoint.bucket_arn
    uses: dict[str, list[KeyUse]] = defaultdict(list)
    unread = []
    encryption = snapshot.encryption
    if encryption is not None and encryption.is_found and encryption.get().uses_kms:
        rule = encryption.get()
        first_folder = next(iter(endpoint.folder_keys.values()), "")
        file_arn = f"{bucket_arn}/{first_folder}{PROBE_FILE}"
        uses[rule.kms_key or AWS_MANAGED_S3_KEY].append(
            KeyUse(
                "default",
                f"the default encryption of bucket {endpoint.bucket}",
                bucket_arn if rule.bucket_key else file_arn,
            )
        )
    elif encryption is not None and not encryption.is_found and encryption.state != "missing":
        unread.append(
            f"the default encryption of bucket {endpoint.bucket} could not be read "
            f"({encryption.why()}; the checker needs s3:GetEncryptionConfiguration)"
        )
    listing = snapshot.listing
    if listing is not None and not listing.is_found:
        # Without the listing no newest file was looked at: their keys are unknown, not absent.
        unread.append(
            f"the files of bucket {endpoint.bucket} could not be listed ({listing.why()}; the "
            "checker needs s3:ListBucket), so the keys that encrypt them are unknown"
        )
    for head in snapshot.newest_heads.values():
        if not head.is_found:
            unread.append(
                f"how a newest file is encrypted could not be read ({head.why()}; HeadObject "
                "needs s3:GetObject)"
            )
            continue
        found = head.get()
        if found.encryption.startswith("aws:kms"):
            uses[found.kms_key or AWS_MANAGED_S3_KEY].append(
                KeyUse(
                    "file",
                    f"s3://{endpoint.bucket}/{found.key}",
                    bucket_arn if found.bucket_key else f"{bucket_arn}/{found.key}",
                )
            )
    return uses, unread


def key_references(endpoint: EndpointConfig, snapshot: EndpointSnapshot) -> list[str]:
    """Every key to read: those in use and the one the config names, without repeats."""
    references = list(key_uses(endpoint, snapshot)[0])
    if endpoint.kms_key and endpoint.kms_key.startswith("arn:"):
        references.append(endpoint.kms_key)
    return list(dict.fromkeys(references))


def decrypt_requests(
    key_arn: str, uses: list[KeyUse], role_arn: str, session: Mapping[str, tuple[str, ...]]
) -> list[Request]:
    """The kms:Decrypt requests S3 makes for the role with this key: one per distinct
    encryption context (a file's ARN, or the bucket's with S3 Bucket Keys), as a key policy or
    a boundary may test it."""
    _, region = kms_key_region(key_arn)
    return [
        kms_decrypt_request(key_arn, role_arn, region, context_arn, session)
        for context_arn in dict.fromkeys(use.context_arn for use in uses)
    ]
