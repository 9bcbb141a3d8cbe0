"""`finout-telemetry upload`: validate telemetry CSV files, then put each where Finout reads it.

Every line printed names what it is about escaped (`terminal_text`): paths, keys and AWS's own
words can hold anything.
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    add_target_options,
    error,
    load_or_report,
    target_or_report,
)
from finout_s3_telemetry.config.model import Config, EndpointConfig
from finout_s3_telemetry.csv_files import STDIN, UnreadableFile, ValidatedFile, validate_local_file
from finout_s3_telemetry.csv_files.dates import latest_day_now
from finout_s3_telemetry.csv_files.fields import calendar_day, date_problem
from finout_s3_telemetry.csv_files.progress import ProgressBar
from finout_s3_telemetry.csv_files.render import render_text, shown_path
from finout_s3_telemetry.csv_files.uploader import (
    ALLOW_FUTURE_FLAG,
    PlannedUpload,
    PlanProblem,
    UploadFailed,
    changed_since_validation,
    existing_keys,
    future_day_problem,
    plan_uploads,
    upload_verified,
)
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.targets import ENDPOINT_URL_ENV, Target
from finout_s3_telemetry.terminal_text import printable, quoted, shorten

MAX_ENDPOINT_URL = 2048
"""Characters of an endpoint URL; browsers and proxies refuse longer ones anyway."""
_SERVER_WORDS = 200
"""Characters of AWS's own error message shown."""
_WHERE_SHOWN = 120
"""Characters of the target's name (it holds the endpoint URL) shown."""
_NAMES_SHOWN = 5
"""Files named in a summary of those not uploaded; the rest are counted."""
_MISSING_BUCKET = (
    "the bucket does not exist there: deploy the endpoint's stack first, or correct the "
    "endpoint's bucket in the config"
)
_DENIED = "use credentials that may s3:PutObject, s3:GetObject and s3:ListBucket on the bucket"
_OTHER_REGION = "the bucket is in another region: correct the endpoint's region in the config"
_BUSY = "S3 is busy or failing: retry later"
_CLIENT_ERROR_FIXES = {
    "NoSuchBucket": _MISSING_BUCKET,
    "404": _MISSING_BUCKET,
    "AccessDenied": _DENIED,
    "AllAccessDisabled": _DENIED,
    "403": _DENIED,
    "PermanentRedirect": _OTHER_REGION,
    "AuthorizationHeaderMalformed": _OTHER_REGION,
    "IllegalLocationConstraintException": _OTHER_REGION,
    "301": _OTHER_REGION,
    "SlowDown": _BUSY,
    "ServiceUnavailable": _BUSY,
    "InternalError": _BUSY,
    "500": _BUSY,
    "503": _BUSY,
}
_OTHER_FIX = "look the code up in the Amazon S3 error reference"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "upload",
        help="validate telemetry CSV files and upload them to an endpoint's folders",
        description="Validate every FILE, then upload each to "
        "<prefix>/<telemetry>/<YYYY-MM-DD>.csv in the endpoint's bucket, where YYYY-MM-DD is "
        "the one day the file's rows hold. Nothing is uploaded if any file is invalid or holds "
        "other days than --date; a day that has not begun anywhere yet needs "
        f"{ALLOW_FUTURE_FLAG}; an existing day is never overwritten without --replace; each "
        "upload is verified by checksum. Exit 0 when all were uploaded, 1 when a file is "
        "invalid, holds several days or other days than --date, exists or failed "
        "verification, 2 on a usage error, an unreadable file or an AWS error.",
    )
    add_config_option(parser)
    add_target_options(parser)
    parser.add_argument("--endpoint", required=True, metavar="NAME", help="endpoint in config")
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="CSV files to upload (regular files, not -)"
    )
    parser.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the day the files are stored as; their rows must hold that day only (default: the "
        "one day their rows hold; needed for a file with no rows)",
    )
    parser.add_argument(
        ALLOW_FUTURE_FLAG,
        action="store_true",
        help="allow a day that has not begun anywhere yet (later than today at UTC+14)",
    )
    parser.add_argument(
        "--replace", action="store_true", help="overwrite a day that is already uploaded"
    )
    parser.set_defaults(handler=run)


