"""`finout-telemetry permissions --for deploy|plan|check`: the least-privilege IAM policy of a
pipeline role for this config, as JSON to paste into the role (`pipeline_policies.py` builds it).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from finout_s3_telemetry.commands.common import (
    add_config_option,
    error,
    load_or_report,
    unknown_accounts_reported,
)
from finout_s3_telemetry.config.model import ROLE_PURPOSES
from finout_s3_telemetry.exit_codes import ExitCode
from finout_s3_telemetry.terminal_text import printable

PIPELINE = "pipeline"
"""`--for pipeline`: not a role of an account, but the identity that assumes them."""
# Shown whole, so that a reviewer sees every resource the wildcards widened to.
_WILDCARDS_SHOWN = 20


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "permissions",
        help="print the least-privilege IAM policy of the deploy, plan or check pipeline role",
        description="Print, as an IAM policy document (JSON), exactly what the pipeline role "
        "needs for this config: --for deploy (create, change and destroy the stacks, with "
        "terraform's refresh and the S3 state backend), plan (terraform plan: refresh reads and "
        "the state backend's read and lock) or check (`check` and `upload`). Exit 0, or 2 for a "
        "config or usage error.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--for",
        dest="purpose",
        choices=(*ROLE_PURPOSES, PIPELINE),
        help="the pipeline whose role the policy is for (required); `pipeline`: the identity "
        "CI starts with (OIDC), which assumes each account's roles and reaches the S3 state",
    )
    parser.add_argument(
        "--account",
        metavar="NAME",
        help="only the endpoints of this account of `accounts:` (default: every endpoint)",
    )
    parser.add_argument(
        "--format", choices=("json",), default="json", help="output (default: json)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.purpose is None:
        # Said here rather than by argparse, to name the choices and what each is for.
        error(
            "--for is missing: pass --for deploy (npx cdktf deploy and destroy), --for plan "
            "(finout-telemetry plan), --for check (check and upload) or --for pipeline (the "
            "identity that assumes the accounts' roles)"
        )
        return ExitCode.USAGE
    config = load_or_report(args)
    if config is None:
        return ExitCode.USAGE
    endpoints = list(config.endpoints)
    if args.account is not None:
        if unknown_accounts_reported(config, [args.account]):
            return ExitCode.USAGE
        endpoints = [e for e in endpoints if e.account == args.account]
    # Imported here: `--help` and a usage error need no policy building.
    from finout_s3_telemetry.pipeline_policies import (
        MANAGED_POLICY_LIMIT,
        identity_policy,
        pipeline_policy,
    )
    from finout_s3_telemetry.policy_documents import INLINE_POLICY_LIMIT

    if args.purpose == PIPELINE:
        if not any(endpoint.account for endpoint in endpoints):
            error(
                "--for pipeline is the policy of the identity that assumes the roles of "
                "`accounts:`, and no endpoint here names an account; the caller's own "
                "credentials then deploy: use --for deploy, --for plan or --for check"
            )
            return ExitCode.USAGE
        policy = identity_policy(config, endpoints)
    else:
        policy = pipeline_policy(config, args.purpose, endpoints)
    print(json.dumps(policy.document, indent=2))
    if policy.wildcards:
        shown = ", ".join(policy.wildcards[:_WILDCARDS_SHOWN])
        more = len(policy.wildcards) - _WILDCARDS_SHOWN
        print(
            f"finout-telemetry: note: with exact resources the policy would hold "
            f"{policy.exact_size:,} characters, over IAM's {MANAGED_POLICY_LIMIT:,} for a "
            f"managed policy, so resources were grouped into wildcards (review them): "
            f"{printable(shown)}" + (f" and {more} more" if more > 0 else ""),
            file=sys.stderr,
        )
    if not policy.fits_managed_policy:
        inline = (
            f"attach it as an inline role policy (up to {INLINE_POLICY_LIMIT:,}), or "
            if policy.fits_inline_policy
            else ""
        )
        per_account = (
            "print one policy per account (--account NAME), or "
            if config.accounts and args.account is None
            else ""
        )
        print(
            f"finout-telemetry: warning: the policy holds {policy.size:,} characters, over "
            f"IAM's {MANAGED_POLICY_LIMIT:,} for a managed policy: {inline}{per_account}give "
            "the created buckets, the existing buckets and the roles each a name prefix that no "
            "other bucket or role of the config shares, so that one wildcard covers each group",
            file=sys.stderr,
        )
    return ExitCode.OK
