"""CSV validation speed and memory: `finout-telemetry csv validate` next to a plain csv loop.

Generates a valid telemetry file (1 GiB by default; `--size-mb` for less) in a temporary folder,
removed afterwards, then times, each in its own child process:

* the baseline: csv.reader, a date parse and a float check on every row;
* `finout-telemetry csv validate FILE --format json`.

Targets: the validator at least 3x the baseline's throughput, at most 300 MB peak RSS. Peak RSS is
the child's own maximum resident set, from wait4(2). Wall time is the target's measure; CPU time
is printed too, as it moves less when other work shares the machine (`--rounds 3` keeps the best
of three, run alternately). Prints figures; asserts nothing.

Then a repeat of the first row is appended as the last, and one more child validates the file
with the duplicate check's own parts timed: hashing the keys of every row, the final search for
repeated hashes, and re-reading the rows that hold one (the keys themselves are cut out of the
rows by the pattern that validates them, which is not counted). It prints how many rows were
hashed, so that a check that skipped rows shows, and the repeat it reported.

This file is named like the standard library's csv module, so it never imports csv itself and
runs each child from the temporary folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

MB = 1024 * 1024
TARGET_RATIO = 3.0
TARGET_RSS_MB = 300.0
FIRST_DAY = date(2024, 5, 1)
TEAMS = [f"team-{name}" for name in ("platform", "data", "search", "payments", "mobile")]
SERVICES = [f"{kind}-{number:03d}" for kind in ("api", "worker", "batch") for number in range(40)]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
ENVIRONMENTS = ["prod", "staging", "dev"]
FEATURES = [f"feature-{number:02d}" for number in range(50)]
_BATCH = 10_000
KEYS_PER_DAY = len(TEAMS) * len(SERVICES) * len(REGIONS) * len(ENVIRONMENTS) * len(FEATURES)

BASELINE = """
import csv, sys
from datetime import date
rows = 0
with open(sys.argv[1], newline="", encoding="utf-8") as stream:
    reader = csv.reader(stream)
    header = next(reader)
    telemetry = len(header) - 1
    for row in reader:
        date.fromisoformat(row[0])
        if not float(row[telemetry]) > 0:
            raise SystemExit(f"line {reader.line_num}: not positive")
        rows += 1
print(rows)
"""

DUPLICATE_CHECK = """
import json, sys, time
from finout_s3_telemetry.csv_files import duplicates, scanner, validate_path
spent = {"hashing_s": 0.0, "search_s": 0.0, "reread_s": 0.0}
def timed(owner, name, part):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - started
    setattr(owner, name, wrapper)
for name in ("add_keys", "add_run", "add_line"):
    timed(duplicates.DuplicateTracker, name, "hashing_s")
timed(duplicates, "repeated_entries", "search_s")
timed(duplicates.DuplicateTracker, "_compare", "reread_s")
seen = {}
finish = scanner.Scanner.finish
def finished(self, reopen=None):
    report = finish(self, reopen)
    seen["hashed"] = self.duplicates.rows_checked
    seen["reread"] = self.duplicates.rows_reread
    return report
scanner.Scanner.finish = finished
started = time.perf_counter()
report = validate_path(sys.argv[1])
seen["seconds"] = time.perf_counter() - started
seen["rows"] = report.rows
seen["warnings"] = [[w.line, w.rule, w.message] for w in report.warnings]
print(json.dumps({**seen, **spent}))
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    output: str


def generate(path: Path, size: int, quoted: bool = False, seed: int = 7) -> int:
    """A valid file of about `size` bytes sorted by day, one row per key and day; its row count.

    Shaped like a month of a busy customer's daily totals: 450,000 metadata combinations a day;
    `quoted` quotes every value, as Finout's example does.
    Written in small batches, so that this process stays small: a child's peak RSS from wait4
    includes what it shared with this process when it was forked.
    """
    rng = random.Random(seed)
    rows = 0
    quote = '"' if quoted else ""
    comma = f"{quote},{quote}"
    with path.open("w", encoding="utf-8", newline="") as stream:
        header = ["date", "team", "service", "region", "environment", "feature", "bytes"]
        written = stream.write(f"{quote}{comma.join(header)}{quote}\n")
        day = FIRST_DAY
        while written < size:
            prefix = day.isoformat()
            keys = itertools.product(TEAMS, SERVICES, REGIONS, ENVIRONMENTS, FEATURES)
            while batch := list(itertools.islice(keys, _BATCH)):
                block = "".join(
                    f"{quote}{prefix}{comma}{comma.join(key)}{comma}"
                    f"{rng.randrange(1, 10**9) / 100}{quote}\n"
                    for key in batch
                )
                if written + len(block) > size:
                    block = block[: block.rfind("\n", 0, size - written) + 1]
                written += stream.write(block)
                rows += block.count("\n")
                if written >= size or not block:
                    return rows
            day += timedelta(days=1)
    return rows


