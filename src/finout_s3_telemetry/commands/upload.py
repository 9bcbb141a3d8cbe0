"""`finout-telemetry upload`: validate telemetry CSV files, then put each where Finout reads it."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    add_target_options,
    error,
    load_or_report,
    target_or_report,
)
from finout_s3_telemetry.config.model import EndpointConfig
from finout_s3_telemetry.csv_files import FileReport, UnreadableFile, validate_path
from finout_s3_telemetry.csv_files.fields import calendar_day, date_problem
from finout_s3_telemetry.csv_files.progress import ProgressBar
from finout_s3_telemetry.csv_files.render import render_text
from finout_s3_telemetry.csv_files.uploader import (
    PlannedUpload,
    UploadFailed,
    existing_keys,
    plan_uploads,
    upload_verified,
)
from finout_s3_telemetry.targets import Target

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "upload",
        help="validate telemetry CSV files and upload them to an endpoint's folders",
        description="Validate every FILE, then upload each to "
        "<prefix>/<telemetry>/<YYYY-MM-DD>.csv in the endpoint's bucket. Nothing is uploaded "
        "if any file is invalid; an existing day is never overwritten without --replace; each "
        "upload is verified by checksum. Exit 0 when all were uploaded, 1 when a file is "
        "invalid, exists or failed verification, 2 on a usage error, an unreadable file or "
        "an AWS error.",
    )
    add_config_option(parser)
    add_target_options(parser)
    parser.add_argument("--endpoint", required=True, metavar="NAME", help="endpoint in config")
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV files to upload")
    parser.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the day the files are stored as (default: the one day their rows hold)",
    )
    parser.add_argument(
        "--replace", action="store_true", help="overwrite a day that is already uploaded"
    )
    parser.set_defaults(handler=run)


def _day(text: str) -> date:
    day = calendar_day(text.encode()) if date_problem(text.encode()) is None else None
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a calendar day written YYYY-MM-DD")
    return day


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    target = target_or_report(args)
    if config is None or target is None:
        return EXIT_USAGE
    try:
        endpoint = config.endpoint(args.endpoint)
    except KeyError as unknown:
        error(str(unknown.args[0]))
        return EXIT_USAGE
    reports, code = _validate(args.files, endpoint)
    if code != EXIT_OK:
        return code
    planned, problems = plan_uploads(endpoint, reports, args.date)
    if problems:
        for planning in problems:
            error(f"{planning.path}: {planning.message}")
        error("nothing was uploaded")
        return EXIT_USAGE if any(planning.usage for planning in problems) else EXIT_FAILED
    return _upload_all(planned, endpoint, target, args.replace)


def _validate(paths: list[str], endpoint: EndpointConfig) -> tuple[list[FileReport], int]:
    reports: list[FileReport] = []
    unreadable = False
    for path in paths:
        try:
            report = validate_path(path, known_telemetries=endpoint.telemetries)
        except UnreadableFile as problem:
            error(str(problem))
            unreadable = True
            continue
        reports.append(report)
        print(render_text(report), flush=True)
    if unreadable:
        error("nothing was uploaded")
        return reports, EXIT_USAGE
    if not all(report.ok for report in reports):
        error("nothing was uploaded: fix the invalid files first")
        return reports, EXIT_FAILED
    return reports, EXIT_OK


def _upload_all(
    planned: list[PlannedUpload], endpoint: EndpointConfig, target: Target, replace: bool
) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = _s3_client(endpoint, target)
        if not replace:
            taken = existing_keys(client, endpoint.bucket, [upload.key for upload in planned])
            if taken:
                for key in taken:
                    error(f"s3://{endpoint.bucket}/{key} already exists")
                error("nothing was uploaded; pass --replace to overwrite those days")
                return EXIT_FAILED
        code = EXIT_OK
        for upload in planned:
            bar = ProgressBar(f"uploading {upload.path.name}", upload.path.stat().st_size)
            try:
                digests = upload_verified(client, endpoint.bucket, upload, replace, bar)
            except UploadFailed as problem:
                error(str(problem))
                code = EXIT_FAILED
                continue
            print(
                f"uploaded {upload.path} to s3://{endpoint.bucket}/{upload.key} "
                f"({digests.size:,} bytes, SHA-256 verified)",
                flush=True,
            )
        return code
    except (BotoCoreError, ClientError) as problem:
        error(f"AWS ({target.describe()}): {problem}")
        return EXIT_USAGE
    except OSError as problem:
        error(f"cannot read a file: {problem}")
        return EXIT_USAGE


def _s3_client(endpoint: EndpointConfig, target: Target) -> Any:
    import boto3
    from botocore.config import Config

    # An emulator at an IP address or localhost has no bucket subdomains.
    style = {"s3": {"addressing_style": "path"}} if target.is_local else {}
    return boto3.client(
        "s3",
        region_name=endpoint.region,
        config=Config(retries={"mode": "standard"}, **style),
        **target.boto3_settings(),
    )
