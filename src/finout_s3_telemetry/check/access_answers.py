"""Answer the access probes: from the IAM simulation when it ran, else with the local evaluator."""

from __future__ import annotations

from dataclasses import dataclass

from finout_s3_telemetry.check.policy_eval import evaluate
from finout_s3_telemetry.check.probes import Probe
from finout_s3_telemetry.check.snapshot import Decision, EndpointSnapshot

SIMULATION_METHOD = "iam:SimulatePrincipalPolicy"


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


def evaluate_access(snapshot: EndpointSnapshot, probes: tuple[Probe, ...]) -> AccessEvaluation:
    simulation = snapshot.simulation
    if simulation is not None and simulation.ran:
        return AccessEvaluation(
            SIMULATION_METHOD,
            tuple(
                # A pair IAM did not answer counts as "maybe": the check must not pass on silence.
                ProbeResult(p, simulation.decisions.get((p.action, p.resource), "conditional"))
                for p in probes
            ),
        )
    reason = simulation.unavailable if simulation is not None else "not attempted"
    documents = list(snapshot.identity_policies())
    return AccessEvaluation(
        f"a local evaluation of the role's policies, as {SIMULATION_METHOD} is unavailable "
        f"({reason})",
        tuple(ProbeResult(p, evaluate(documents, p.action, p.resource)) for p in probes),
    )
