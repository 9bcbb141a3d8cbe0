"""Hostile input against the access checks and the policy evaluator behind them.

Policies are written by anyone, and AWS's answers (or what stands in for them) can hold anything:
none of it may crash the checker, make it pass what it could not decide, forge its output, or
blow up its time. Each test names what it holds the checker to; those marked "defect" failed
before the fix they came with. Work is bounded with `signal.alarm` (generous: each case takes
milliseconds now, and minutes to hours before the fix), never with wall-clock assertions.
"""

from __future__ import annotations

import json
import random
import re
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import pytest
from botocore.stub import Stubber
from check_helpers import (
    check,
    deploy,
    endpoint_raw,
    fill_folders,
    make_config,
    put_file,
    ran,
    result,
    target_of,
)
from check_provisioning import clients

from finout_s3_telemetry.check import RetryPolicy
from finout_s3_telemetry.check.access_answers import AccessInputs, evaluate_access
from finout_s3_telemetry.check.aws import AwsReader, _record_bucket_policy, owner_id
from finout_s3_telemetry.check.checks import ALL_CHECKS
from finout_s3_telemetry.check.checks.access import can_read, cannot_write
from finout_s3_telemetry.check.checks.bucket_policy_reads import bucket_policy_denies_no_reads
from finout_s3_telemetry.check.checks.encryption_keys import role_may_decrypt
from finout_s3_telemetry.check.checks.file_ownership import files_owned_by_bucket_owner
from finout_s3_telemetry.check.checks.permissions_boundary import boundary_allows_reads
from finout_s3_telemetry.check.context import EndpointContext
from finout_s3_telemetry.check.finout_session import base_context
from finout_s3_telemetry.check.model import Status
from finout_s3_telemetry.check.output import render
from finout_s3_telemetry.check.probes import PROBE_FILE, access_probes
from finout_s3_telemetry.check.shared_answers import SharedAnswers
from finout_s3_telemetry.check.snapshot import (
    AttachedPolicy,
    BucketEncryption,
    Decision,
    EndpointSnapshot,
    KmsKey,
    ObjectHead,
    Read,
    RoleInfo,
    Simulation,
)
from finout_s3_telemetry.iam_evaluation import (
    Evaluation,
    Policy,
    Request,
    action_matches,
    evaluate,
    resource_matches,
)
from finout_s3_telemetry.local.moto_patches import policy_as_seen_over_tls
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.policy_documents import read_only_policy
from finout_s3_telemetry.targets import Target

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/FinoutMetricsReadOnlyRole"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/FinoutMetricsReadOnlyRole/finout"
BUCKET_ARN = "arn:aws:s3:::acme-finout-telemetry"
FILE_ARN = f"{BUCKET_ARN}/finout/telemetry/bytes/{PROBE_FILE}"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2024, 6, 7, 12, 0, tzinfo=UTC)
ALLOW_ALL = Policy(
    "allow all",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
)
CONTROL = "\x1b[2J\r\n  PASS  FINOUT-S3-009 high      forged\u202e\u2028"
"""What a hostile Sid, key or condition key holds: a screen clear, a forged line, bidi, LS."""


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than `seconds`: a bound on
    work, set generously far above what it takes, far below what a backtracking regex takes."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def document(*statements: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def request(
    action: str = "s3:GetObject",
    resource: str = FILE_ARN,
    context: Mapping[str, tuple[str, ...]] | None = None,
) -> Request:
    return Request(
        action,
        resource,
        ROLE_ARN,
        session_arn=SESSION_ARN,
        resource_account=ACCOUNT,
        context=context or {},
    )


def allowed_only_by(statement: dict[str, Any], req: Request | None = None) -> Evaluation:
    return evaluate(req or request(), identity=[Policy("p", document(statement))])


def denied_only_by(statement: dict[str, Any], req: Request | None = None) -> Evaluation:
    """The request under an Allow of everything and one more statement (meant as a Deny)."""
    return evaluate(req or request(), identity=[ALLOW_ALL, Policy("p", document(statement))])


# 1. Time: wildcard patterns, policy variables and policy sizes that made the evaluator backtrack.

STARS = "*a" * 40 + "*b"
"""`*a*a*...*b`: against a long run of `a`s, a regex of `.*a.*a...` tries every split (defect:
`action_matches("*a"*5 + "*b", "a"*60)` took a second, at 40 stars it never ends)."""


