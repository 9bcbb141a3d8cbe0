"""Synthesis speed and memory: cold `finout-telemetry synth` in a fresh process each run.

Targets: the reference config (examples/telemetry.yaml, 3 endpoints x 20 telemetries) at most
1.5 s median wall and 200 MB peak RSS (Python and the jsii Node process together); one endpoint
with 1,000 telemetries at most 5 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

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


def run(config: Path, runs: int, workdir: Path) -> tuple[float, float, float]:
    binary = str(Path(sys.executable).parent / "finout-telemetry")
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    walls, peaks = [], []
    for index in range(runs):
        outdir = workdir / f"out{index}"
        wall, peak = measure(
            [binary, "synth", "-c", str(config), "--outdir", str(outdir), "-q"], env
        )
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), min(walls), max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [
            ("reference config, 3 endpoints x 20 telemetries", EXAMPLE, 1.5),
            ("1 endpoint x 1,000 telemetries", big_config(work / "big.yaml", 1000), 5.0),
        ]
        print(f"cold synth, {args.runs} runs each (fresh process per run)")
        for label, config, target in cases:
            median, best, peak = run(config, args.runs, work)
            print(
                f"  {label}: median {median:.2f} s (best {best:.2f} s, target <= {target} s), "
                f"peak RSS {peak:.0f} MB (target <= 200 MB)"
            )


if __name__ == "__main__":
    main()
