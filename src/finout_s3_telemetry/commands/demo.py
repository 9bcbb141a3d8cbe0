"""`finout-telemetry demo`: the whole product on a local emulated AWS, start to finish.

Starts moto on 127.0.0.1, synthesizes and deploys the config with the real cdktf CLI and
terraform, runs the checker, prints what to type into Finout per endpoint, and stops the
emulator on every path. State and synthesized files live in a temporary folder: the emulator
forgets everything when it stops, so nothing of the demo may linger next to real state files.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from finout_s3_telemetry.commands.common import add_config_option, error, load_or_report
from finout_s3_telemetry.config import Config, config_path
from finout_s3_telemetry.engines import (
    CLI_NAMES,
    ENGINE_ENV,
    EngineError,
    chosen_engine,
    node_environment,
)
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.form_values import print_form_values
from finout_s3_telemetry.local.emulated_account import emulated_account
from finout_s3_telemetry.output_dirs import OutputDirError, ensure_output_dir
from finout_s3_telemetry.provider_mirror import MirrorError, terraform_environment
from finout_s3_telemetry.targets import ENDPOINT_URL_ENV, TARGET_ENV, Target
from finout_s3_telemetry.terraform_runner import Terraform


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="deploy the config to a local emulated AWS, check it, print Finout's form values",
        description="Start a moto server on 127.0.0.1, deploy every endpoint with the cdktf CLI "
        "and terraform, run `check`, print Finout's endpoint form values, stop the server. "
        "Needs the `local` extra (moto) and the cdktf CLI (`npm ci`).",
    )
    add_config_option(parser)
    parser.add_argument("--keep", metavar="DIR", help="keep synthesized stacks and state in DIR")
    parser.set_defaults(handler=run)


def cdktf_binary(engine: str) -> str | None:
    """The engine's CLI (`cdktf` or `cdktn`): the project's pinned one, else one on PATH."""
    name = CLI_NAMES[engine]
    local = Path("node_modules") / ".bin" / name
    return str(local.absolute()) if local.exists() else shutil.which(name)


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    if config is None:
        return ExitCode.USAGE
    try:
        engine = chosen_engine()
    except EngineError as problem:
        error(str(problem))
        return ExitCode.USAGE
    cdktf = cdktf_binary(engine)
    if cdktf is None:
        error(f"the {CLI_NAMES[engine]} CLI is not installed; run `npm ci` (or `make setup`)")
        return ExitCode.USAGE
    if importlib.util.find_spec("moto") is None:
        error("the demo needs moto; install with: pip install 'finout-s3-telemetry[local]'")
        return ExitCode.USAGE
    if args.keep is not None:
        try:
            workdir = ensure_output_dir(Path(args.keep), "--keep")
        except OutputDirError as problem:
            error(str(problem))
            return ExitCode.USAGE
    else:
        workdir = Path(tempfile.mkdtemp(prefix="finout-demo-"))
    try:
        with emulated_account(config) as account:
            print(f"local AWS (moto) at {account.target.endpoint_url}", flush=True)
            for bucket in account.stand_in_buckets:
                print(f"created {bucket} in the emulator as a stand-in for your existing bucket")
            return _demo(config, config_path(args.config), cdktf, engine, account.target, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _demo(
    config: Config, source: Path, cdktf: str, engine: str, target: Target, workdir: Path
) -> int:
    outdir = workdir / "cdktf.out"
    try:
        # The CLI and the app it starts run on the bundled Node.js, with the engine chosen here.
        env = node_environment(os.environ, engine)
        env[ENGINE_ENV] = engine
        env.update(terraform_environment(outdir))
    except MirrorError as problem:
        error(str(problem))
        return ExitCode.USAGE
    # cdktf.json's app command is `finout-telemetry`: make sure it is this installation's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        {
            "FINOUT_TELEMETRY_CONFIG": str(source.absolute()),
            TARGET_ENV: "local",
            ENDPOINT_URL_ENV: target.endpoint_url or "",
            "FINOUT_TELEMETRY_STATE_DIR": str(workdir),
        }
    )
    stacks = [endpoint.name for endpoint in config.endpoints]
    timings: dict[str, float] = {}

    started = time.monotonic()
    synth = [cdktf, "synth", "--output", str(outdir)]
    if _run_step("synth", synth, env) != 0:
        return ExitCode.PROBLEMS
    timings["synth"] = time.monotonic() - started

    started = time.monotonic()
    deploy = [
        cdktf, "deploy", *stacks, "--output", str(outdir), "--skip-synth", "--auto-approve",
        "--skip-provider-lock", "--parallelism", "2",
    ]  # fmt: skip
    if _run_step("deploy", deploy, env) != 0:
        return ExitCode.PROBLEMS
    timings["deploy"] = time.monotonic() - started

    uploaded = _upload_sample_file(config, source, target, workdir)
    if uploaded != 0:
        error(f"the sample upload failed (exit {uploaded}); see its messages above")
        return ExitCode.PROBLEMS

    started = time.monotonic()
    from finout_s3_telemetry.check import AwsUnavailable, CheckUsageError, render, run_checks

    print("\n== check ==", flush=True)
    try:
        report = run_checks(config, target)
    except (AwsUnavailable, CheckUsageError) as problem:
        error(str(problem))
        return ExitCode.USAGE
    print(render(report, "table"))
    timings["check"] = time.monotonic() - started

    outputs = {name: Terraform(outdir / "stacks" / name).outputs() for name in stacks}
    print()
    print_form_values(config, outputs)
    split = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
    print(f"\ndemo timings: {split}")
    if not report.ok:
        error("the checker found problems in the deployed endpoints (see above)")
        return ExitCode.PROBLEMS
    return ExitCode.OK


def _upload_sample_file(config: Config, source: Path, target: Target, workdir: Path) -> int:
    """Yesterday's file for the first telemetry, in Finout's own example shape, uploaded the way
    a customer would: so the checker has a real file to validate. Returns upload's exit code."""
    from finout_s3_telemetry.cli import main as cli_main

    endpoint = config.endpoints[0]
    telemetry = endpoint.telemetries[0]
    day = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    sample = workdir / f"{telemetry}-{day}.csv"
    sample.write_text(
        f'"date","teamname","{telemetry}"\n'
        f'"{day}","Servers","12.12"\n"{day}","Storage","6.22"\n"{day}","Network","0.05"\n'
    )
    print(f"\n== upload a sample file to {endpoint.name}/{telemetry} ==", flush=True)
    url = target.endpoint_url or ""
    return cli_main(["upload", "-c", str(source), "--endpoint", endpoint.name,
                     "--endpoint-url", url, str(sample)])  # fmt: skip


def _run_step(name: str, command: list[str], env: dict[str, str]) -> int:
    print(f"\n== {name} ==", flush=True)
    completed = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False)
    if completed.returncode != 0:
        error(f"{name} failed (exit {completed.returncode}): {' '.join(command)}")
    sys.stdout.flush()
    return completed.returncode
