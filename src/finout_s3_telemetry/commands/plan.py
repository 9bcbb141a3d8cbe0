"""`finout-telemetry plan`: plan every stack and write the plan JSON files and their summary.

Writes `<outdir>/plans/<stack>.plan.json` (`terraform show -json` of each stack's plan) and
`<outdir>/plan-summary.md` (what `plan-summary` makes of them), and prints the summary as text.

Targets: `local` (the default) starts a moto server on 127.0.0.1, plans against it with fresh
state in a temporary folder and stops it. The emulator is empty, so that plan shows every stack
as new: it proves the stacks plan and shows what a first deploy creates, not what would change
in your account. `--target aws` plans against your account with your state (the config's S3
backend, or local state files in $FINOUT_TELEMETRY_STATE_DIR, else the current folder); a local
emulator already running is used with `--endpoint-url URL`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    error,
    load_or_report,
    outdir_or_report,
)
from finout_s3_telemetry.config import Config
from finout_s3_telemetry.config.model import StateSettings
from finout_s3_telemetry.engines import EngineError, chosen_engine
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.plan_summary import PlanFileError, load_plan, renderer, summarize
from finout_s3_telemetry.plan_summary.parse import PLAN_SUFFIX
from finout_s3_telemetry.provider_mirror import MirrorError
from finout_s3_telemetry.targets import (
    ENDPOINT_URL_ENV,
    TARGET_ENV,
    Target,
    TargetError,
    resolve_target,
)

PLANS_DIR = "plans"
SUMMARY_FILE = "plan-summary.md"
PLAN_FILE = "plan.tfplan"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "plan",
        help="plan every stack; write plan JSON files and a markdown summary",
        description="Synthesize, run `terraform plan` for every stack and write "
        f"<outdir>/{PLANS_DIR}/<stack>{PLAN_SUFFIX} and <outdir>/{SUMMARY_FILE}; print the "
        "summary as text. The default target `local` plans against a fresh local emulator "
        "(moto), so every stack shows as new; `--target aws` plans against your account and "
        "state. Exit 0 ok, 1 a plan failed, 2 bad config or usage.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--target",
        choices=("local", "aws"),
        help=f"local (default, unless ${TARGET_ENV} says otherwise) or aws",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help=f"plan against this running emulator instead of starting one (default: "
        f"${ENDPOINT_URL_ENV}); its state is read like the aws target's",
    )
    parser.add_argument(
        "--outdir", metavar="DIR", help="output folder (default: $CDKTF_OUTDIR, else cdktf.out)"
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="local state files (default: $FINOUT_TELEMETRY_STATE_DIR, else the current folder)",
    )
    parser.add_argument(
        "--endpoint",
        dest="endpoints",
        action="append",
        metavar="NAME",
        help="plan this endpoint's stack only; repeatable (default: every stack, and the "
        "destroy of a stack whose endpoint left the config)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=2,
        metavar="N",
        help=f"stacks planned at once, 1-{MAX_JOBS} (default 2)",
    )
    parser.set_defaults(handler=run)


MAX_JOBS = 16
"""Each job is a terraform process with the AWS provider (about 300 MB): more would only queue."""


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value[:40]!r} is not a whole number") from None
    if not 1 <= jobs <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_JOBS}")
    return jobs


@dataclass(frozen=True)
class _Setup:
    config: Config
    target: Target
    synth_dir: Path
    state_dir: Path | None


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    if config is None:
        return ExitCode.USAGE
    try:
        target = resolve_target(
            args.target, args.endpoint_url, default_kind="local", url_optional=True
        )
    except TargetError as problem:
        error(str(problem))
        return ExitCode.USAGE
    try:
        chosen_engine()
    except EngineError as problem:
        error(str(problem))
        return ExitCode.USAGE
    # A CI job per account plans that account's stacks only: a name that is not in the config is
    # a mistake in the job, refused before anything is synthesized or planned.
    chosen = tuple(dict.fromkeys(args.endpoints or ()))
    for name in chosen:
        try:
            config.endpoint(name)
        except KeyError as unknown:
            error(str(unknown.args[0]))
            return ExitCode.USAGE
    outdir = outdir_or_report(args.outdir)
    if outdir is None:
        return ExitCode.USAGE
    if shutil.which("terraform") is None:
        error("terraform is not on PATH; install Terraform 1.6 or newer")
        return ExitCode.USAGE
    state_dir = Path(args.state_dir) if args.state_dir else None
    try:
        if target.is_local and target.endpoint_url is None:
            with _fresh_emulator(config) as setup:
                return _plan_all(setup, outdir, args.jobs, chosen)
    except MirrorError as problem:
        error(str(problem))
        return ExitCode.USAGE
    return _plan_all(_Setup(config, target, outdir, state_dir), outdir, args.jobs, chosen)


@contextmanager
def _fresh_emulator(config: Config) -> Iterator[_Setup]:
    """A moto server and a temporary folder for the stacks and their (empty) state."""
    from finout_s3_telemetry.local.emulated_account import emulated_account

    workdir = Path(tempfile.mkdtemp(prefix="finout-plan-"))
    try:
        with emulated_account(config) as account:
            target = account.target
            print(
                f"local AWS (moto) at {target.endpoint_url}: an empty account, so every stack "
                "plans as new",
                flush=True,
            )
            # The emulator holds no state bucket; its state lives and dies with the workdir.
            local_state = config.model_copy(update={"state": StateSettings()})
            yield _Setup(local_state, target, workdir / "cdktf.out", workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _plan_all(setup: _Setup, outdir: Path, jobs: int, only: tuple[str, ...] = ()) -> int:
    from finout_s3_telemetry.stacks.app import synthesize, synthesized_stacks

    plans_dir = outdir / PLANS_DIR
    summary_file = outdir / SUMMARY_FILE
    # A failed run must not leave an older run's plans or summary to be posted as current.
    plans_dir.mkdir(parents=True, exist_ok=True)
    for stale in plans_dir.glob(f"*{PLAN_SUFFIX}"):
        stale.unlink()
    summary_file.unlink(missing_ok=True)

    before = synthesized_stacks(setup.synth_dir)
    stacks = synthesize(
        setup.config,
        setup.target,
        outdir=setup.synth_dir,
        state_dir=setup.state_dir,
        keep_deployed=True,
        # A plan only reads: in an account of `accounts:` it assumes the read-only plan role.
        role_purpose="plan",
    )
    # An endpoint gone from the config whose state still holds resources: its kept stack is
    # planned as a destroy, so the summary shows what removing it deletes, with the warnings.
    current = {stack.name for stack in stacks}
    removed = [
        setup.synth_dir / "stacks" / name
        for name in sorted(before - current)
        if (setup.synth_dir / "stacks" / name).is_dir()
    ]
    if only:
        # A removed endpoint belongs to no account any more, so no per-account job names it.
        stacks = [stack for stack in stacks if stack.name in only]
        removed = []
    for stack in removed:
        print(f"{stack.name} is no longer in the config: planning its destroy", flush=True)
    work = [(stack, False) for stack in stacks] + [(stack, True) for stack in removed]
    print(f"planning {len(work)} stack(s) against {setup.target.describe()}", flush=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda job: _plan_stack(job[0], plans_dir, job[1]), work))
    stacks = [stack for stack, _ in work]
    failed = [stack.name for stack, ok in zip(stacks, results, strict=True) if not ok]
    if failed:
        error(f"terraform plan failed for {', '.join(failed)}; no summary written")
        return ExitCode.PROBLEMS
    try:
        plans = [load_plan(plans_dir / f"{stack.name}{PLAN_SUFFIX}") for stack in stacks]
    except PlanFileError as problem:
        error(str(problem))
        return ExitCode.PROBLEMS
    summary = summarize(plans)
    summary_file.write_text(renderer("markdown").render(summary), encoding="utf-8")
    print()
    sys.stdout.write(renderer("text").render(summary))
    print(f"\nwrote {plans_dir}/*{PLAN_SUFFIX} and {summary_file}")
    return ExitCode.OK


def _plan_stack(stack_dir: Path, plans_dir: Path, destroy: bool = False) -> bool:
    from finout_s3_telemetry.terraform_runner import Terraform, TerraformError

    try:
        terraform = Terraform(stack_dir)
        terraform.init()
        terraform.plan(*(["-destroy"] if destroy else []), f"-out={PLAN_FILE}")
        plan = terraform.show_json(PLAN_FILE)
    except (TerraformError, MirrorError) as problem:
        error(str(problem))
        return False
    target = plans_dir / f"{stack_dir.name}{PLAN_SUFFIX}"
    target.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
    print(f"planned {stack_dir.name}", flush=True)
    return True