def _day(text: str) -> date:
    day = calendar_day(text.encode()) if date_problem(text.encode()) is None else None
    if day is None:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a calendar day written YYYY-MM-DD")
    return day


def run(args: argparse.Namespace) -> int:
    latest_day = latest_day_now()  # one moment for every "future" judgement of the run
    usage = _argument_problem(args, latest_day)
    if usage is not None:
        error(usage)
        return ExitCode.USAGE
    config = load_or_report(args)
    target = target_or_report(args)
    if config is None or target is None:
        return ExitCode.USAGE
    try:
        endpoint = config.endpoint(args.endpoint)
    except KeyError as unknown:
        error(printable(str(unknown.args[0])))
        return ExitCode.USAGE
    files, code = _validate(args.files, endpoint, latest_day)
    if code != ExitCode.OK:
        return code
    planned, problems = plan_uploads(
        endpoint,
        files,
        args.date,
        latest_day=latest_day,
        allow_future=args.allow_future_date,
    )
    if problems:
        _report_plan_problems(problems)
        return ExitCode.USAGE if any(planning.usage for planning in problems) else ExitCode.PROBLEMS
    return _upload_all(planned, config, endpoint, target, args.replace)


def _argument_problem(args: argparse.Namespace, latest_day: date) -> str | None:
    """The first argument that cannot work, as one line naming it and the fix; else None."""
    if STDIN in args.files:
        return (
            "upload takes files, not - (standard input): each file is read twice, to validate "
            "it and to upload it with its checksum; save the input to a file and pass its path"
        )
    day: date | None = args.date
    if day is not None and day > latest_day and not args.allow_future_date:
        return future_day_problem(day, latest_day, given=True)
    url = args.endpoint_url if args.endpoint_url is not None else os.environ.get(ENDPOINT_URL_ENV)
    if url:
        fix = (
            "pass the emulator's URL, such as http://127.0.0.1:5000 (--endpoint-url or "
            f"${ENDPOINT_URL_ENV})"
        )
        if len(url) > MAX_ENDPOINT_URL:
            return f"the endpoint URL is {len(url):,} characters long; {fix}"
        if not url.isprintable() or any(char.isspace() for char in url):
            return f"the endpoint URL {quoted(url)} holds a space or a control character; {fix}"
    return None


def _validate(
    paths: list[str], endpoint: EndpointConfig, latest_day: date
) -> tuple[list[ValidatedFile], int]:
    files: list[ValidatedFile] = []
    unreadable = False
    for path in paths:
        try:
            # The checksums come from this same read: what is uploaded is what was validated.
            checked = validate_local_file(
                path,
                known_telemetries=endpoint.telemetries,
                latest_day=latest_day,
                digests=True,
            )
        except UnreadableFile as problem:
            error(problem.shown())
            unreadable = True
            continue
        files.append(checked)
        print(render_text(checked.report), flush=True)
    if unreadable:
        error("nothing was uploaded")
        return files, ExitCode.USAGE
    if not all(checked.report.ok for checked in files):
        error("nothing was uploaded: fix the invalid files first")
        return files, ExitCode.PROBLEMS
    return files, ExitCode.OK


def _report_plan_problems(problems: list[PlanProblem]) -> None:
    if len(problems) == 1:
        only = problems[0]
        error(f"{shown_path(only.path)}: {only.message}; nothing was uploaded")
        return
    for planning in problems:
        error(f"{shown_path(planning.path)}: {planning.message}")
    error(f"nothing was uploaded ({len(problems)} problems)")


