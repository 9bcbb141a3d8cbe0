"""What a reviewer needs from each stack's plan, worked out once for every renderer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from finout_s3_telemetry.plan_summary.destructive import KMS_KEY_TYPE, destructive_warnings
from finout_s3_telemetry.plan_summary.finout_form import (
    BUCKET_NAME,
    MODE_CHANGE,
    FinoutForm,
    access_change,
    finout_form,
)
from finout_s3_telemetry.plan_summary.phrases import Phrase, phrase
from finout_s3_telemetry.plan_summary.plan_model import (
    COUNTED_ACTIONS,
    Action,
    ResourceChange,
    StackPlan,
)
from finout_s3_telemetry.plan_summary.policy_diff import (
    KEY_POLICY,
    TRUST_POLICY,
    PolicyChange,
    policy_change,
)

FOLDER_TYPE = "aws_s3_object"


@dataclass(frozen=True, kw_only=True)
class Folder:
    """A telemetry folder object (key ending in `/`) that the plan creates or removes."""

    key: str
    bucket: str | None
    """None when the bucket's name is known only after apply."""
    address: str


@dataclass(frozen=True, kw_only=True)
class ResourceLine:
    address: str
    action: Action


@dataclass(frozen=True, kw_only=True)
class StackSummary:
    stack: str
    counts: Mapping[Action, int]
    warnings: tuple[Phrase, ...] = ()
    policy_changes: tuple[PolicyChange, ...] = ()
    new_folders: tuple[Folder, ...] = ()
    removed_folders: tuple[Folder, ...] = ()
    form: FinoutForm | None = None
    resources: tuple[ResourceLine, ...] = ()
    outputs_change: bool = False
    errored: bool = False

    @property
    def has_changes(self) -> bool:
        return self.errored or self.outputs_change or any(self.counts.values())

    warns_of_kms_key: bool = False
    """A KMS key is deleted or replaced: the warnings' title names keys too."""
    warns_of_access: bool = False
    """The endpoint's bucket access changes: the warnings' title names it too."""

    @property
    def callouts(self) -> tuple[Phrase, ...]:
        """Who may assume Finout's role, from the trust policy changes."""
        return self._callouts(TRUST_POLICY)

    @property
    def decrypt_callouts(self) -> tuple[Phrase, ...]:
        """Who may decrypt the bucket's files, from the KMS key policy changes."""
        return self._callouts(KEY_POLICY)

    def _callouts(self, label: str) -> tuple[Phrase, ...]:
        return tuple(
            c for change in self.policy_changes if change.label == label for c in change.callouts
        )


@dataclass(frozen=True)
class PlanSummary:
    stacks: tuple[StackSummary, ...] = field(default=())

    @property
    def changed(self) -> tuple[StackSummary, ...]:
        return tuple(s for s in self.stacks if s.has_changes)

    @property
    def unchanged(self) -> tuple[StackSummary, ...]:
        return tuple(s for s in self.stacks if not s.has_changes)


def _folder(change: ResourceChange, after: bool, planned_bucket: str | None) -> Folder | None:
    if change.type != FOLDER_TYPE or not change.managed:
        return None
    key = change.after_value("key") if after else change.before_value("key")
    if not isinstance(key, str) or not key.endswith("/"):
        return None
    bucket = change.after_value("bucket") if after else change.before_value("bucket")
    if not isinstance(bucket, str):
        # A new bucket's name is "known after apply" in the folder, but the outputs know it.
        bucket = planned_bucket if after else None
    return Folder(key=key, bucket=bucket, address=change.address)


def _planned_bucket(plan: StackPlan) -> str | None:
    output = plan.output_changes.get(BUCKET_NAME)
    if output is None or output.after_unknown or not isinstance(output.after, str):
        return None
    return output.after


def summarize_stack(plan: StackPlan) -> StackSummary:
    managed = [c for c in plan.resource_changes if c.managed]
    counts: dict[Action, int] = {action: 0 for action in COUNTED_ACTIONS}
    for change in managed:
        if change.action in counts:
            counts[change.action] += 1
    warnings = destructive_warnings(managed)
    if (mode_change := access_change(plan.output_changes)) is not None:
        before, after = mode_change
        warnings.append(
            phrase(
                f"Access changes from {before} to {after}. {MODE_CHANGE}, then delete the old one."
            )
        )
    policies = [p for p in map(policy_change, managed) if p is not None]
    created = [c for c in managed if c.action in ("create", "replace")]
    removed = [c for c in managed if c.action == "delete"]
    bucket = _planned_bucket(plan)
    new_folders = [f for f in (_folder(c, True, bucket) for c in created) if f is not None]
    old_folders = [f for f in (_folder(c, False, None) for c in removed) if f is not None]
    return StackSummary(
        stack=plan.stack,
        counts=counts,
        warnings=tuple(warnings),
        policy_changes=tuple(policies),
        new_folders=tuple(sorted(new_folders, key=lambda f: f.key)),
        removed_folders=tuple(sorted(old_folders, key=lambda f: f.key)),
        form=finout_form(plan.output_changes),
        resources=tuple(
            ResourceLine(address=c.address, action=c.action)
            for c in managed
            if c.action in COUNTED_ACTIONS
        ),
        outputs_change=any(o.action != "no-op" for o in plan.output_changes.values()),
        errored=plan.errored,
        warns_of_kms_key=any(
            c.type == KMS_KEY_TYPE and c.action in ("delete", "replace") for c in managed
        ),
        warns_of_access=mode_change is not None,
    )


def summarize(plans: Sequence[StackPlan]) -> PlanSummary:
    return PlanSummary(tuple(summarize_stack(plan) for plan in plans))
