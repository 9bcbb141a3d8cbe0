"""FINOUT-S3-009: the bucket policy denies none of Finout's reads.

A bucket policy's Deny beats any Allow the role has. The policy is evaluated for each read Finout
makes (s3:ListBucket under the prefix, s3:GetObject in each folder), as a TLS request of the
role's session from outside the customer's networks (`finout_session`): a Deny that only a VPC
endpoint or a source address could lift applies to Finout. A statement that needs a value the
checker cannot know (a tag, a TLS version) is a warning naming the key, never a pass.
"""

from __future__ import annotations

from collections import defaultdict

from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.finout_session import NETWORK_KEYS, s3_request
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.probes import Probe, access_probes, finout_reads
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed, warned
from finout_s3_telemetry.check.shared_answers import SharedAnswers
from finout_s3_telemetry.check.snapshot import Simulation
from finout_s3_telemetry.iam_evaluation import Policy, StatementRef
from finout_s3_telemetry.iam_policies import as_list, condition_keys
from finout_s3_telemetry.terminal_text import shorten

_SIMULATOR_DENY = StatementRef("the bucket policy", -1, "", "Deny")
"""A Deny IAM's simulator found that the local evaluation could not place."""
_UNPLACED = StatementRef("the bucket policy", -1, "", "?")
"""What leaves a read undecided when the evaluation names no statement for it."""
KEY_SHOWN = 80
"""Characters of a condition key shown: a key is whatever the policy's author wrote."""
ANY_IDENTITY = Policy(
    "an identity policy allowing everything",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
)
"""Stands in for the role's own policies, so that only the bucket policy can refuse: whether the
role's policies allow the reads is FINOUT-IAM-005's verdict."""


def _newest_files(ctx: EndpointContext) -> list[Probe]:
    """GetObject of each folder's newest file, by its real key: a Deny on part of a folder
    (`folder/2024-*`) spares the probe file's name but not the files Finout reads."""
    listing = ctx.snapshot.listing
    if listing is None or not listing.is_found:
        return []
    probes = []
    for telemetry, folder in ctx.endpoint.folder_keys.items():
        newest = listing.get().newest_in(folder)
        if newest is not None:
            resource = f"{ctx.endpoint.bucket_arn}/{newest.key}"
            probes.append(Probe("s3:GetObject", resource, "allow", "object", telemetry))
    return probes


def _what(actions: dict[str, list[str]]) -> str:
    parts = []
    for action, found in actions.items():
        targets = list(dict.fromkeys(found))  # a folder's probe file and its newest file
        if targets == ["the bucket"]:
            parts.append(f"{action} on the bucket")
        elif len(targets) == 1:
            parts.append(f"{action} in folder {targets[0]}")
        else:
            parts.append(f"{action} in {len(targets)} folders")
    return listed(parts)


def _method(by_iam: int, by_local: int, simulation: Simulation | None) -> str:
    """Which evaluation answered, for the detail."""
    iam = "iam:SimulatePrincipalPolicy with the bucket policy as its resource policy"
    local = "locally, by AWS's policy evaluation rules"
    if not by_iam:
        why = ""
        if simulation is not None and not simulation.ran:
            why = f", as iam:SimulatePrincipalPolicy is unavailable ({simulation.unavailable})"
        return f"Evaluated {local}{why}."
    if not by_local:
        return f"Evaluated by {iam}."
    return (
        f"Evaluated by {iam} for {by_iam} reads, and {local}, for the {by_local} it could not "
        "decide (a value it lacked, such as a VPC endpoint)."
    )


def _name(ref: StatementRef) -> str:
    if ref is _SIMULATOR_DENY or ref is _UNPLACED:
        return "a statement of the bucket policy"
    return ref.describe()


def _sentence(parts: list[str], method: str) -> str:
    text = listed(parts)
    return f"{text[:1].upper()}{text[1:]}. {method}"


