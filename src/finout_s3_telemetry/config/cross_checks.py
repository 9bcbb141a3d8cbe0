"""Rules that compare endpoints with each other, or fields of one endpoint with each other.

They run on the raw YAML data, not on the parsed model, so that they still report their findings
when some other field of the file is invalid: one run shows every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from finout_s3_telemetry.config.errors import Problem
from finout_s3_telemetry.config.model import StateSettings
from finout_s3_telemetry.naming import (
    ACCESS_MODES,
    ACCESS_READ_WRITE,
    DEFAULT_ACCESS,
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    ENCRYPTIONS,
    access_setting_problems,
    account_id_problem,
    account_name_problem,
    arn_account,
    folder_key,
    kms_setting_problems,
    prefix_problem,
    prefixes_overlap,
    principal_partition,
    region_problem,
    role_arn_partition,
    role_arn_problem,
    telemetry_key_problem,
    telemetry_problem,
)
from finout_s3_telemetry.partitions import partition_ids, partition_of
from finout_s3_telemetry.terminal_text import printable, quoted, shorten


def cross_endpoint_problems(raw: Any) -> Iterator[Problem]:
    yield from _state_problems(raw)
    yield from account_problems(raw)
    endpoints = raw.get("endpoints") if isinstance(raw, dict) else None
    if not isinstance(endpoints, list):
        return
    items = [(i, e) for i, e in enumerate(endpoints) if isinstance(e, dict)]
    finout = raw.get("finout")
    principal = finout.get("principal") if isinstance(finout, dict) else None
    if isinstance(principal, str):
        yield from _principal_partition(principal, items)
    yield from _folder_key_lengths(items)
    yield from _duplicate_names(items)
    yield from _shared_role_names(items, raw.get("accounts"))
    yield from _bucket_created_twice(items)
    yield from _telemetry_duplicates(items)
    yield from _kms_settings(items)
    yield from _access_settings(items)
    yield from _shared_bucket_prefixes(items)
    if "accounts" not in raw or isinstance(raw["accounts"], dict):
        # An `accounts:` of the wrong shape is reported once: which accounts the endpoints
        # name cannot be judged.
        yield from _endpoint_accounts(raw.get("accounts"), items)


_ROLE_FIELDS = ("deploy_role_arn", "plan_role_arn", "check_role_arn")
NAMES_LISTED = 20
"""Account names a message lists as the choices, before the rest are counted."""


def listed_names(names: Iterable[object]) -> str:
    """`a, b, c and 9,980 more`: a bounded list of names, escaped and shortened, to choose from."""
    every = list(names)
    shown = ", ".join(printable(shorten(str(n), 64)) for n in every[:NAMES_LISTED])
    more = len(every) - NAMES_LISTED
    return f"{shown} and {more:,} more" if more > 0 else shown


def account_problems(raw: Any) -> Iterator[Problem]:
    """Each account's roles are in that account, and so in one partition: a pipeline assumes
    them to act in it."""
    accounts = raw.get("accounts") if isinstance(raw, dict) else None
    if not isinstance(accounts, dict):
        return
    for name, account in accounts.items():
        if not isinstance(name, str) or not isinstance(account, dict):
            continue
        account_id = account.get("account_id")
        if not isinstance(account_id, str) or account_id_problem(account_id):
            continue
        where = f"accounts.{printable(shorten(name, 64))}"
        partition = _account_partition(account)
        for field in _ROLE_FIELDS:
            role = account.get(field)
            if not isinstance(role, str) or role_arn_problem(role):
                continue
            if (owner := arn_account(role)) != account_id:
                yield Problem(
                    f"{where}.{field}",
                    f"the role is in account {owner}, but {where}.account_id is {account_id}; "
                    f"the pipeline assumes this role to act in account {account_id}: use that "
                    "account's role, or fix account_id",
                )
            elif partition and (role_partition := role_arn_partition(role)) != partition[1]:
                yield Problem(
                    f"{where}.{field}",
                    f"the role is in the {role_partition} partition, but {where}.{partition[0]} "
                    f"is in {partition[1]}; an account and its roles are in one partition: use "
                    "this account's role",
                )


def _account_partition(account: dict[Any, Any]) -> tuple[str, str] | None:
    """(field, partition) of the account's first valid role, the deploy role's when valid: the
    partition its endpoints must be in. A role in another partition is reported at the
    account (`account_problems`), once, not at each endpoint."""
    for field in _ROLE_FIELDS:
        role = account.get(field)
        if isinstance(role, str) and not role_arn_problem(role):
            return field, role_arn_partition(role)
    return None


def _endpoint_accounts(accounts: Any, items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    """An endpoint's `account` names an entry of `accounts:`, agrees with its `account_id`, and
    its roles are in the endpoint's partition."""
    known = accounts if isinstance(accounts, dict) else {}
    names = listed_names(known)
    # Judged once per account, not per endpoint: 5,000 endpoints may name one account.
    partitions: dict[str, tuple[str, str] | None] = {}
    for index, endpoint in items:
        name = endpoint.get("account")
        if not isinstance(name, str) or account_name_problem(name):
            # A name that breaks its own rule is reported by it, once.
            continue
        account = known.get(name)
        if name not in known:
            fix = (
                f"use one of: {names}"
                if names
                else "add it under a top-level `accounts:` mapping (account_id, deploy_role_arn)"
            )
            yield Problem(
                f"endpoints[{index}].account",
                f"{quoted(name)} is not an account of `accounts:`; {fix}",
            )
            continue
        if not isinstance(account, dict):
            continue
        own_id, account_id = endpoint.get("account_id"), account.get("account_id")
        if isinstance(own_id, str) and isinstance(account_id, str) and own_id != account_id:
            yield Problem(
                f"endpoints[{index}].account_id",
                f"{quoted(own_id)} is not the id of account {quoted(name)} ({account_id}); "
                "remove account_id (the account gives it) or fix it",
            )
        region = endpoint.get("region")
        if not isinstance(region, str) or region_problem(region):
            continue
        partition = partition_of(region)
        if name not in partitions:
            partitions[name] = _account_partition(account)
        if (roles := partitions[name]) is not None and roles[1] != partition:
            field, role_partition = roles
            yield Problem(
                f"endpoints[{index}].account",
                f"account {quoted(name)}'s {field} is in the {role_partition} partition, but "
                f"region {region} is in {partition}; a role acts in its own partition only: "
                f"use an account of the {partition} partition for this endpoint",
            )