@pytest.mark.parametrize(
    "case",
    [
        "action",
        "not-action",
        "resource",
        "not-resource",
        "resource-with-variable",
        "string-like",
        "arn-like",
        "string-like-with-variable",
    ],
)
def test_a_pathological_wildcard_finishes_at_once_defect(case: str) -> None:
    long_value = "a" * 2000
    statements: dict[str, dict[str, Any]] = {
        "action": {"Action": f"s3:{STARS}", "Resource": "*"},
        "not-action": {"NotAction": f"s3:{STARS}", "Resource": "*"},
        "resource": {"Action": "*", "Resource": f"{BUCKET_ARN}/{STARS}"},
        "not-resource": {"Action": "*", "NotResource": f"{BUCKET_ARN}/{STARS}"},
        "resource-with-variable": {
            "Action": "*",
            "Resource": f"{BUCKET_ARN}/${{aws:PrincipalAccount}}{STARS}",
        },
        "string-like": {
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:UserAgent": STARS}},
        },
        "arn-like": {
            "Action": "*",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{STARS}"}},
        },
        "string-like-with-variable": {
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:UserAgent": f"${{aws:PrincipalAccount}}{STARS}"}},
        },
    }
    context = {
        "aws:useragent": (long_value,),
        "aws:sourcearn": (f"arn:aws:s3:::{long_value}",),
    }
    req = request(f"s3:{long_value}", f"{BUCKET_ARN}/{long_value}", context)
    with within(10):
        for effect in ("Allow", "Deny"):
            statement = {"Effect": effect, **statements[case]}
            answer = (allowed_only_by if effect == "Allow" else denied_only_by)(statement, req)
            assert answer.decision != "undecided"  # decided, and at once
        assert not action_matches(f"s3:{STARS}", f"s3:{long_value}")
        assert not resource_matches(f"{BUCKET_ARN}/{STARS}", f"{BUCKET_ARN}/{long_value}")


def test_policy_variables_of_any_shape_are_read_in_linear_time_defect() -> None:
    """`${` + a name + 20,000 spaces: the variable's lazy regex backtracked quadratically (14 s
    for one 20 KB value); 100,000 `${a}` tokens were cut with a slice each (quadratic copying)."""
    spaced = "${a" + " " * 20_000 + "b }"
    many = "${aws:PrincipalAccount}" * 20_000
    unclosed = "${" * 50_000
    with within(20):
        for value in (spaced, many, unclosed, f"{BUCKET_ARN}/{spaced}", f"{BUCKET_ARN}/{many}"):
            for statement in (
                {"Effect": "Deny", "Action": "*", "Resource": value},
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringLike": {"aws:PrincipalArn": value}},
                },
            ):
                answer = denied_only_by(statement)
                assert answer.decision in ("allowed", "undecided", "explicitDeny")
                assert len(answer.reason) < 2_000


def test_the_wildcard_matcher_agrees_with_a_plain_regex_where_that_is_safe() -> None:
    """The linear matcher against the regex it replaced, on short random patterns and values
    (where backtracking cannot hurt): `*`, `?`, literal characters, both cases."""
    rng = random.Random(20240607)

    def as_regex(pattern: str) -> str:
        return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)

    for _ in range(20_000):
        pattern = "".join(rng.choice("aAb*?:/") for _ in range(rng.randint(0, 7)))
        value = "".join(rng.choice("aAb:/?*") for _ in range(rng.randint(0, 8)))
        expected = re.fullmatch(as_regex(pattern), value, re.DOTALL | re.IGNORECASE)
        assert action_matches(pattern, value) is (expected is not None), (pattern, value)


def test_thousands_of_statements_and_folders_stay_linear() -> None:
    """3,000 Deny statements (each its own resource pattern) against 200 folders: far beyond
    AWS's 20 KB bucket policy. The work follows patterns x distinct resources, once each."""
    config = make_config(endpoint_raw(telemetries=[f"t{i}" for i in range(200)]))
    endpoint = config.endpoints[0]
    statements = [
        {
            "Sid": f"S{i}",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"{endpoint.bucket_arn}/finout/telemetry/t{i}*/x{i}*",
            "Condition": {"StringEquals": {f"aws:PrincipalTag/k{i}": "v"}},
        }
        for i in range(3000)
    ]
    snapshot = EndpointSnapshot(
        "main",
        role=Read.found(RoleInfo(endpoint.role_name, ROLE_ARN, {})),
        inline_policy=Read.found(read_only_policy(endpoint.bucket_arn)),
        bucket_policy=Read.found(document(*statements)),
    )
    with within(60):
        ctx = context_of(config, snapshot)
        for spec in ALL_CHECKS:
            spec.run(ctx)


# 2. Never "allowed" on what could not be decided.