def _why(ref: StatementRef, document: dict[str, object]) -> str:
    # `ref.index` counts every element of Statement, as the evaluator does, not only the JSON
    # objects among them (`statements` drops the others).
    found = as_list(document.get("Statement"))
    if not 0 <= ref.index < len(found) or not isinstance(found[ref.index], dict):
        return "IAM's simulator found the Deny"
    keys = [shorten(key, KEY_SHOWN) for key in condition_keys(found[ref.index])]
    network = [k for k in keys if k.lower() in {n.lower() for n in NETWORK_KEYS}]
    if network:
        return (
            f"only a request from your network ({listed(network)}) could lift it, and Finout "
            "does not come from your network"
        )
    if keys:
        return f"its conditions ({listed(list(keys))}) hold for Finout's session"
    return "it has no condition"


@check("FINOUT-S3-009", Severity.HIGH, "The bucket policy denies none of Finout's reads")
def bucket_policy_denies_no_reads(ctx: EndpointContext) -> Finding | None:
    read, name, arn = ctx.snapshot.bucket_policy, ctx.endpoint.bucket, ctx.endpoint.bucket_arn
    if read is None:
        return None
    if read.state == "missing":
        return passed(arn, f"Bucket {name} has no bucket policy, so it denies Finout nothing.")
    if not read.is_found:
        return warned(
            arn,
            f"The policy of bucket {name} could not be read ({read.why()}), so whether it denies "
            "Finout's reads was not evaluated.",
            f"Let the checker call s3:GetBucketPolicy on bucket {name}.",
        )
    document = read.get()
    policy = Policy(f"bucket {name}'s policy", document)
    denied: dict[StatementRef, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    unsure: dict[StatementRef, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    probes = list(finout_reads(access_probes(ctx.endpoint, ctx.role_arn)))
    probes += _newest_files(ctx)
    simulation = ctx.snapshot.bucket_policy_simulation
    simulated = simulation.decisions if simulation is not None and simulation.ran else {}
    if simulation is None:
        simulation = ctx.snapshot.simulation  # never tried: say why IAM could not be asked
    by_iam = by_local = 0
    asked: dict[str, list[str]] = defaultdict(list)
    answers = SharedAnswers(identity=[ANY_IDENTITY], resource_policy=policy)
    for probe in probes:
        request = s3_request(
            probe, ctx.role_arn, ctx.bucket_account, ctx.endpoint.prefix, ctx.session
        )
        answer = answers.evaluate(request)
        target = probe.telemetry or "the bucket"
        asked[probe.action].append(target)
        decision = simulated.get((probe.action, probe.resource), "undecided")
        if decision == "undecided":
            decision, by_local = answer.decision, by_local + 1
        else:
            by_iam += 1
        if decision == "explicitDeny":
            # The local evaluation names the statement; IAM's simulator only its position.
            refs = answer.deciding if answer.decision == "explicitDeny" else ()
            for ref in refs or (_SIMULATOR_DENY,):
                denied[ref][probe.action].append(target)
        elif decision != "allowed":
            # An undecided read is never dropped for want of a statement to name: it must not
            # let the check pass. (An implicit deny means the bucket policy denies nothing.)
            unplaced = (_UNPLACED,) if decision == "undecided" else ()
            for ref in answer.undecided or answer.deciding or unplaced:
                unsure[ref][probe.action].append(target)
    method = _method(by_iam, by_local, simulation)
    role = ctx.endpoint.role_name
    exemption = (
        f'add `"ArnNotEquals": {{"aws:PrincipalArn": "{ctx.role_arn}"}}` to its Condition, '
        "so it no longer applies to Finout's role"
    )
    if denied:
        return failed(
            arn,
            _sentence(
                [
                    f"{_name(ref)} denies role {role} {_what(actions)}: {_why(ref, document)}"
                    for ref, actions in denied.items()
                ],
                method,
            ),
            f"Remove the statement, or {exemption}.",
        )
    if unsure:
        return warned(
            arn,
            _sentence(
                [
                    f"{_name(ref)} may deny role {role} {_what(actions)}: the checker cannot "
                    f"know {listed(list(ref.unknown_keys)) or 'what it tests'} for Finout's session"
                    for ref, actions in unsure.items()
                ],
                method,
            ),
            f"Review the statement; to be sure it spares Finout, {exemption}.",
        )
    return passed(
        arn,
        f"Bucket {name}'s policy denies none of Finout's reads ({_what(asked)}) for a TLS "
        f"session of role {role}. {method}",
    )


CHECKS = (bucket_policy_denies_no_reads,)
