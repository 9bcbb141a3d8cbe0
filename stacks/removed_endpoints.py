"""Endpoints that left the config: whether their stacks still hold resources, read from their
state (a local file, or the S3 object the backend names), so synth never drops a stack whose
resources it would orphan.

A removed endpoint's stack folder is the only way left to destroy it (`cdktf destroy NAME
--skip-synth`); a rename would also plan a second role under a name IAM already holds. The state
is read where the previous synth's own stack says it is: for the S3 backend, its `backend "s3"`
block (bucket, key, region), as the endpoint is no longer in the config to say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finout_s3_telemetry.config.model import Config
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terminal_text import printable, shorten

STATE_READ_MAX_BYTES = 256 << 20
"""A stack of ours holds a handful of resources: its state is kilobytes. An object past this is
not one to load into memory to count them."""
STATE_READ_TIMEOUT = 10
"""Seconds to wait for the state bucket: synth must not hang on an unreachable endpoint."""
_READ_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


class RemovedStacksError(RuntimeError):
    """Endpoints left the config while their stacks still hold resources, or while what they
    hold could not be read (exit code 2)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class StateContents:
    """How many managed resources a stack's state holds, or why that could not be read."""

    where: str
    """`terraform.NAME.tfstate`, or `s3://bucket/key`."""
    resources: int = 0
    unreadable: str = ""


def read_json(path: Path) -> Any:
    """A JSON file's content, or None when it is missing, unreadable or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def count_resources(state: Any) -> int:
    """Managed resources with at least one instance in a Terraform state document."""
    try:
        return sum(
            1
            for resource in state.get("resources", [])
            if resource.get("mode") == "managed" and resource.get("instances")
        )
    except _READ_ERRORS:
        return 0


def stack_document(outdir: Path, stack: str) -> Any:
    return read_json(outdir / "stacks" / stack / "cdk.tf.json")


def role_name(outdir: Path, stack: str) -> str | None:
    try:
        roles = stack_document(outdir, stack)["resource"]["aws_iam_role"]
        return str(next(iter(roles.values()))["name"])
    except (*_READ_ERRORS, StopIteration):
        return None


def local_state(state_dir: Path, stack: str) -> StateContents:
    name = f"terraform.{stack}.tfstate"
    return StateContents(name, count_resources(read_json(state_dir / name)))


def s3_state(outdir: Path, stack: str, target: Target) -> StateContents:
    """The state object the stack's own `backend "s3"` block names, read with boto3.

    A missing object means nothing was ever deployed (or it was destroyed and removed): no
    resources. Anything else that stops the read (no credentials, access denied, an unreachable
    endpoint, a stack without the block) is kept as the reason: synth then cannot tell, and
    refuses rather than guess.
    """
    try:
        backend = stack_document(outdir, stack)["terraform"]["backend"]["s3"]
        bucket, key = str(backend["bucket"]), str(backend["key"])
        region = str(backend.get("region") or "us-east-1")
    except _READ_ERRORS:
        return StateContents(
            f"the stack {stack!r}", unreadable="its backend block could not be read"
        )
    where = f"s3://{bucket}/{key}"
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        s3 = target.client(
            "s3",
            region,
            connect_timeout=STATE_READ_TIMEOUT,
            read_timeout=STATE_READ_TIMEOUT,
            retries={"mode": "standard", "total_max_attempts": 2},
        )
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(STATE_READ_MAX_BYTES + 1)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchKey", "404"):
            return StateContents(where)
        message = str(error.response.get("Error", {}).get("Message", ""))
        return StateContents(where, unreadable=shorten(f"{code}: {message}".strip(": "), 200))
    except (BotoCoreError, ValueError) as error:
        return StateContents(where, unreadable=shorten(f"{type(error).__name__}: {error}", 200))
    if len(body) > STATE_READ_MAX_BYTES:
        return StateContents(
            where, unreadable=f"it is over {STATE_READ_MAX_BYTES >> 20} MiB, not a stack's state"
        )
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return StateContents(where, unreadable="it is not a Terraform state (not JSON)")
    return StateContents(where, count_resources(document))


def still_deployed(
    config: Config,
    outdir: Path,
    removed: set[str],
    *,
    state_dir: Path,
    target: Target,
) -> dict[str, str]:
    """Endpoint name -> a sentence, for each removed endpoint whose state still holds resources
    or could not be read."""
    problems: dict[str, str] = {}
    for name in sorted(removed):
        if config.state.backend == "s3":
            contents = s3_state(outdir, name, target)
        else:
            contents = local_state(state_dir, name)
        if contents.unreadable:
            problems[name] = (
                f"endpoint {name!r} is no longer in the config, and whether its state "
                f"({printable(contents.where)}) still holds resources could not be read "
                f"({printable(contents.unreadable)}). Synth with credentials that may read "
                f"it, or destroy it first: `npx cdktf destroy {name} --skip-synth` (its "
                "synthesized stack is kept until then), then synth again"
            )
            continue
        if not contents.resources:
            continue
        role = role_name(outdir, name)
        renamed = [
            e.name
            for e in config.endpoints
            if role is not None
            and e.role_name == role
            and not (outdir / "stacks" / e.name).is_dir()
        ]
        sentence = (
            f"endpoint {name!r} is no longer in the config, but its state "
            f"({printable(contents.where)}) still holds {contents.resources} resource(s)"
        )
        if renamed:
            sentence += (
                f"; it looks renamed to {renamed[0]!r}, whose role {role!r} IAM already holds for "
                f"{name!r}: the old stack must be destroyed before the new one can be deployed "
                "(the role is recreated; Finout's endpoint then needs its Test Endpoint again)"
            )
        sentence += (
            f". Put it back in the config, or destroy it first: `npx cdktf destroy {name} "
            "--skip-synth` (its synthesized stack is kept until then), then synth again"
        )
        problems[name] = sentence
    return problems
