"""`finout-telemetry external-id`: a fresh random external ID for customers who pick their own."""

from __future__ import annotations

import argparse
import secrets
import string
from typing import Any

from finout_s3_telemetry.exit_codes import ExitCode

ALPHABET = string.ascii_lowercase + string.digits
PREFIX = "finout-"
RANDOM_LENGTH = 7


def new_external_id() -> str:
    """`finout-` followed by 7 characters from a CSPRNG, the convention in Finout's guide."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "external-id",
        help="print a fresh random external ID",
        description="Print a random external ID (finout- and 7 letters or digits). Use it only "
        "if Finout's console lets you choose one; otherwise copy Finout's.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(new_external_id())
    return ExitCode.OK
