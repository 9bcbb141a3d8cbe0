"""Every check has a unique, well-formed id, and the README documents each one with its
severity (prowler's rule: a check is known by its id)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from finout_s3_telemetry.check.checks import ALL_CHECKS

README = Path(__file__).resolve().parents[1] / "README.md"
ID = re.compile(r"FINOUT-(?P<area>[A-Z][A-Z0-9]*)-(?P<number>[0-9]{3})")


def documented_ids() -> dict[str, str]:
    """Check id -> its severity as the README's checker table gives it. A row may name several
    ids: `FINOUT-S3-001 / 002` or a range `FINOUT-S3-004…008`, with severities to match."""
    found: dict[str, str] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not ID.match(cells[0]):
            continue
        first = ID.match(cells[0])
        assert first is not None
        area, start = first["area"], int(first["number"])
        numbers = [start]
        if more := re.search(r"/\s*([0-9]{3})", cells[0]):
            numbers.append(int(more[1]))
        if span := re.search(r"…([0-9]{3})", cells[0]):
            numbers = list(range(start, int(span[1]) + 1))
        severities = [s.strip() for s in re.split(r"/|…", cells[1])]
        for position, number in enumerate(numbers):
            severity = severities[position] if position < len(severities) else severities[-1]
            found[f"FINOUT-{area}-{number:03d}"] = severity.split()[0]
    return found


def test_check_ids_are_unique_and_well_formed() -> None:
    ids = [spec.id for spec in ALL_CHECKS]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert all(ID.fullmatch(i) for i in ids), ids


def test_every_check_is_documented_in_the_readme_with_its_severity() -> None:
    documented = documented_ids()
    implemented = {spec.id: spec.severity.value for spec in ALL_CHECKS}
    assert sorted(set(implemented) - set(documented)) == [], "checks missing from the README"
    assert sorted(set(documented) - set(implemented)) == [], "README rows for no check"
    ranged = {"FINOUT-S3-004", "FINOUT-S3-005", "FINOUT-S3-006", "FINOUT-S3-007", "FINOUT-S3-008"}
    for check_id, severity in implemented.items():
        if check_id in ranged:
            continue  # a range row gives the span of severities (high…low), not each one
        assert documented[check_id] == severity, check_id
