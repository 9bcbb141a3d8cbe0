"""`finout-telemetry stacks`: one line (or JSON object) per stack, the input of a CI matrix.

Each stack is one endpoint: its name, the account it deploys into and the roles each pipeline
assumes there. The JSON is a list in config order, so a workflow can feed it to `fromJSON` as a
job matrix and run one deploy per stack, or group it by account.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    load_or_report,
    unknown_accounts_reported,
)
from finout_s3_telemetry.config.model import ROLE_PURPOSES, Config, EndpointConfig
from finout_s3_telemetry.exit_codes import ExitCode


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "stacks",
        help="list the stacks with their account, region and roles (a CI matrix)",
        description="List one stack per endpoint, in config order: its name, account, account "
        "id, region, and the roles the deploy, plan and check pipelines assume in its account "
        "(null: the pipeline's own credentials). `--format json` prints a JSON list for a CI "
        "job matrix. Exit 0, or 2 for a config or usage error.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    parser.add_argument(
        "--account",
        action="append",
        metavar="NAME",
        help="only the stacks of this account of `accounts:` (repeatable; default: every stack)",
    )
    parser.set_defaults(handler=run)


def stack_entry(config: Config, endpoint: EndpointConfig) -> dict[str, Any]:
    """One stack as the JSON list shows it; each role is the one that pipeline assumes."""
    entry: dict[str, Any] = {
        "name": endpoint.name,
        "account": endpoint.account,
        "account_id": endpoint.account_id,
        "region": endpoint.region,
    }
    for purpose in ROLE_PURPOSES:
        role = config.role_for(endpoint, purpose)
        entry[f"{purpose}_role_arn"] = role.role_arn if role else None
    return entry


def run(args: argparse.Namespace) -> int:
    config = load_or_report(args)
    if config is None:
        return ExitCode.USAGE
    wanted = list(dict.fromkeys(args.account or ()))
    if unknown_accounts_reported(config, wanted):
        return ExitCode.USAGE
    entries = [
        stack_entry(config, endpoint)
        for endpoint in config.endpoints
        if not wanted or endpoint.account in wanted
    ]
    if args.format == "json":
        print(json.dumps(entries, indent=2))
        return ExitCode.OK
    print(_table(entries))
    return ExitCode.OK


def _table(entries: list[dict[str, Any]]) -> str:
    columns = ("name", "account", "account_id", "region", "deploy_role_arn")
    headers = ("STACK", "ACCOUNT", "ACCOUNT ID", "REGION", "DEPLOY ROLE")
    rows = [headers] + [tuple(str(entry[column] or "-") for column in columns) for entry in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
