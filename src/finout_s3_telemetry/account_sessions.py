"""The credentials `check` and `upload` act with, account by account.

An endpoint of an account (`account:` in the config) is read and written with that account's
check role, or its deploy role (with the deploy role's external ID) when it names no check role,
assumed with sts:AssumeRole from the caller's own credentials (the pipeline's): once per account
and run, whatever the number of its endpoints. An endpoint of no account keeps the caller's own
credentials.

    sessions = assume_roles(config, endpoints, target, jobs=8)   # raises RolesRefused
    s3 = sessions.of(endpoint).client("s3", endpoint.region)

Nothing is read or written before every role was assumed: one that cannot be (RolesRefused)
ends the run. boto3 is imported only here, when roles are assumed, so that a command imports it
only when it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from finout_s3_telemetry.config.model import AssumedRole, Config, EndpointConfig, RolePurpose
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terminal_text import printable, quoted, shorten

REASON_SHOWN = 300
"""Characters of AWS's own words shown for a refused role."""
NAMES_SHOWN = 5
"""Endpoints named for a refused role before the rest are counted."""


class UnusableEndpoint(ValueError):
    """botocore refused the target's endpoint URL when the first client was made."""


class _Maker:
    """One boto3 Session for every account of a run, with each account's credentials given to
    each client: a Session per account would load every service model again (0.65 s per
    account for five clients, measured, against 0.1 s when they share one). A Session is not
    thread-safe, so clients are made under a lock; the clients themselves are thread-safe."""

    def __init__(self, target: Target) -> None:
        import boto3

        self.target = target
        self._session = boto3.session.Session()
        self._lock = threading.Lock()

    def client(
        self, service: str, region: str, credentials: dict[str, str] | None, **config: Any
    ) -> Any:
        with self._lock:
            return self.target.client(
                service, region, session=self._session, credentials=credentials, **config
            )


@dataclass(frozen=True)
class AccountSession:
    """Makes the clients of one account: with its assumed role's temporary credentials, or the
    caller's own (`account` None)."""

    account: str | None
    """The account's name in the config; None for the caller's own credentials."""
    account_id: str | None
    role: AssumedRole | None
    maker: _Maker = field(repr=False)
    credentials: dict[str, str] | None = field(default=None, repr=False)

    def client(self, service: str, region: str, **config: Any) -> Any:
        """A client of `service` in `region` acting in this account; `config` as `Target.client`."""
        return self.maker.client(service, region, self.credentials, **config)


def caller_session(target: Target) -> AccountSession:
    """The caller's own credentials (the target's: AWS's credential chain, or the emulator's
    keys)."""
    return AccountSession(None, None, None, _Maker(target))


@dataclass(frozen=True)
class Refusal:
    """A role sts:AssumeRole refused, and the endpoints that needed it."""

    account: str
    role_arn: str
    endpoints: tuple[str, ...]
    error: Exception
    """botocore's ClientError: AWS's answer."""

    @property
    def code(self) -> str:
        return str(getattr(self.error, "response", {}).get("Error", {}).get("Code", ""))

    @property
    def reason(self) -> str:
        """`AccessDenied: User ... is not authorized ...`, as AWS said it."""
        details = getattr(self.error, "response", {}).get("Error", {})
        code, message = str(details.get("Code", "")), str(details.get("Message", ""))
        said = shorten(" ".join(message.split()), REASON_SHOWN)
        return f"{shorten(code, 60)}: {said}" if said else shorten(code or str(self.error), 60)

    def sentence(self) -> str:
        shown = [quoted(name) for name in self.endpoints[:NAMES_SHOWN]]
        more = len(self.endpoints) - len(shown)
        named = ", ".join(shown) + (f" and {more} more" if more else "")
        noun = "endpoint" if len(self.endpoints) == 1 else "endpoints"
        return printable(
            f"the role {self.role_arn} of account {quoted(self.account)} (for {noun} {named}) "
            f"could not be assumed ({self.reason})"
        )