_S3_BACKEND_FIELDS = ("bucket", "key", "region", "use_lockfile")
_S3_BACKEND_DEFAULTS = {
    field: StateSettings.model_fields[field].default for field in _S3_BACKEND_FIELDS
}


def _state_problems(raw: Any) -> Iterator[Problem]:
    state = raw.get("state") if isinstance(raw, dict) else None
    if not isinstance(state, dict):
        return
    backend = state.get("backend", "local")
    if backend == "s3" and not state.get("bucket"):
        yield Problem(
            "state.bucket",
            "is required when state.backend is s3; name an existing bucket for the Terraform state",
        )
    if backend == "local":
        # Settings that would be silently ignored: the user meant shared state and would get
        # local files. A field left at its default (as a dump of the parsed config writes it)
        # asks for nothing and passes.
        for field in _S3_BACKEND_FIELDS:
            if field in state and state[field] != _S3_BACKEND_DEFAULTS[field]:
                yield Problem(
                    f"state.{field}",
                    "applies only to the s3 backend, and the state is local; set "
                    "`backend: s3` to keep the state in S3, or remove this field",
                )


def _principal_partition(
    principal: str, items: list[tuple[int, dict[str, Any]]]
) -> Iterator[Problem]:
    """A role trusts principals of its own partition only: IAM refuses an aws-cn principal in a
    role in us-east-1, and Finout's account differs per partition."""
    wanted = principal_partition(principal)
    if wanted is None or wanted not in partition_ids():
        return
    for index, endpoint in items:
        region = endpoint.get("region")
        if not isinstance(region, str) or region_problem(region):
            continue
        partition = partition_of(region)
        if partition != wanted:
            yield Problem(
                f"endpoints[{index}].region",
                f"{quoted(region)} is in the {partition} partition, but finout.principal is in "
                f"{wanted}; a role can only trust a principal of its own partition: use Finout's "
                f"principal for {partition} from the Finout console, or a region of {wanted}",
            )