def measure(command: list[str], workdir: Path) -> Run:
    """Wall time, CPU time and peak RSS of one child process (its own, from wait4)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{command[:3]}... exited {child.returncode}: {output[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, output)  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each; the best counts")
    parser.add_argument("--quoted", action="store_true", help="quote every value")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="finout-csv-bench-") as folder:
        workdir = Path(folder)
        path = workdir / "telemetry.csv"
        started = time.perf_counter()
        rows = generate(path, args.size_mb * MB, quoted=args.quoted)
        size = path.stat().st_size
        print(
            f"generated {size / MB:,.0f} MiB, {rows:,} rows, "
            f"{rows // KEYS_PER_DAY + 1} days in {time.perf_counter() - started:.0f} s"
        )
        baseline_command = [sys.executable, "-c", BASELINE, str(path)]
        validate_command = [
            sys.executable,
            "-m",
            "finout_s3_telemetry.cli",
            "csv",
            "validate",
            str(path),
            "--format",
            "json",
        ]
        baselines: list[Run] = []
        validations: list[Run] = []
        for _ in range(args.rounds):
            baselines.append(measure(baseline_command, workdir))
            validations.append(measure(validate_command, workdir))
        baseline = min(baselines, key=lambda run: run.seconds)
        validation = min(validations, key=lambda run: run.seconds)
        report = json.loads(validation.output)["files"][0]
        if not report["ok"] or report["rows"] != rows or int(baseline.output) != rows:
            raise SystemExit(f"unexpected verdict: {report}")
        duplicates = duplicate_check(path, rows, args.quoted, workdir)
    mib = size / MB
    print(f"{'':34}{'wall s':>8}{'MB/s':>8}{'CPU s':>8}{'MB/s':>8}{'peak RSS MB':>13}")
    for label, run in (
        ("csv module + date + float (base)", baseline),
        ("finout-telemetry csv validate", validation),
    ):
        print(
            f"{label:34}{run.seconds:8.2f}{mib / run.seconds:8.1f}{run.cpu_seconds:8.2f}"
            f"{mib / run.cpu_seconds:8.1f}{run.peak_rss_mb:13.1f}"
        )
    ratio = baseline.seconds / validation.seconds
    cpu_ratio = baseline.cpu_seconds / validation.cpu_seconds
    print(
        f"speed-up {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target >= {TARGET_RATIO:.0f}x: "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}); validator peak RSS "
        f"{validation.peak_rss_mb:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB: "
        f"{'met' if validation.peak_rss_mb <= TARGET_RSS_MB else 'MISSED'})"
    )
    print(f"warnings on the valid file: {[w['rule'] for w in report['warnings']]}")
    print(duplicates)


def duplicate_check(path: Path, rows: int, quoted: bool, workdir: Path) -> str:
    """The duplicate check's cost and coverage, once a repeat of the first row is appended."""
    with path.open("rb") as stream:
        stream.readline()
        first = stream.readline()
    cut = first.rfind(b",") + 1
    with path.open("ab") as stream:
        stream.write(first[:cut] + (b'"7"\n' if quoted else b"7\n"))
    rows += 1
    run = measure([sys.executable, "-c", DUPLICATE_CHECK, str(path)], workdir)
    found = json.loads(run.output)
    every = "every row" if found["hashed"] == rows == found["rows"] else "NOT every row"
    listed = "; ".join(f"line {line}: {message}" for line, _, message in found["warnings"])
    hashing, search, reread = found["hashing_s"], found["search_s"], found["reread_s"]
    spent = hashing + search + reread
    return (
        f"duplicate check, with a repeat of line 2 appended as line {rows + 1:,}: "
        f"{found['hashed']:,} of {rows:,} rows hashed ({every}); hashing {hashing:.2f} s, "
        f"search for repeated hashes {search:.2f} s, re-reading {found['reread']:,} rows "
        f"{reread:.2f} s: {spent:.2f} s of {found['seconds']:.2f} s "
        f"({spent / found['seconds']:.0%}); peak RSS {run.peak_rss_mb:.0f} MB; "
        f"reported: {listed or 'nothing'}"
    )


if __name__ == "__main__":
    main()