@pytest.mark.parametrize(
    "pattern", ["arn:aws:s3:*", "arn:*", "arn:aws:s3*", "arn:aws:s3:${aws:username}*"]
)
def test_a_short_resource_pattern_whose_star_may_span_colons_is_undecided_defect(
    pattern: str,
) -> None:
    """ "If the * wildcard is the last character of a resource ARN segment, it can expand to
    match beyond the colon boundaries" (IAM JSON policy elements: Resource). A Deny on
    `arn:aws:s3:*` was read as matching nothing, so the read was "allowed"."""
    deny = {"Effect": "Deny", "Action": "*", "Resource": pattern}
    assert denied_only_by(deny).decision == "undecided"
    not_deny = {"Effect": "Deny", "Action": "*", "NotResource": pattern}
    assert denied_only_by(not_deny).decision == "undecided"
    allow = {"Effect": "Allow", "Action": "*", "Resource": pattern}
    assert allowed_only_by(allow).decision == "undecided"
    # A short pattern that could not match even across colons still matches nothing.
    other = {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:kms:*"}
    assert denied_only_by(other).decision == "allowed"


def test_shared_answers_keep_apart_a_resource_a_pattern_may_match_and_one_it_cannot() -> None:
    """Requests are grouped by how each pattern matches their resource: that must be
    three-valued, or a resource the short pattern may match shares the "allowed" of one it
    cannot."""
    deny = {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:*bytes*"}
    answers = SharedAnswers(identity=[ALLOW_ALL, Policy("p", document(deny))])
    other = FILE_ARN.replace("/bytes/", "/requests/")
    assert answers.evaluate(request(resource=other)).decision == "allowed"
    assert answers.evaluate(request(resource=FILE_ARN)).decision == "undecided"


ODD_VALUES: list[tuple[str, str, Any]] = [
    ("underscore", "NumericEquals", "5_0"),  # Decimal reads it as 50
    ("arabic-indic-digit", "NumericEquals", "\u0665"),  # Decimal reads it as 5
    ("infinity", "NumericLessThan", "Infinity"),
    ("exponent-beyond-decimal", "NumericLessThan", "1E+9999999999999999999"),
    ("5000-digit-json-integer", "NumericEquals", 10**5000),  # Python will not write it out
    ("hexadecimal", "NumericEquals", "0x10"),
    ("iso-week-date", "DateLessThan", "2030-W01-1"),  # no W3C date
    ("compact-date", "DateLessThan", "20300101T000000"),  # no W3C date
    ("month-13", "DateLessThan", "2030-13-45"),
    ("year-or-epoch", "DateLessThan", "2030"),  # a W3C year, or epoch seconds
    ("400-digit-epoch", "DateLessThan", "9" * 400),
    ("arabic-indic-date", "DateLessThan", "\u0662\u0660\u0663\u0660-01-01"),
    ("prefix-33", "IpAddress", "10.0.0.0/33"),
    ("two-prefixes", "IpAddress", "10.0.0.0/8/8"),
    ("100k-characters", "IpAddress", "x" * 100_000),
    ("not-base64", "BinaryEquals", "!!!"),
    ("yes", "Bool", "yes"),
    ("maybe", "Null", "maybe"),
]
KEY_OF = {
    "Numeric": "n",
    "Date": "aws:CurrentTime",
    "IpAddress": "aws:SourceIp",
    "BinaryEquals": "b",
    "Bool": "aws:SecureTransport",
    "Null": "absent",
}


@pytest.mark.parametrize(
    ("operator", "value"),
    [pytest.param(operator, value, id=name) for name, operator, value in ODD_VALUES],
)
def test_a_condition_value_that_is_not_what_its_operator_reads_is_undecided(
    operator: str, value: Any
) -> None:
    """Numbers with underscores or non-ASCII digits, dates Python reads but the W3C profile has
    not (defect: each decided a Deny did not apply, and a 5,000-digit integer crashed)."""
    context = {
        "n": ("5",),
        "aws:currenttime": ("2024-06-07T12:00:00Z",),
        "aws:sourceip": ("203.0.113.9",),
        "b": ("aGVsbG8=",),
        "aws:securetransport": ("true",),
        "absent": (),
    }
    key = next(key for prefix, key in KEY_OF.items() if operator.startswith(prefix))
    condition = {operator: {key: value}}
    req = request(context=context)
    for effect, judge in (("Deny", denied_only_by), ("Allow", allowed_only_by)):
        answer = judge(
            {"Effect": effect, "Action": "*", "Resource": "*", "Condition": condition}, req
        )
        assert answer.decision == "undecided", (effect, answer.reason)
        assert len(answer.reason) < 1_000


def test_well_formed_numbers_and_dates_still_decide() -> None:
    context = {"n": ("5",), "aws:currenttime": ("2024-06-07T12:00:00Z",)}
    req = request(context=context)
    for condition, expected in (
        ({"NumericEquals": {"n": "5.0"}}, "explicitDeny"),
        ({"NumericLessThan": {"n": "1e3"}}, "explicitDeny"),
        ({"NumericGreaterThan": {"n": 5}}, "allowed"),
        ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00.123+02:00"}}, "explicitDeny"),
        ({"DateLessThan": {"aws:CurrentTime": "2024-06"}}, "allowed"),
        ({"DateGreaterThan": {"aws:CurrentTime": "1700000000"}}, "explicitDeny"),
    ):
        deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
        assert denied_only_by(deny, req).decision == expected, condition


MALFORMED: list[tuple[str, Any]] = [
    ("statement-string", "s3:GetObject"),
    ("statement-number", 7),
    ("statement-null", None),
    ("action-dict", {"Effect": "E", "Action": {"s3": "GetObject"}, "Resource": "*"}),
    ("action-null", {"Effect": "E", "Action": None, "Resource": "*"}),
    ("action-bool", {"Effect": "E", "Action": True, "Resource": "*"}),
    ("action-empty", {"Effect": "E", "Action": [], "Resource": "*"}),
    ("action-nested", {"Effect": "E", "Action": [["s3:GetObject"]], "Resource": "*"}),
    ("resource-number", {"Effect": "E", "Action": "*", "Resource": 5}),
    ("resource-and-not", {"Effect": "E", "Action": "*", "Resource": "*", "NotResource": "*"}),
    ("condition-list", {"Effect": "E", "Action": "*", "Resource": "*", "Condition": [1]}),
    ("condition-string", {"Effect": "E", "Action": "*", "Resource": "*", "Condition": "x"}),
    (
        "condition-block-list",
        {"Effect": "E", "Action": "*", "Resource": "*", "Condition": {"StringEquals": ["x"]}},
    ),
    (
        "condition-values-null",
        {"Effect": "E", "Action": "*", "Resource": "*", "Condition": {"Bool": {"k": None}}},
    ),
    (
        "condition-values-empty",
        {"Effect": "E", "Action": "*", "Resource": "*", "Condition": {"Bool": {"k": []}}},
    ),
    (
        "operator-lowercase",
        {"Effect": "E", "Action": "*", "Resource": "*", "Condition": {"bool": {"k": "x"}}},
    ),
    (
        "for-any-value-null",
        {"Effect": "E", "Action": "*", "Resource": "*", "Condition": {"ForAnyValue:Null": {}}},
    ),
    ("principal-in-identity", {"Effect": "E", "Action": "*", "Resource": "*", "Principal": 5}),
    ("resource-unclosed-variable", {"Effect": "E", "Action": "*", "Resource": "${"}),
]


@pytest.mark.parametrize(("name", "statement"), MALFORMED, ids=[n for n, _ in MALFORMED])
def test_a_malformed_statement_never_allows_and_never_lets_through(
    name: str, statement: Any
) -> None:
    for effect in ("Allow", "Deny", "allow", None, True):

        def shaped(effect: Any = effect) -> Any:
            return {**statement, "Effect": effect} if isinstance(statement, dict) else statement

        allowed = allowed_only_by(shaped())
        assert allowed.decision != "allowed", (effect, allowed.reason)
        denied = denied_only_by(shaped())
        if effect != "Allow" and name != "resource-unclosed-variable":
            # A Deny (or what may be one) that cannot be read keeps the answer from "allowed".
            assert denied.decision != "allowed", (effect, denied.reason)


@pytest.mark.parametrize(
    "principal",
    [5, None, True, [], ["*"], {"AWS": None}, {"AWS": [None]}, {"AWS": {"x": 1}}, {"aws": "*"}],
    ids=repr,
)
def test_a_malformed_principal_in_a_bucket_policy_denies_and_grants_nothing_for_sure(
    principal: Any,
) -> None:
    for effect in ("Allow", "Deny"):
        statement = {"Effect": effect, "Principal": principal, "Action": "*", "Resource": "*"}
        answer = evaluate(
            request(),
            identity=[] if effect == "Allow" else [ALLOW_ALL],
            resource_policy=Policy("bucket policy", document(statement)),
        )
        assert answer.decision == "undecided", (effect, answer.reason)


@pytest.mark.parametrize(
    "principal",
    [
        # A session of the role under a name Finout may use: the checker's session name
        # ("finout") is a stand-in, so whether it is Finout's cannot be known.
        f"arn:aws:sts::{ACCOUNT}:assumed-role/FinoutMetricsReadOnlyRole/Finout-Sync",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/FinoutMetricsReadOnlyRole/finout",
        # The role in another case: IAM names are unique whatever their case.
        ROLE_ARN.lower(),
    ],
)
def test_s3_009_is_undecided_about_a_deny_that_may_name_finouts_session_defect(
    principal: str,
) -> None:
    """A Deny naming one session of the role was decided by the stand-in session name: it
    "did not apply" (pass) unless it happened to name `finout`, and then it denied."""
    config = make_config(endpoint_raw())
    deny = {"Effect": "Deny", "Principal": {"AWS": principal}, "Action": "s3:*", "Resource": "*"}
    ctx = context_of(config, role_snapshot(config, bucket_policy=Read.found(document(deny))))
    finding = ran(bucket_policy_denies_no_reads, ctx)
    assert finding.status is Status.WARN, finding.detail
    assert "may name the requester" in finding.detail
    # Another role's session is not Finout's, whatever its name.
    other = principal.replace("FinoutMetricsReadOnlyRole", "SomeoneElse")
    if other != principal:
        deny["Principal"] = {"AWS": other}
        ctx = context_of(config, role_snapshot(config, bucket_policy=Read.found(document(deny))))
        assert ran(bucket_policy_denies_no_reads, ctx).status is Status.PASS


def test_the_bucket_policy_simulation_never_turns_an_odd_decision_into_allowed_defect() -> None:
    """IAM's answer is read as "allowed" (the bucket policy denies nothing) only for the two
    decisions that mean it; any other word was "allowed" before, and S3-009 then skipped the
    local evaluation that would have found the Deny."""
    decisions: dict[tuple[str, str], Decision] = {}
    for word in ("", "maybe", "ExplicitDeny", "allowed ", None):
        _record_bucket_policy(
            {
                "EvalActionName": "s3:GetObject",
                "EvalResourceName": FILE_ARN,
                "EvalDecision": word,
                "MatchedStatements": [],
            },
            decisions,
        )
        assert decisions[("s3:GetObject", FILE_ARN)] == "undecided", word
    for word, expected in (("implicitDeny", "allowed"), ("allowed", "allowed")):
        _record_bucket_policy(
            {
                "EvalActionName": "s3:ListBucket",
                "EvalResourceName": BUCKET_ARN,
                "EvalDecision": word,
            },
            decisions,
        )
        assert decisions[("s3:ListBucket", BUCKET_ARN)] == expected


# 3. The checks, from constructed snapshots.


def context_of(config: Any, snapshot: EndpointSnapshot) -> EndpointContext:
    endpoint = config.endpoints[0]
    session = base_context(ROLE_ARN, endpoint.region, snapshot.organization, NOW)
    access = None
    if snapshot.role.is_found:
        inputs = AccessInputs(ROLE_ARN, ACCOUNT, endpoint.prefix, session)
        access = evaluate_access(snapshot, access_probes(endpoint, ROLE_ARN), inputs)
    return EndpointContext(config, endpoint, snapshot, ACCOUNT, access=access, now=NOW)


def role_snapshot(config: Any, **fields: Any) -> EndpointSnapshot:
    endpoint = config.endpoints[0]
    fields.setdefault("role", Read.found(RoleInfo(endpoint.role_name, ROLE_ARN, {})))
    fields.setdefault("inline_policy", Read.found(read_only_policy(endpoint.bucket_arn)))
    return EndpointSnapshot("main", **fields)


def test_s3_009_names_the_statement_that_denies_when_others_are_not_objects_defect() -> None:
    """The evaluator counts every element of Statement; the detail looked the statement up among
    the JSON objects only, so it explained the Deny with another statement's conditions."""
    config = make_config(endpoint_raw())
    policy = document(
        "not a statement",
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "finops"}},
        },
    )
    ctx = context_of(config, role_snapshot(config, bucket_policy=Read.found(policy)))
    finding = ran(bucket_policy_denies_no_reads, ctx)
    assert finding.status is Status.FAIL
    assert finding.detail.startswith("Statement 2 of bucket")
    assert "it has no condition" in finding.detail
    assert "aws:PrincipalTag/team" not in finding.detail