def _folder_key_lengths(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    for index, endpoint in items:
        prefix = endpoint.get("prefix", "")
        telemetries = endpoint.get("telemetries")
        if (
            not isinstance(prefix, str)
            or prefix_problem(prefix)
            or not isinstance(telemetries, list)
        ):
            continue
        for position, telemetry in enumerate(telemetries):
            if not isinstance(telemetry, str) or telemetry_problem(telemetry):
                continue
            if problem := telemetry_key_problem(folder_key(prefix, telemetry)):
                yield Problem(f"endpoints[{index}].telemetries[{position}]", problem)


def _duplicate_names(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, endpoint in items:
        name = endpoint.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            yield Problem(
                f"endpoints[{index}].name",
                f"{quoted(name)} is already the name of endpoints[{seen[name]}]; endpoint names "
                "name the stacks and must be unique, so rename this one",
            )
        else:
            seen[name] = index


def _shared_role_names(items: list[tuple[int, dict[str, Any]]], accounts: Any) -> Iterator[Problem]:
    # IAM role names are unique per account, across regions. Two endpoints without account_id are
    # assumed to share the account the credentials point at.
    seen: dict[tuple[str | None, str], tuple[int, str]] = {}
    for index, endpoint in items:
        role = endpoint.get("role_name", DEFAULT_ROLE_NAME)
        account = endpoint.get("account_id")
        if not isinstance(role, str) or not (account is None or isinstance(account, str)):
            continue
        if isinstance(account_name := endpoint.get("account"), str) and (
            not isinstance(named := _named_id(accounts, account_name), str) or named != account
        ):
            # The account it names is unknown, or has no id, or another than its account_id:
            # each reported on its own; which account the role would be in is not known.
            continue
        key = (account, role.lower())
        name = str(endpoint.get("name", f"endpoints[{index}]"))
        if key in seen:
            first_index, first_name = seen[key]
            where = f"account {account}" if account else "the same account (no account_id set)"
            suggestion = printable(shorten(f"{role}-{name}"))
            yield Problem(
                f"endpoints[{index}].role_name",
                f"role {quoted(role)} is also used by endpoint {quoted(first_name)} "
                f"(endpoints[{first_index}]) "
                f"in {where}; set `role_name:` on endpoint {quoted(name)}, e.g. {suggestion}, and "
                f"keep {quoted(first_name)} as it is if Finout already uses its role ARN (never "
                "rename a registered role: its Finout endpoint would stop working)",
            )
        else:
            seen[key] = (index, name)


def _named_id(accounts: Any, name: str) -> Any:
    """The account_id of the entry of `accounts:` called `name`, or None."""
    account = accounts.get(name) if isinstance(accounts, dict) else None
    return account.get("account_id") if isinstance(account, dict) else None


def _bucket_created_twice(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    created: dict[str, int] = {}
    for index, endpoint in items:
        bucket = endpoint.get("bucket")
        if not isinstance(bucket, str) or endpoint.get("existing_bucket") is True:
            continue
        if bucket in created:
            yield Problem(
                f"endpoints[{index}].bucket",
                f"bucket {quoted(bucket)} is already created by endpoints[{created[bucket]}]; "
                "a bucket can be created once: set `existing_bucket: true` here or use another "
                "bucket",
            )
        else:
            created[bucket] = index


def _telemetry_duplicates(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    for index, endpoint in items:
        telemetries = endpoint.get("telemetries")
        if not isinstance(telemetries, list):
            continue
        seen: set[str] = set()
        for position, telemetry in enumerate(telemetries):
            if isinstance(telemetry, str) and telemetry in seen:
                yield Problem(
                    f"endpoints[{index}].telemetries[{position}]",
                    f"{quoted(telemetry)} is listed twice; each telemetry is one folder, list it "
                    "once",
                )
            elif isinstance(telemetry, str):
                seen.add(telemetry)


def _kms_settings(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    """`encryption`, `kms_key`, `existing_bucket`, the region and the policy name together.
    A field of the wrong type or value is reported by its own rule and not judged here."""
    for index, endpoint in items:
        encryption = endpoint.get("encryption", "sse-s3")
        kms_key = endpoint.get("kms_key")
        existing = endpoint.get("existing_bucket", False)
        region = endpoint.get("region")
        policy_name = endpoint.get("policy_name", DEFAULT_POLICY_NAME)
        if (
            encryption not in ENCRYPTIONS
            or not (kms_key is None or isinstance(kms_key, str))
            or not isinstance(existing, bool)
            or not isinstance(policy_name, str)
        ):
            continue
        for field, message in kms_setting_problems(
            encryption=encryption,
            kms_key=kms_key,
            existing_bucket=existing,
            region=region if isinstance(region, str) else "",
            policy_name=policy_name,
        ):
            yield Problem(f"endpoints[{index}].{field}", message)


def _access_settings(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    """`access`, `prefix`, `write_prefix` and the telemetry folders together. A field of the
    wrong type or value is reported by its own rule and not judged here."""
    for index, endpoint in items:
        access = endpoint.get("access", DEFAULT_ACCESS)
        prefix = endpoint.get("prefix", "")
        write_prefix = endpoint.get("write_prefix")
        telemetries = endpoint.get("telemetries")
        if access not in ACCESS_MODES or not (
            write_prefix is None or isinstance(write_prefix, str)
        ):
            continue
        valid_prefix = isinstance(prefix, str) and prefix_problem(prefix) is None
        for field, message in access_setting_problems(
            access=access,
            prefix=prefix if valid_prefix else None,
            write_prefix=write_prefix,
            telemetries=telemetries if isinstance(telemetries, list) else [],
        ):
            yield Problem(f"endpoints[{index}].{field}", message)


def _key_spaces(endpoint: dict[str, Any]) -> list[tuple[str, str]] | None:
    """(field, prefix) of the keys an endpoint is given: its S3 path prefix, which Finout reads
    under, and a read_write endpoint's write_prefix. None when a value is invalid (its own rule
    reports it)."""
    prefix = endpoint.get("prefix", "")
    if not isinstance(prefix, str) or prefix_problem(prefix) is not None:
        return None
    spaces = [("prefix", prefix)]
    write_prefix = endpoint.get("write_prefix")
    if endpoint.get("access") == ACCESS_READ_WRITE and isinstance(write_prefix, str):
        if prefix_problem(write_prefix) is not None or write_prefix == "":
            return None
        spaces.append(("write_prefix", write_prefix))
    return spaces


def _shared_bucket_prefixes(items: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    """Endpoints of one bucket need prefixes that do not overlap: Finout reads (and a read_write
    endpoint writes) everything under an endpoint's prefix, and each endpoint has its own mode,
    so using both modes on one bucket takes two endpoints with different prefixes."""
    by_bucket: dict[str, list[tuple[int, list[tuple[str, str]]]]] = {}
    for index, endpoint in items:
        bucket = endpoint.get("bucket")
        spaces = _key_spaces(endpoint)
        if isinstance(bucket, str) and spaces is not None:
            by_bucket.setdefault(bucket, []).append((index, spaces))
    for bucket, endpoints in by_bucket.items():
        for position, (index, spaces) in enumerate(endpoints):
            for other_index, other_spaces in endpoints[:position]:
                clash = next(
                    (
                        (field, value, other_field, other_value)
                        for field, value in spaces
                        for other_field, other_value in other_spaces
                        if prefixes_overlap(value, other_value)
                    ),
                    None,
                )
                if clash is None:
                    continue
                field, value, other_field, other_value = clash
                yield Problem(
                    f"endpoints[{index}].{field}",
                    f"{_prefix_words(value)} overlaps endpoints[{other_index}].{other_field} "
                    f"{_prefix_words(other_value)} in the shared bucket {quoted(bucket)}; "
                    "endpoints of one bucket need prefixes where neither is the other or a "
                    "folder under it, e.g. 'finout/team-a' and 'finout/team-b'",
                )
                break


def _prefix_words(prefix: str) -> str:
    return quoted(prefix) if prefix else "'' (the whole bucket)"
