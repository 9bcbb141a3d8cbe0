"""Answer the access probes: from the IAM simulation when it ran, else with the local evaluator.

Reads are judged on the role's identity policies and, when the checker could read them, the SCPs
that apply to the account; writes on the identity policies and the bucket policy (a bucket policy
can grant the role writes its own policies do not). The permissions boundary, the bucket
policy's Denies and the KMS key are each judged by their own check (FINOUT-IAM-007,
FINOUT-S3-009, FINOUT-KMS-001), so a failure names the document that causes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from finout_s3_telemetry.check.finout_session import s3_request
from finout_s3_telemetry.check.probes import Probe
from finout_s3_telemetry.check.shared_answers import SharedAnswers
from finout_s3_telemetry.check.snapshot import Decision, EndpointSnapshot, Organization
from finout_s3_telemetry.iam_evaluation import Policy, Request

SIMULATION_METHOD = "iam:SimulatePrincipalPolicy"
LOCAL_METHOD = "a local evaluation of the role's policies by AWS's evaluation rules"
BUCKET_POLICY_GRANTS = "a local evaluation of what the bucket policy grants the role"


@dataclass(frozen=True)
class ProbeResult:
    probe: Probe
    decision: Decision

    @property
    def as_expected(self) -> bool:
        if self.probe.expect == "allow":
            return self.decision == "allowed"
        # A write allowed only under some condition is still a write the role may be able to do.
        return self.decision in ("explicitDeny", "implicitDeny")


@dataclass(frozen=True)
class AccessEvaluation:
    method: str
    """How the decisions were made, stated in the check's detail."""
    results: tuple[ProbeResult, ...]
    scps: str = ""
    """What was done about SCPs, in words, for the read check's detail."""
    unread: tuple[str, ...] = ()
    """The role's policies the local evaluation could not read (each may allow or deny
    anything); empty when IAM simulated, as IAM reads them itself."""

    def unread_in_words(self) -> str:
        if not self.unread:
            return ""
        return (
            f" The checker could not read {', '.join(self.unread)}, so the decisions that "
            "depend on them are undecided."
        )


@dataclass(frozen=True)
class AccessInputs:
    """What a local evaluation of one endpoint's probes needs besides the snapshot."""

    role_arn: str
    bucket_account: str
    prefix: str
    session: Mapping[str, tuple[str, ...]]
    """Finout's session context (`finout_session.base_context`)."""


UNREAD: dict[str, object] = {}
"""The document of a policy that could not be read: without a Statement, the evaluator holds it
undecidable, so it may allow or deny anything (never silently nothing)."""


def identity_policies(snapshot: EndpointSnapshot) -> list[Policy]:
    """The role's identity policies, named as the output names them. One that is on the role
    but could not be read (or a list of them that could not be listed) is there too, as an
    unknown document: it may grant writes, or deny reads."""
    policies: list[Policy] = []
    inline = snapshot.inline_policy
    if inline is not None and inline.is_found:
        policies.append(Policy("the role's inline policy", inline.get()))
    elif inline is not None and inline.state == "unreadable":
        policies.append(Policy("the role's inline policy (unreadable)", UNREAD))
    others = snapshot.other_inline_policies
    if others is not None and others.is_found:
        for name, document in others.get().items():
            unread = document is None
            policies.append(
                Policy(
                    f"inline policy {name}{' (unreadable)' if unread else ''}", document or UNREAD
                )
            )
    elif others is not None:
        policies.append(Policy("the role's other inline policies (not listed)", UNREAD))
    attached = snapshot.attached_policies
    if attached is not None and attached.is_found:
        for policy in attached.get():
            unread = policy.document is None
            name = f"managed policy {policy.arn}{' (unreadable)' if unread else ''}"
            policies.append(Policy(name, policy.document or UNREAD))
    elif attached is not None:
        policies.append(Policy("the role's managed policies (not listed)", UNREAD))
    return policies