def _upload_all(
    planned: list[PlannedUpload],
    config: Config,
    endpoint: EndpointConfig,
    target: Target,
    replace: bool,
) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from finout_s3_telemetry.account_sessions import RolesRefused

    # Short enough that the checker's messages, which shorten it too, keep it whole.
    where = printable(shorten(target.describe(), _WHERE_SHOWN))
    bucket = endpoint.bucket
    try:
        client = _s3_client(config, endpoint, target)
    except RolesRefused as refused:
        from finout_s3_telemetry.check.errors import classify

        # AWS's answer to the caller's own credentials (expired, say) is told as such.
        (refusal,) = refused.refusals
        if classify(refusal.error, where) is not None:
            error(f"{aws_failure(refusal.error, where, endpoint)}; nothing was uploaded")
        else:
            error(f"{printable(refused.line())}; nothing was uploaded")
        return ExitCode.USAGE
    except (BotoCoreError, ClientError) as problem:
        error(f"{aws_failure(problem, where, endpoint)}; nothing was uploaded")
        return ExitCode.USAGE
    try:
        if not replace:
            taken = existing_keys(client, bucket, [upload.key for upload in planned])
            if taken:
                for key in taken:
                    error(f"{printable(f's3://{bucket}/{key}')} already exists")
                error("nothing was uploaded; pass --replace to overwrite those days")
                return ExitCode.PROBLEMS
    except (BotoCoreError, ClientError) as problem:
        error(f"{aws_failure(problem, where, endpoint)}; nothing was uploaded")
        return ExitCode.USAGE
    changed = changed_since_validation(planned)
    if changed:
        for line in changed:
            error(line)
        error("nothing was uploaded")
        return ExitCode.USAGE
    code = ExitCode.OK
    not_uploaded: list[PlannedUpload] = []
    for number, upload in enumerate(planned):
        size = upload.digests.size if upload.digests else 0
        bar = ProgressBar(f"uploading {shown_path(upload.path.name)}", size)
        try:
            digests = upload_verified(client, bucket, upload, replace, bar)
        except UploadFailed as problem:
            error(str(problem))
            code = max(code, ExitCode.USAGE if problem.usage else ExitCode.PROBLEMS)
            not_uploaded.append(upload)
            continue
        except (BotoCoreError, ClientError) as problem:
            # AWS itself failed: the files after this one would fare no better.
            error(aws_failure(problem, where, endpoint))
            code = ExitCode.USAGE
            not_uploaded += planned[number:]
            break
        print(
            f"uploaded {shown_path(str(upload.path))} to "
            f"{printable(f's3://{bucket}/{upload.key}')} "
            f"({digests.size:,} bytes, SHA-256 verified)",
            flush=True,
        )
    if not_uploaded and len(not_uploaded) < len(planned):
        names = [shown_path(str(upload.path)) for upload in not_uploaded[:_NAMES_SHOWN]]
        more = len(not_uploaded) - len(names)
        error(
            f"{len(planned) - len(not_uploaded)} of {len(planned)} files were uploaded; not "
            f"uploaded: {', '.join(names)}{f' and {more} more' if more else ''}"
        )
    return code


def aws_failure(problem: Exception, where: str, endpoint: EndpointConfig) -> str:
    """One line that says what went wrong with AWS (`where`, named once) and what to do.

    Missing or invalid credentials and an unreachable endpoint are told apart as the checker
    tells them; any other refusal is named by its error code and the bucket.
    """
    from botocore.exceptions import ClientError

    from finout_s3_telemetry.check.errors import classify

    unavailable = classify(problem, where)
    if unavailable is not None:
        # The checker names the target when AWS answered or could not be reached; credentials
        # that could not even be found or loaded are the local machine's, so it is named here.
        message = str(unavailable)
        named = unavailable.kind == "unreachable" or isinstance(problem, ClientError)
        return printable(message if named else f"{where}: {message}")
    bucket = quoted(endpoint.bucket)
    if not isinstance(problem, ClientError):
        return printable(f"{where}: {shorten(str(problem), _SERVER_WORDS)} (bucket {bucket})")
    details = problem.response.get("Error", {})
    status = problem.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(details.get("Code") or status or "an error")
    said = str(details.get("Message") or "")
    said = f": {shorten(said, _SERVER_WORDS)}" if said and said != code else ""
    refused = f"{where} refused {problem.operation_name} on the bucket {bucket} ({code}{said})"
    return printable(f"{refused}; {_CLIENT_ERROR_FIXES.get(code, _OTHER_FIX)}")


def _s3_client(config: Config, endpoint: EndpointConfig, target: Target) -> Any:
    """S3 in the endpoint's account: its check role (else its deploy role) assumed from the
    caller's credentials when the endpoint names an account, else the caller's own. Raises
    RolesRefused when the role cannot be assumed."""
    from finout_s3_telemetry.account_sessions import assume_roles

    session = assume_roles(config, [endpoint], target, purpose="check").of(endpoint)
    return session.client("s3", endpoint.region, retries={"mode": "standard"})