def test_s3_009_output_is_bounded_and_names_every_statement_once() -> None:
    """5,000 undecidable Denies with 10 KB Sids and condition keys: one warning of bounded
    length, with the values cut and counted (the table escapes what is left)."""
    config = make_config(endpoint_raw())
    statements = [
        {
            "Sid": f"{CONTROL}{i}" + "s" * 10_000,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:PrincipalTag/{CONTROL}{'k' * 10_000}{i}": "v"}},
        }
        for i in range(5000)
    ]
    ctx = context_of(config, role_snapshot(config, bucket_policy=Read.found(document(*statements))))
    with within(60):
        finding = ran(bucket_policy_denies_no_reads, ctx)
    assert finding.status is Status.WARN
    assert len(finding.detail) < 5_000
    assert "and 4990 more" in finding.detail and "characters in all" in finding.detail


def test_kms_001_judges_every_encryption_context_of_a_key_defect() -> None:
    """The bucket's default uses S3 Bucket Keys (context: the bucket's ARN); the newest file was
    written without (context: its own ARN). A key policy that allows only the bucket's context
    refuses the file: only the first use was judged before, so the check passed."""
    config = make_config(endpoint_raw(encryption="sse-kms", kms_key="create"))
    endpoint = config.endpoints[0]
    folder = endpoint.folder_key("bytes")
    key_policy = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE_ARN},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:aws:s3:arn": BUCKET_ARN}},
        }
    )
    snapshot = role_snapshot(
        config,
        encryption=Read.found(BucketEncryption(("aws:kms",), KEY_ARN, bucket_key=True)),
        newest_heads={
            folder: Read.found(ObjectHead(f"{folder}2024-06-07.csv", "aws:kms", KEY_ARN, False))
        },
        kms_keys={
            KEY_ARN: Read.found(KmsKey(KEY_ARN, "CUSTOMER", "Enabled", Read.found(key_policy)))
        },
    )
    finding = ran(role_may_decrypt, context_of(config, snapshot))
    assert finding.status is Status.FAIL, finding.detail
    assert "may not decrypt" in finding.detail

    # The same through a permissions boundary that tests the context (FINOUT-IAM-007).
    boundary = document(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:aws:s3:arn": BUCKET_ARN}},
        },
    )
    snapshot.role = Read.found(
        RoleInfo(endpoint.role_name, ROLE_ARN, {}, boundary_arn=f"arn:aws:iam::{ACCOUNT}:policy/b")
    )
    snapshot.boundary = Read.found(boundary)
    capped = ran(boundary_allows_reads, context_of(config, snapshot))
    assert capped.status is Status.FAIL, capped.detail
    assert f"kms:Decrypt on {KEY_ARN}" in capped.detail
    assert capped.detail.count(KEY_ARN) == 1  # each refused read named once


