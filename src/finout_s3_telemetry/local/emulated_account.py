"""Preparing the emulator for a config: which account it answers as, and stand-in buckets."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.local.moto_server import DEFAULT_ACCOUNT_ID, LocalAws
from finout_s3_telemetry.targets import Target


@dataclass(frozen=True)
class EmulatedAccount:
    target: Target
    """The running emulator, as a deploy and check target."""
    stand_in_buckets: list[str]
    """Buckets created because the config says they exist already."""


@contextmanager
def emulated_account(config: Config) -> Iterator[EmulatedAccount]:
    """A fresh moto server answering as the config's account, holding a stand-in for every
    existing bucket the config names: what `demo` deploys to and `plan` plans against."""
    with LocalAws(account_id=account_for(config)) as aws:
        target = Target("local", aws.endpoint_url)
        yield EmulatedAccount(target, create_stand_in_buckets(config, target))


def account_for(config: Config) -> str | None:
    """The one account the emulator answers as: the one most endpoints pin, else the default;
    None (every account) for a config of several accounts, whose roles are assumed into them."""
    if config.accounts:
        return None
    pinned = collections.Counter(e.account_id for e in config.endpoints if e.account_id)
    return pinned.most_common(1)[0][0] if pinned else DEFAULT_ACCOUNT_ID


def create_stand_in_buckets(config: Config, target: Target) -> list[str]:
    """An `existing_bucket` must exist before deploying; in a fresh emulator nothing does.

    Returns the buckets created, so callers can say so: they stand in for the customer's own.
    """
    from finout_s3_telemetry.account_sessions import assume_roles

    existing = [endpoint for endpoint in config.endpoints if endpoint.existing_bucket]
    # In the account the endpoint deploys into: the emulator serves every account of a config
    # with `accounts:`, and the deploy role's credentials act in the role's account.
    sessions = assume_roles(config, existing, target, purpose="deploy")
    created = []
    for endpoint in existing:
        s3 = sessions.of(endpoint).client("s3", endpoint.region)
        location = {}
        if endpoint.region != "us-east-1":
            location = {"CreateBucketConfiguration": {"LocationConstraint": endpoint.region}}
        s3.create_bucket(Bucket=endpoint.bucket, **location)
        created.append(endpoint.bucket)
    return created
