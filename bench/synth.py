"""Synthesis speed and memory: cold `finout-telemetry synth` in a fresh process each run.

Targets: the reference config (examples/telemetry.yaml, 3 endpoints x 20 telemetries) at most
1.5 s median wall and 200 MB peak RSS (Python and the jsii Node process together); one endpoint
with 1,000 telemetries at most 5 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from procstat import measure

REPO = Path(__file__).resolve().parents[1]
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