def test_checks_do_not_pass_on_files_they_could_not_list_defect() -> None:
    """With ListObjectsV2 refused, no newest file was looked at: FINOUT-S3-010 said "no folder
    holds a file yet" and FINOUT-KMS-001 "neither ... nor its newest files use SSE-KMS"."""
    config = make_config(endpoint_raw(encryption="sse-kms", kms_key="create"))
    snapshot = role_snapshot(
        config,
        listing=Read.unreadable("AccessDenied", "not allowed"),
        ownership=Read.found("ObjectWriter"),
        encryption=Read.found(BucketEncryption(("AES256",))),
    )
    ctx = context_of(config, snapshot)
    owners = ran(files_owned_by_bucket_owner, ctx)
    assert owners.status is Status.WARN
    assert "could not be listed" in owners.detail
    keys = ran(role_may_decrypt, ctx)
    assert keys.status is Status.WARN
    assert "could not be listed" in keys.detail


def test_iam_006_counts_writes_the_bucket_policy_grants_when_iam_simulates_defect() -> None:
    """SimulatePrincipalPolicy judges the role's own policies; a bucket policy naming the role
    grants it writes by itself. With the simulation answering "implicitDeny" for every write,
    the check passed whatever the bucket policy granted."""
    config = make_config(endpoint_raw())
    endpoint = config.endpoints[0]
    probes = access_probes(endpoint, ROLE_ARN)
    simulation = Simulation(
        {
            (p.action, p.resource): "allowed" if p.expect == "allow" else "implicitDeny"
            for p in probes
        }
    )
    grant = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE_ARN},
            "Action": "s3:PutObject",
            "Resource": f"{endpoint.bucket_arn}/*",
        }
    )
    snapshot = role_snapshot(config, simulation=simulation, bucket_policy=Read.found(grant))
    finding = ran(cannot_write, context_of(config, snapshot))
    assert finding.status is Status.FAIL, finding.detail
    assert "s3:PutObject on 3 resources" in finding.detail
    assert "what the bucket policy grants" in finding.detail

    # A grant to the account only delegates: the role's own policies decide, and IAM said no.
    delegation = document({**grant["Statement"][0], "Principal": {"AWS": ACCOUNT}})
    snapshot.bucket_policy = Read.found(delegation)
    finding = ran(cannot_write, context_of(config, snapshot))
    assert finding.status is Status.PASS, finding.detail


