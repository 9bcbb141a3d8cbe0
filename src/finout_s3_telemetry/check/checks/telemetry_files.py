"""FINOUT-CSV-001: the newest file in each telemetry folder is valid Finout CSV for its telemetry.

Each file is streamed through the CSV validator (one GetObject per folder that holds a file;
memory does not grow with the file). The folder's telemetry is passed as the telemetry column, so
a file whose telemetry column names another telemetry is invalid where it lies: Finout would file
its numbers under the wrong identifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from finout_s3_telemetry.check.context import EndpointContext, ObjectReader, UnreadableObject
from finout_s3_telemetry.check.model import Severity
from finout_s3_telemetry.check.newest_files import newest_files
from finout_s3_telemetry.check.registry import Finding, check, failed, listed, passed
from finout_s3_telemetry.check.snapshot import S3Object
from finout_s3_telemetry.csv_files import FileReport, Problem, validate_bytes_stream
from finout_s3_telemetry.csv_files.dates import EARLIEST_OFFSET

PROBLEMS_SHOWN = 3
"""Problems shown per invalid file; `csv validate` on a local copy shows them all."""
FILES_SHOWN = 10
"""Invalid files shown with their problems; any more are only named."""


@dataclass(frozen=True)
class Verdict:
    """What became of one folder's newest file."""

    telemetry: str
    folder_key: str
    url: str
    report: FileReport | None = None
    unreadable: str = ""
    """Why the file could not be read, when it could not."""

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    @property
    def warnings(self) -> int:
        return len(self.report.warnings) + self.report.warnings_omitted if self.report else 0

    def lines(self) -> list[str]:
        """This file's entry in a failure: where it is, then its first problems."""
        head = f"{self.url} (folder {self.folder_key}, telemetry {self.telemetry})"
        if self.report is None:
            return [f"{head} could not be read ({self.unreadable})."]
        total = len(self.report.errors) + self.report.errors_omitted
        lines = [f"{head} has {total} error{'' if total == 1 else 's'}:"]
        lines += [f"  {_where(problem)}" for problem in self.report.errors[:PROBLEMS_SHOWN]]
        if total > PROBLEMS_SHOWN:
            lines.append(f"  ... and {total - PROBLEMS_SHOWN} more")
        return lines


def _where(problem: Problem) -> str:
    column = f", column {problem.column}" if problem.column is not None else ""
    return f"line {problem.line}{column}: [{problem.rule}] {problem.message}"


def judge(ctx: EndpointContext, objects: ObjectReader, telemetry: str, newest: S3Object) -> Verdict:
    url = f"s3://{ctx.endpoint.bucket}/{newest.key}"
    folder_key = ctx.endpoint.folder_key(telemetry)
    # A day has begun somewhere once it has begun at UTC+14: the validator's own "future" rule,
    # taken from the run's moment so an injected `now` governs it too.
    latest_day = (ctx.now.astimezone(UTC) + EARLIEST_OFFSET).date()
    try:
        with objects.stream(newest.key) as body:
            report = validate_bytes_stream(body, url, telemetry, latest_day=latest_day)
    except UnreadableObject as problem:
        return Verdict(telemetry, folder_key, url, unreadable=_reason(problem, url))
    return Verdict(telemetry, folder_key, url, report)


def _reason(problem: UnreadableObject, url: str) -> str:
    text = str(problem.args[0]) if problem.args else str(problem)
    return text.removeprefix(f"{url}: ")


@check(
    "FINOUT-CSV-001", Severity.HIGH, "The newest file in each telemetry folder is valid Finout CSV"
)
def newest_files_are_valid(ctx: EndpointContext) -> Finding | None:
    newest = newest_files(ctx)
    if newest is None or ctx.objects is None:
        return None
    where = ctx.bucket_url
    present = {telemetry: obj for telemetry, obj in newest.items() if obj is not None}
    if not present:
        return passed(
            where,
            f"No telemetry folder under {where} holds a file yet, so there was no file to "
            "validate (FINOUT-CSV-002 names the empty folders).",
        )
    verdicts = [judge(ctx, ctx.objects, telemetry, obj) for telemetry, obj in present.items()]
    bad = [verdict for verdict in verdicts if not verdict.ok]
    if not bad:
        return passed(where, _all_valid(where, verdicts))
    return failed(where, _failure(where, bad, len(verdicts)), _remediation(ctx, bad))


def _all_valid(where: str, verdicts: list[Verdict]) -> str:
    count = len(verdicts)
    sentence = (
        f"The newest file in the one non-empty telemetry folder under {where} is valid Finout CSV"
        if count == 1
        else f"The newest files in all {count} non-empty telemetry folders under {where} are "
        "valid Finout CSV"
    )
    noted = [v.url for v in verdicts if v.warnings]
    if noted:
        sentence += (
            f"; {listed(noted)} {'has' if len(noted) == 1 else 'have'} warnings that "
            "`finout-telemetry csv validate` explains"
        )
    return sentence + "."


def _failure(where: str, bad: list[Verdict], judged: int) -> tuple[str, ...]:
    if len(bad) == 1:
        only = bad[0]
        state = "could not be read" if only.report is None else "is not valid Finout CSV"
        first = f"The newest file in folder {only.folder_key}, {only.url}, {state}."
    else:
        unreadable = sum(1 for verdict in bad if verdict.report is None)
        state = {0: "are not valid Finout CSV", len(bad): "could not be read"}.get(
            unreadable, "are not valid Finout CSV or could not be read"
        )
        first = (
            f"The newest files in {len(bad)} of {judged} non-empty telemetry folders under "
            f"{where} {state}."
        )
    lines = [first]
    for verdict in bad[:FILES_SHOWN]:
        lines += verdict.lines()
    if len(bad) > FILES_SHOWN:
        rest = [verdict.url for verdict in bad[FILES_SHOWN:]]
        lines.append(f"Also invalid or unreadable: {listed(rest)}.")
    # One line per file and problem; a line break inside a key or a CSV value stays in its line.
    return tuple(lines)


def _remediation(ctx: EndpointContext, bad: list[Verdict]) -> str:
    invalid = [v for v in bad if v.report is not None]
    steps: list[str] = []
    if invalid:
        telemetry = invalid[0].telemetry if len(invalid) == 1 else "<folder's telemetry>"
        steps.append(
            f"Fix each invalid file (`finout-telemetry csv validate FILE --telemetry {telemetry}` "
            "lists every problem with a fix) and upload it again with `finout-telemetry upload "
            f"--endpoint {ctx.endpoint.name} FILE --replace`; delete an invalid object whose key "
            "the upload does not overwrite."
        )
        if any(p.rule == "telemetry-column" for v in invalid if v.report for p in v.report.errors):
            steps.append(
                "A folder takes only files whose telemetry column is named for the folder's "
                "telemetry: rename the column or move the file to its telemetry's folder."
            )
    if len(invalid) < len(bad):
        steps.append(
            f"Let the checker call s3:GetObject on {ctx.endpoint.bucket_arn}/* (and decrypt "
            "with the bucket's KMS key, if any)."
        )
    return " ".join(steps)


CHECKS = (newest_files_are_valid,)