class RolesRefused(Exception):
    """sts:AssumeRole refused one or more roles: nothing may be read or written."""

    FIX = (
        "the role's trust policy must let the caller's credentials assume it (with the "
        "account's deploy_external_id, for a deploy role), and their own policy must allow "
        "sts:AssumeRole on it"
    )

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = tuple(refusals)
        super().__init__(self.line())

    def line(self) -> str:
        """One line: every refused role, the account, the endpoints, AWS's reason, the fix."""
        return "; ".join(refusal.sentence() for refusal in self.refusals) + f"; {self.FIX}"


@dataclass(frozen=True)
class AccountSessions:
    """The session of every account a run acts in, by account name (None: the caller's)."""

    by_account: dict[str | None, AccountSession]

    def of(self, endpoint: EndpointConfig) -> AccountSession:
        return self.by_account[endpoint.account]


def by_account(endpoints: Iterable[EndpointConfig]) -> dict[str | None, list[EndpointConfig]]:
    """The endpoints grouped by account name (None: the caller's own), in config order."""
    groups: dict[str | None, list[EndpointConfig]] = {}
    for endpoint in endpoints:
        groups.setdefault(endpoint.account, []).append(endpoint)
    return groups


def assume_roles(
    config: Config,
    endpoints: Sequence[EndpointConfig],
    target: Target,
    *,
    purpose: RolePurpose = "check",
    jobs: int = 1,
    on_client: Callable[[Any], None] | None = None,
    **client_config: Any,
) -> AccountSessions:
    """Assume, once each, the `purpose` role of every account `endpoints` belong to, `jobs` at a
    time, from the caller's credentials. Raises RolesRefused naming every role AWS refused
    (a ClientError's code and message); any other failure (no credentials, no connection, an
    answer that is not AWS's) propagates as botocore raised it. `on_client` sees the caller's
    STS clients (to count their calls); `client_config` as `Target.client`."""
    from botocore.exceptions import ClientError

    maker = _Maker(target)
    groups = by_account(endpoints)
    sessions: dict[str | None, AccountSession] = {}
    if None in groups:
        sessions[None] = AccountSession(None, None, None, maker)
    named = [name for name in groups if name is not None]
    # The caller's STS client of each region, made before the threads share them; AssumeRole
    # asks STS in the region of the account's first endpoint (a role in aws-cn or aws-us-gov
    # needs STS of that partition).
    sts: dict[str, Any] = {}
    for name in named:
        region = groups[name][0].region
        if region not in sts:
            try:
                sts[region] = maker.client("sts", region, None, **client_config)
            except ValueError as problem:  # a space in the host, a port over 65535
                raise UnusableEndpoint(str(problem)) from None
            if on_client is not None:
                on_client(sts[region])

    def assume(name: str) -> AccountSession | Refusal:
        role = config.accounts[name].role_for(purpose)
        arguments = {"RoleArn": role.role_arn, "RoleSessionName": role.session_name}
        if role.external_id:
            arguments["ExternalId"] = role.external_id
        try:
            answer = sts[groups[name][0].region].assume_role(**arguments)
        except ClientError as error:
            members = tuple(endpoint.name for endpoint in groups[name])
            return Refusal(name, role.role_arn, members, error)
        found = answer["Credentials"]
        credentials = {
            "aws_access_key_id": str(found["AccessKeyId"]),
            "aws_secret_access_key": str(found["SecretAccessKey"]),
            "aws_session_token": str(found["SessionToken"]),
        }
        return AccountSession(
            name, config.accounts[name].account_id, role, maker, credentials=credentials
        )

    if jobs > 1 and len(named) > 1:
        with ThreadPoolExecutor(max_workers=min(jobs, len(named))) as pool:
            assumed = list(pool.map(assume, named))
    else:
        assumed = [assume(name) for name in named]
    refusals = [each for each in assumed if isinstance(each, Refusal)]
    if refusals:
        raise RolesRefused(refusals)
    sessions.update({each.account: each for each in assumed if isinstance(each, AccountSession)})
    return AccountSessions(sessions)