@pytest.mark.parametrize(
    "unread",
    ["a managed policy", "an inline policy", "the list of managed policies", "the inline policy"],
)
def test_a_policy_on_the_role_that_could_not_be_read_is_no_policy_at_all_defect(
    unread: str,
) -> None:
    """The local evaluation dropped what it could not read: a managed policy whose GetPolicy
    was refused might grant every write, yet FINOUT-IAM-006 said "24 write and delete requests
    refused". An unread policy may allow or deny anything: the writes are undecided, and so are
    the reads it could deny."""
    config = make_config(endpoint_raw())
    endpoint = config.endpoints[0]
    fields: dict[str, Any] = {
        "other_inline_policies": Read.found({}),
        "attached_policies": Read.found(()),
    }
    if unread == "a managed policy":
        arn = f"arn:aws:iam::{ACCOUNT}:policy/Unreadable"
        fields["attached_policies"] = Read.found((AttachedPolicy(arn, "Unreadable", None),))
    elif unread == "an inline policy":
        fields["other_inline_policies"] = Read.found({"extra": None})
    elif unread == "the list of managed policies":
        fields["attached_policies"] = Read.unreadable("AccessDenied")
    else:
        fields["inline_policy"] = Read.unreadable("AccessDenied")
    ctx = context_of(config, role_snapshot(config, **fields))
    writes = ran(cannot_write, ctx)
    assert writes.status is Status.FAIL, writes.detail
    assert "The checker could not read" in writes.detail
    reads = ran(can_read, ctx)
    assert reads.status is Status.FAIL and "undecided" in reads.detail, reads.detail

    # Read, the same policies decide again.
    readable = role_snapshot(
        config, other_inline_policies=Read.found({}), attached_policies=Read.found(())
    )
    ctx = context_of(config, readable)
    assert ran(cannot_write, ctx).status is Status.PASS
    assert ran(can_read, ctx).status is Status.PASS
    assert endpoint.bucket in ran(can_read, ctx).detail


# 4. What AWS answers (botocore's Stubber): an odd value is unreadable, never a crash.


@pytest.fixture
def reader() -> AwsReader:
    return AwsReader(Target("aws"), RetryPolicy(retries=0))


def test_a_role_arn_that_is_no_role_arn_is_unreadable_and_every_check_runs_defect(
    reader: AwsReader,
) -> None:
    """The checks take the account and partition from the role's ARN (`split(":")[4]`): an Arn
    of another shape raised IndexError and ended the run."""
    config = make_config(endpoint_raw())
    endpoint = config.endpoints[0]
    iam = reader.client("iam", "us-east-1")
    for arn in ("no-colons-at-all-in-here", f"arn:aws:iam::{ACCOUNT}:role", f"{CONTROL}{'x' * 30}"):
        with Stubber(iam) as stub:
            stub.add_response(
                "get_role",
                {
                    "Role": {
                        "Path": "/",
                        "RoleName": endpoint.role_name,
                        "RoleId": "AROAEXAMPLEEXAMPLE01",
                        "Arn": arn,
                        "CreateDate": NOW,
                        "AssumeRolePolicyDocument": "%7B%7D",
                    }
                },
            )
            snapshot = EndpointSnapshot("main")
            reader._fetch_role(endpoint, snapshot)
        assert snapshot.role.state == "unreadable" and "the role's Arn" in snapshot.role.why()
        ctx = EndpointContext(config, endpoint, snapshot, ACCOUNT, now=NOW)
        results = [spec.run(ctx) for spec in ALL_CHECKS]
        assert any(
            r is not None and r.id == "FINOUT-IAM-001" and r.status is Status.FAIL for r in results
        )


