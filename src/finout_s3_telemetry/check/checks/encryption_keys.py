"""FINOUT-KMS-001: where files are encrypted with SSE-KMS, the role may decrypt with that key.

S3 decrypts an SSE-KMS file for the reader by calling kms:Decrypt as the reader. The keys judged
are the bucket's default (GetBucketEncryption) and each folder's newest file's (HeadObject), so a
bucket whose default changed still has its older files' key judged. A customer-managed key is
evaluated by AWS's rules for KMS: the key policy must allow the role, directly or by delegating
to the account, in which case the role's own policies must allow it too. The AWS-managed `aws/s3`
key passes: its key policy lets every principal of the account use it through S3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from finout_s3_telemetry.check.access_answers import identity_policies
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.key_uses import KeyUse, decrypt_requests, key_uses
from finout_s3_telemetry.check.model import Severity, Status
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed, warned
from finout_s3_telemetry.check.snapshot import KEY_IN_ANOTHER_REGION, KmsKey
from finout_s3_telemetry.iam_evaluation import Evaluation, Policy, evaluate
from finout_s3_telemetry.naming import kms_key_region, kms_via_service

ENABLED = "Enabled"
AWS_MANAGED = "AWS"


@dataclass(frozen=True)
class Verdict:
    status: Status
    sentence: str
    remediation: str = ""


def _declared(ctx: EndpointContext, key: KmsKey, uses: list[KeyUse]) -> bool:
    """Whether the config declares this key: by ARN, or as the key the stack creates (the
    default encryption of a bucket the stack made with `kms_key: create`)."""
    configured = ctx.endpoint.kms_key or ""
    if configured.startswith("arn:"):
        return key.arn == configured
    return ctx.endpoint.creates_kms_key and any(u.source == "default" for u in uses)


def judge_key(ctx: EndpointContext, key: KmsKey, uses: list[KeyUse]) -> Verdict:
    where = listed([u.where for u in uses], 3)
    if key.state != ENABLED:
        return Verdict(
            Status.FAIL,
            f"key {key.arn}, used by {where}, is {key.state}, so S3 cannot decrypt with it",
            f"Enable key {key.arn} (or cancel its deletion); files encrypted with it are "
            "unreadable until then.",
        )
    if key.manager == AWS_MANAGED:
        return Verdict(
            Status.PASS,
            f"{where} uses the AWS-managed key {key.arn}, whose key policy lets every principal "
            "of its account use it through S3, so the role's s3:GetObject suffices",
        )
    if not key.policy.is_found:
        return Verdict(
            Status.WARN,
            f"the policy of key {key.arn}, used by {where}, could not be read "
            f"({key.policy.why()}), so whether the role may decrypt was not evaluated",
            f"Let the checker call kms:GetKeyPolicy on {key.arn}.",
        )
    _, region = kms_key_region(key.arn)
    answer = _worst(
        evaluate(
            request,
            identity=identity_policies(ctx.snapshot),
            resource_policy=Policy(f"the policy of key {key.arn}", key.policy.get()),
            resource_kind="kms",
        )
        for request in decrypt_requests(key.arn, uses, ctx.role_arn, ctx.session)
    )
    role = ctx.endpoint.role_name
    if answer.decision == "allowed":
        return Verdict(Status.PASS, f"role {role} may decrypt with key {key.arn}, used by {where}")
    key_policy_rule = (
        f"let role {ctx.role_arn} call kms:Decrypt on key {key.arn} with kms:ViaService "
        f"{kms_via_service(region)}: name the role, or delegate to the account root (then the "
        "role's own policies must allow it too)"
    )
    if _declared(ctx, key, uses):
        restore = ctx.deploy("restore the kms:Decrypt policy and the key policy")
        fix = f"{restore} Else make the key policy {key_policy_rule}."
    else:
        fix = (
            f"Declare the key for endpoint {ctx.endpoint.name} in the config (`encryption: "
            f"sse-kms`, `kms_key: {key.arn}`) and run `cdktf deploy {ctx.endpoint.name}`, which "
            f"grants the role kms:Decrypt on it; the key policy must also {key_policy_rule}."
        )
    if answer.decision == "undecided":
        unknown = sorted({k for ref in answer.undecided for k in ref.unknown_keys})
        return Verdict(
            Status.WARN,
            f"whether role {role} may decrypt with key {key.arn}, used by {where}, depends on "
            f"{listed(unknown) or 'values'} the checker cannot know ({answer.reason})",
            fix,
        )
    return Verdict(
        Status.FAIL,
        f"role {role} may not decrypt with key {key.arn}, used by {where} ({answer.reason})",
        fix,
    )


_SEVERITY = {"explicitDeny": 0, "implicitDeny": 1, "undecided": 2, "allowed": 3}


def _worst(answers: Iterable[Evaluation]) -> Evaluation:
    """The answer that stands between Finout and some file: a denial first, then an undecided
    one; "allowed" only when every request is allowed."""
    return min(answers, key=lambda answer: _SEVERITY[answer.decision])


@check("FINOUT-KMS-001", Severity.CRITICAL, "The role may decrypt the files' KMS keys")
def role_may_decrypt(ctx: EndpointContext) -> Finding | None:
    if ctx.snapshot.encryption is None or not ctx.snapshot.role.is_found:
        return None
    uses, unread = key_uses(ctx.endpoint, ctx.snapshot)
    configured = ctx.endpoint.kms_key or ""
    if configured.startswith("arn:") and configured not in uses:
        # Judged even when nothing shows it in use yet (an empty bucket, or a default
        # encryption the checker may not read): the next file may well be encrypted with it.
        uses[configured] = [KeyUse("config", "the config", ctx.endpoint.bucket_arn)]
    if not uses and not unread:
        if not ctx.endpoint.uses_kms:
            return None
        return passed(
            ctx.endpoint.bucket_arn,
            f"Neither bucket {ctx.endpoint.bucket}'s default encryption nor its newest files use "
            "SSE-KMS, so no key stands between Finout and the files.",
        )
    by_arn: dict[str, tuple[KmsKey, list[KeyUse]]] = {}
    verdicts = [
        Verdict(Status.WARN, sentence, "Grant the checker the read permission named.")
        for sentence in unread
    ]
    for reference, found_uses in uses.items():
        read = ctx.snapshot.kms_keys.get(reference)
        where = listed([u.where for u in found_uses], 3)
        if read is None or not read.is_found:
            if read is not None and read.state == "missing":
                verdicts.append(
                    Verdict(
                        Status.FAIL,
                        f"key {reference}, used by {where}, does not exist, so no one can "
                        "decrypt those files",
                        "Restore the key if it is pending deletion; otherwise upload the files "
                        "again under a key that exists.",
                    )
                )
            else:
                why = read.why() if read is not None else "not read"
                fix = f"Let the checker call kms:DescribeKey on {reference}."
                if read is not None and read.code == KEY_IN_ANOTHER_REGION:
                    fix = (
                        f"Encrypt bucket {ctx.endpoint.bucket} with a key of its own region "
                        f"(`encryption: sse-kms` and `kms_key` for endpoint {ctx.endpoint.name})."
                    )
                verdicts.append(
                    Verdict(
                        Status.WARN,
                        f"key {reference}, used by {where}, could not be read ({why})",
                        fix,
                    )
                )
            continue
        key = read.get()
        known_uses = by_arn.setdefault(key.arn, (key, []))[1]
        known_uses.extend(found_uses)
    verdicts += [judge_key(ctx, key, key_uses_) for key, key_uses_ in by_arn.values()]
    return _finding(ctx, verdicts)


def _finding(ctx: EndpointContext, verdicts: list[Verdict]) -> Finding:
    resource = ctx.role_arn
    for status in (Status.FAIL, Status.WARN):
        chosen = [v for v in verdicts if v.status is status]
        if chosen:
            detail = "; ".join(v.sentence for v in chosen)
            fixes = " ".join(dict.fromkeys(v.remediation for v in chosen))
            detail = detail[0].upper() + detail[1:] + "."
            return (failed if status is Status.FAIL else warned)(resource, detail, fixes)
    detail = "; ".join(v.sentence for v in verdicts)
    return passed(resource, detail[0].upper() + detail[1:] + ".")


CHECKS = (role_may_decrypt,)
