"""Synthesis speed and memory: cold `finout-telemetry synth` in a fresh process each run, under
each CDK engine (cdktf, cdktn), beside that engine's floor.

The floor is what no synth can beat: start Python, import the engine, synthesize a one-resource
stack. The overhead ratio (synth / floor, medians of runs interleaved in one session, so that the
machine's load weighs on both alike) is the figure to watch; target <= 1.3.

Absolute targets: the reference config (examples/telemetry.yaml, 3 endpoints x 20 telemetries) at
most 1.5 s median wall and 200 MB peak RSS (Python and the jsii Node process together); one
endpoint with 1,000 telemetries at most 5 s; an estate of 200 endpoints x 5 telemetries in 50
accounts (`accounts:` and `defaults:`) at most 10 s and 400 MB. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import finout_s3_telemetry
from finout_s3_telemetry.engines import ENGINE_ENV, ENGINES, is_installed, node_environment

REPO = Path(__file__).resolve().parents[1]


# Peak RSS of the whole process tree: synth runs Python and the jsii Node.js process together.
def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found  # the process ended while we looked
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss_kb(current)
        stack += _children(current)
    return total


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB of the process tree, sampled every 5 ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.005)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{command} exited {process.returncode}")
    return wall, peak / 1024


EXAMPLE = REPO / "examples" / "telemetry.yaml"
RATIO_TARGET = 1.3
"""The reference synth's median over the floor's."""


def big_config(path: Path, telemetries: int) -> Path:
    data = {
        "finout": {"principal": "123456789012"},
        "endpoints": [
            {
                "name": "big",
                "region": "us-east-1",
                "bucket": "acme-big-telemetry",
                "prefix": "finout",
                "external_id": "finout-ab12cd3",
                "telemetries": [f"telemetry_{i:04d}" for i in range(telemetries)],
            }
        ],
    }
    path.write_text(yaml.safe_dump(data))
    return path


def estate_config(path: Path, endpoints: int, telemetries: int, accounts: int) -> Path:
    """`endpoints` endpoints spread over `accounts` accounts, sharing `defaults:`."""
    data = {
        "finout": {"principal": "123456789012"},
        "accounts": {
            f"account-{a:02d}": {
                "account_id": f"{100000000000 + a}",
                "deploy_role_arn": f"arn:aws:iam::{100000000000 + a}:role/finout-deploy",
            }
            for a in range(accounts)
        },
        "defaults": {
            "region": "us-east-1",
            "prefix": "finout",
            "telemetries": [f"telemetry_{i}" for i in range(telemetries)],
        },
        "endpoints": [
            {
                "name": f"endpoint-{e:03d}",
                "account": f"account-{e % accounts:02d}",
                "bucket": f"acme-telemetry-{e:03d}",
                "external_id": f"finout-{e:06d}",
                "role_name": f"FinoutMetricsReadOnlyRole-{e:03d}",
            }
            for e in range(endpoints)
        ],
    }
    path.write_text(yaml.safe_dump(data))
    return path


FLOOR = """
import importlib, os, sys
engine = importlib.import_module(os.environ["FINOUT_TELEMETRY_ENGINE"])
app = engine.App(outdir=sys.argv[1])
stack = engine.TerraformStack(app, "floor")
meta = engine.TerraformProviderGeneratorMetadata(provider_name="aws")
provider = engine.TerraformProvider(
    stack, "aws", terraform_resource_type="aws", terraform_generator_metadata=meta,
    terraform_provider_source="hashicorp/aws",
)
bucket = engine.TerraformResource(
    stack, "bucket", terraform_resource_type="aws_s3_bucket",
    terraform_generator_metadata=meta, provider=provider,
)
bucket.add_override("bucket", "floor")
app.synth()
"""


def engine_env(engine: str) -> dict[str, str]:
    env = node_environment(os.environ, engine)
    env[ENGINE_ENV] = engine
    return env


def synth_command(config: Path, outdir: Path) -> list[str]:
    binary = str(Path(sys.executable).parent / "finout-telemetry")
    return [binary, "synth", "-c", str(config), "--outdir", str(outdir), "-q"]


def floor_command(outdir: Path) -> list[str]:
    return [sys.executable, "-c", FLOOR, str(outdir)]


def compile_package() -> None:
    """Write the package's bytecode first, as pip does when it installs the wheel. Otherwise,
    where PYTHONDONTWRITEBYTECODE is set, every run compiles the project's modules anew (the
    engine's are compiled at their install), which no installed copy does."""
    compileall.compile_dir(Path(finout_s3_telemetry.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    compile_package()
    engines = [engine for engine in ENGINES if is_installed(engine)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [
            ("reference config, 3 endpoints x 20 telemetries", EXAMPLE, 1.5, 200),
            ("1 endpoint x 1,000 telemetries", big_config(work / "big.yaml", 1000), 5.0, 200),
            (
                "200 endpoints x 5 telemetries in 50 accounts",
                estate_config(work / "estate.yaml", 200, 5, 50),
                10.0,
                400,
            ),
        ]
        print(f"cold synth, {args.runs} runs each (fresh process per run), engines interleaved")
        walls: dict[tuple[str, str], list[float]] = {}
        peaks: dict[tuple[str, str], float] = {}
        counter = 0
        for _ in range(args.runs):
            for engine in engines:
                env = engine_env(engine)
                jobs = [("floor", floor_command(work / f"o{counter}"))]
                jobs += [
                    (label, synth_command(config, work / f"o{counter}-{i}"))
                    for i, (label, config, _target, _memory) in enumerate(cases)
                ]
                for label, command in jobs:
                    wall, peak = measure(command, env)
                    walls.setdefault((engine, label), []).append(wall)
                    peaks[(engine, label)] = max(peaks.get((engine, label), 0.0), peak)
                counter += 1
        for engine in engines:
            floor = statistics.median(walls[(engine, "floor")])
            print(
                f"{engine}: floor (Python + engine import + a one-resource stack) median "
                f"{floor:.2f} s, peak RSS {peaks[(engine, 'floor')]:.0f} MB"
            )
            for index, (label, _config, target, memory) in enumerate(cases):
                median = statistics.median(walls[(engine, label)])
                peak = peaks[(engine, label)]
                line = (
                    f"  {label}: median {median:.2f} s (best {min(walls[(engine, label)]):.2f} s, "
                    f"target <= {target} s: {_verdict(median <= target)}), peak RSS {peak:.0f} MB "
                    f"(target <= {memory} MB: {_verdict(peak <= memory)}); "
                    f"{median / floor:.2f}x the floor"
                )
                if index == 0:  # the overhead target is the reference config's
                    met = median / floor <= RATIO_TARGET
                    line += f" (target <= {RATIO_TARGET}: {_verdict(met)})"
                print(line)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    main()