def describe_key_answer(arn: str, state: str = "Enabled") -> dict[str, Any]:
    return {
        "KeyMetadata": {
            "KeyId": "1234abcd",
            "Arn": arn,
            "KeyState": state,
            "KeyManager": "CUSTOMER",
        }
    }


def test_kms_key_references_and_answers_of_odd_shapes_are_unreadable_defect(
    reader: AwsReader,
) -> None:
    """A key reference comes from S3's answer: one in another region made a client there (on
    AWS a region that does not exist ended the whole run as "unreachable"; one that is no
    region name exited 2 blaming the endpoint URL). DescribeKey's Arn feeds `split(":")[3]`."""
    for reference in (
        KEY_ARN.replace("us-east-1", "eu-west-1"),
        KEY_ARN.replace("us-east-1", "bad region"),
        KEY_ARN.replace("us-east-1", ""),
    ):
        read = reader._kms_key(reference, "us-east-1")
        assert read.state == "unreadable" and read.code == "KeyInAnotherRegion", reference
    assert reader.counter.total == 0  # nothing was asked of any region
    kms = reader.client("kms", "us-east-1")
    for arn, state in (
        ("garbage-that-is-no-key-arn", "Enabled"),
        (f"{KEY_ARN}:{CONTROL}", "Enabled"),
        (KEY_ARN, ""),
    ):
        with Stubber(kms) as stub:
            stub.add_response("describe_key", describe_key_answer(arn, state))
            read = reader._kms_key("alias/telemetry", "us-east-1")
            stub.assert_no_pending_responses()  # and no GetKeyPolicy of that "key"
        assert read.state == "unreadable" and read.code == "UnexpectedResponse"


def test_an_alias_is_read_once_per_region_not_once_per_run_defect(reader: AwsReader) -> None:
    """`alias/telemetry` in us-east-1 and in eu-west-1 are two keys. Keyed by the reference
    alone, the second endpoint was judged with the first one's key and key policy."""
    config = make_config(
        endpoint_raw(name="east", region="us-east-1", bucket="acme-finout-east"),
        endpoint_raw(name="west", region="eu-west-1", bucket="acme-finout-west"),
    )
    keys = {}
    for endpoint in config.endpoints:
        arn = KEY_ARN.replace("us-east-1", endpoint.region)
        kms = reader.client("kms", endpoint.region)
        snapshot = EndpointSnapshot(endpoint.name)
        snapshot.encryption = Read.found(BucketEncryption(("aws:kms",), "alias/telemetry"))
        with Stubber(kms) as stub:
            stub.add_response("describe_key", describe_key_answer(arn))
            stub.add_response("get_key_policy", {"Policy": json.dumps(document())})
            reader._fetch_kms_keys(endpoint, snapshot, endpoint.region)
            stub.assert_no_pending_responses()
        keys[endpoint.region] = snapshot.kms_keys["alias/telemetry"].get().arn
    assert keys == {
        "us-east-1": KEY_ARN,
        "eu-west-1": KEY_ARN.replace("us-east-1", "eu-west-1"),
    }


def organization_answer() -> dict[str, Any]:
    return {
        "Organization": {
            "Id": "o-a1b2c3d4e5",
            "Arn": "arn:aws:organizations::999988887777:organization/o-a1b2c3d4e5",
            "FeatureSet": "ALL",
            "MasterAccountId": "999988887777",
        }
    }


@pytest.mark.parametrize("parents", ["an endless chain of OUs", "no parent"])
def test_scps_are_not_evaluated_when_the_path_never_reaches_the_root_defect(
    reader: AwsReader, parents: str
) -> None:
    """Every level from the root down must allow; without the root's SCPs (a path longer than
    Organizations allows, or no parent at all) the levels read were taken for all of them, so
    a Deny at the root could never be seen."""
    org = reader.client("organizations", "us-east-1")
    deny = json.dumps(document({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}))
    with Stubber(org) as stub:
        stub.add_response("describe_organization", organization_answer())
        levels = 7 if parents == "an endless chain of OUs" else 1
        for level in range(levels):
            stub.add_response(
                "list_policies_for_target",
                {"Policies": [{"Id": f"p-{level:08d}", "Name": f"SCP {level}"}]},
            )
            stub.add_response(
                "describe_policy",
                {"Policy": {"PolicySummary": {"Id": f"p-{level:08d}"}, "Content": deny}},
            )
            next_parent = [{"Id": f"ou-ab12-{level:08d}", "Type": "ORGANIZATIONAL_UNIT"}]
            stub.add_response("list_parents", {"Parents": next_parent if levels > 1 else []})
        organization = reader.organization(ACCOUNT, "us-east-1")
        stub.assert_no_pending_responses()
    assert organization.scps is None
    assert "no organisation root" in organization.scps_unavailable