def scp_levels(organization: Organization | None) -> list[list[Policy]] | None:
    if organization is None or organization.scps is None:
        return None
    return [
        [Policy(f"SCP {name}", document) for name, document in level] for level in organization.scps
    ]


def scps_in_words(organization: Organization | None) -> str:
    if organization is None:
        return "SCPs not evaluated."
    if organization.scps is None:
        return f"SCPs not evaluated ({organization.scps_unavailable})."
    if not organization.org_id.is_found:
        return "The account is in no organisation, so no SCP applies."
    if not organization.scps:
        return "No SCP restricts this account (the management account, or SCPs not enabled)."
    count = sum(len(level) for level in organization.scps)
    return f"SCPs evaluated ({count} at {len(organization.scps)} levels)."


def _bucket_policy(snapshot: EndpointSnapshot) -> Policy | None:
    if snapshot.bucket_policy is not None and snapshot.bucket_policy.is_found:
        return Policy("the bucket policy", snapshot.bucket_policy.get())
    return None


def _boundary(snapshot: EndpointSnapshot) -> Policy | None:
    role = snapshot.role.value
    if role is None or not role.boundary_arn:
        return None
    read = snapshot.boundary
    if read is None or not read.is_found:
        return None  # not read: the grants are judged without it, so never more narrowly
    return Policy(f"permissions boundary {role.boundary_arn}", read.get())


def evaluate_access(
    snapshot: EndpointSnapshot, probes: tuple[Probe, ...], inputs: AccessInputs
) -> AccessEvaluation:
    scps = scps_in_words(snapshot.organization)
    simulation = snapshot.simulation
    levels = scp_levels(snapshot.organization)
    bucket_policy = _bucket_policy(snapshot)

    def request(probe: Probe) -> Request:
        return s3_request(
            probe, inputs.role_arn, inputs.bucket_account, inputs.prefix, inputs.session
        )

    if simulation is not None and simulation.ran:
        # IAM simulates the role's own policies only: a bucket policy that names the role can
        # grant it writes by itself, so its grants are evaluated here (with the boundary and
        # SCPs that limit them) and a write either one allows counts as allowed.
        grants = (
            SharedAnswers(resource_policy=bucket_policy, boundary=_boundary(snapshot), scps=levels)
            if bucket_policy is not None
            else None
        )
        # Reads beside a scoped prefix are not simulated (`probes.grouped` says why): the
        # role's own documents and the bucket policy answer them here.
        outside = SharedAnswers(identity=identity_policies(snapshot), resource_policy=bucket_policy)
        results = []
        for probe in probes:
            if probe.group == "outside":
                results.append(ProbeResult(probe, outside.evaluate(request(probe)).decision))
                continue
            # A pair IAM did not answer counts as "maybe": the check must not pass on silence.
            decision = simulation.decisions.get((probe.action, probe.resource), "undecided")
            if grants is not None and probe.group != "role" and decision == "implicitDeny":
                granted = grants.evaluate(request(probe)).decision
                decision = granted if granted in ("allowed", "undecided") else decision
            results.append(ProbeResult(probe, decision))
        method = SIMULATION_METHOD
        if grants is not None:
            method += f" (and, for writes, {BUCKET_POLICY_GRANTS})"
        return AccessEvaluation(method, tuple(results), scps)
    reason = simulation.unavailable if simulation is not None else "not attempted"
    identity = identity_policies(snapshot)
    unread = tuple(p.name for p in identity if p.document is UNREAD)
    reads = SharedAnswers(identity=identity, scps=levels, resource_kind="s3")
    s3_writes = SharedAnswers(identity=identity, resource_policy=bucket_policy)
    role_writes = SharedAnswers(identity=identity)
    results = []
    for probe in probes:
        if probe.expect == "allow":
            answers = reads
        else:
            answers = s3_writes if probe.group != "role" else role_writes
        results.append(ProbeResult(probe, answers.evaluate(request(probe)).decision))
    return AccessEvaluation(
        f"{LOCAL_METHOD}, as {SIMULATION_METHOD} is unavailable ({reason})",
        tuple(results),
        scps,
        unread,
    )