def test_a_bucket_location_that_is_no_region_is_unreadable_defect(reader: AwsReader) -> None:
    """A client is made for the bucket's region: an answer that is no region name raised the
    usage error meant for a bad --endpoint-url (exit 2, blaming the URL)."""
    config = make_config(endpoint_raw())
    s3 = reader.client("s3", "us-east-1")
    for region in ("not a region!", f"us-east-1{CONTROL}", "x" * 300):
        with Stubber(s3) as stub:
            stub.add_response("get_bucket_location", {"LocationConstraint": region})
            snapshot = EndpointSnapshot("main")
            reader._fetch_bucket(config.endpoints[0], snapshot)
        assert snapshot.bucket_region.state == "unreadable"
        assert (
            "\n" not in snapshot.bucket_region.why() and "\x1b" not in snapshot.bucket_region.why()
        )


def test_an_acl_owner_without_an_id_is_unreadable_not_equal_to_another() -> None:
    """Two owners without an ID ("None" == "None") made a foreign file look like the bucket
    owner's."""
    for owner in ({"ID": None}, {"ID": ""}, {"ID": 7}, {}):
        with pytest.raises((ValueError, KeyError)):
            owner_id({"Owner": owner})
    assert owner_id({"Owner": {"ID": "f" * 64}}) == "f" * 64


# 5. The emulator's harness.


@pytest.mark.parametrize(
    "policy",
    [
        "not json",
        "[1, 2]",
        '{"Statement": "s3:GetObject"}',
        '{"Statement": [1, null]}',
        '{"Statement": [{"Effect": "Deny", "Condition": {"Bool": ["x"]}}]}',
        '{"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"1": 2}}}]}',
    ],
)
def test_the_tls_patch_leaves_a_policy_it_cannot_read_to_moto(policy: str) -> None:
    """What AWS would refuse at PutBucketPolicy and moto stores must not make the harness fail
    every request to the bucket."""
    seen = policy_as_seen_over_tls(policy)
    assert isinstance(seen, str)


def test_the_tls_patch_reads_bool_if_exists_as_bool() -> None:
    deny_plain = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
    }
    assert json.loads(policy_as_seen_over_tls(json.dumps(document(deny_plain))))["Statement"] == []


# 6. On the emulator: hostile documents and keys, through the real reads and the real output.


@pytest.mark.moto
def test_a_hostile_bucket_policy_cannot_forge_the_output_or_stall_the_run(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    statements = [
        {
            "Sid": f"Evil{CONTROL}",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"{endpoint.bucket_arn}/*",
            "Condition": {"StringEquals": {f"aws:PrincipalTag/{CONTROL}": "x"}},
        },
        *(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"{endpoint.bucket_arn}/{STARS}{n}",
                "Condition": {"StringLike": {"aws:UserAgent": STARS}},
            }
            for n in range(40)
        ),
    ]
    s3.put_bucket_policy(Bucket=endpoint.bucket, Policy=json.dumps(document(*statements)))
    with within(120):
        report = check(local_aws, config)
    unsure = result(report, "FINOUT-S3-009")
    assert unsure.status.value == "warn"
    assert CONTROL in unsure.detail  # JSON keeps the value exact ...
    table = render(report)
    assert "\x1b" not in table and "\u202e" not in table and "\r" not in table
    assert "\u2028" not in table
    # ... and the table shows it escaped, inside the line of its check.
    forged = [line for line in table.splitlines() if "forged" in line]
    assert forged and all(line.startswith("  WARN  FINOUT-S3-009") for line in forged)
    assert json.loads(render(report, "json"))["endpoints"][0]["checks"]


@pytest.mark.moto
def test_a_default_key_in_another_region_is_a_warning_and_no_call_there(
    local_aws: LocalAws,
) -> None:
    config = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, config)
    fill_folders(local_aws, config)
    endpoint = config.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    elsewhere = KEY_ARN.replace("us-east-1", "eu-west-1")
    s3.put_bucket_encryption(
        Bucket=endpoint.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": elsewhere,
                    }
                }
            ]
        },
    )
    report = check(local_aws, config)
    keys = result(report, "FINOUT-KMS-001")
    assert keys.status.value == "warn"
    assert "not in the bucket's region us-east-1" in keys.detail
    assert "a key of its own region" in keys.remediation
    assert "kms:DescribeKey" not in report.api_calls_by_operation


@pytest.mark.moto
def test_the_calls_do_not_grow_with_hostile_file_names(local_aws: LocalAws) -> None:
    """Files named with control characters, bidi and `${`, many of them: still one HeadObject
    (and one GetObjectAcl, ACLs being on) per non-empty folder, and the names escaped."""
    config = make_config(endpoint_raw(existing_bucket=True))
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    s3, _ = clients(target_of(local_aws), endpoint.region)
    s3.put_bucket_ownership_controls(
        Bucket=endpoint.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    fill_folders(local_aws, config)
    before = check(local_aws, config)
    for n in range(30):
        put_file(local_aws, endpoint, "bytes", f"older-{n:02d}-${{aws:username}}.csv")
    put_file(local_aws, endpoint, "bytes", "newest-\x1b[2J\u202e${.csv")
    after = check(local_aws, config)
    assert after.endpoints[0].api_calls == before.endpoints[0].api_calls
    calls = after.api_calls_by_operation
    assert calls["s3:HeadObject"] == calls["s3:GetObjectAcl"] == len(endpoint.telemetries)
    assert "\x1b" not in render(after)
