"""The offline IAM policy evaluator against AWS's documented rules: one table row per rule, each
naming the page and section it follows (IAM User Guide unless another guide is named)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from finout_s3_telemetry.iam_evaluation import (
    Decision,
    Policy,
    Request,
    ResourceKind,
    StatementRef,
    action_matches,
    evaluate,
    identity_decision,
    resource_matches,
    statement_applies,
)

Document = dict[str, Any]
Statement = dict[str, Any]

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/finout-reader"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/finout-reader/finout-session"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
USER = f"arn:aws:iam::{ACCOUNT}:user/carlossalazar"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
BUCKET = "arn:aws:s3:::acme-finout-telemetry"
OBJECTS = f"{BUCKET}/*"
OBJECT = f"{BUCKET}/finout/bytes/2024-01-01.csv"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPCE = "vpce-1a2b3c4d"
ORG = "o-a1b2c3d4e5"

# The pages, as AWS titles them.
EVAL = "Policy evaluation logic"
DENY_ALLOW = f"{EVAL} › Determining whether a request is allowed or denied within an account"
CROSS = (
    "Cross-account policy evaluation logic › Determining whether a cross-account request is allowed"
)
BOUNDARY = (
    "Permissions boundaries for IAM entities › Evaluating effective permissions with boundaries"
)
OPERATORS = "IAM JSON policy elements: Condition operators"
MULTI = "Conditions with multiple context keys or values"
SET_OPS = "Single-valued vs. multivalued context keys › Set operators for multivalued context keys"
CONDITION = "IAM JSON policy elements: Condition"
VARIABLES = "IAM policy elements: Variables and tags"
PRINCIPAL = "AWS JSON policy elements: Principal"
NOT_PRINCIPAL = "AWS JSON policy elements: NotPrincipal"
ACTION = "IAM JSON policy elements: Action / NotAction"
RESOURCE = "IAM JSON policy elements: Resource / NotResource"
GRAMMAR = "Grammar of the IAM JSON policy language"
KMS = "AWS KMS Developer Guide › Key policies in AWS KMS"
KMS_DEFAULT = (
    "AWS KMS Developer Guide › Default key policy › "
    "Allows access to the AWS account and enables IAM policies"
)
SCP = "AWS Organizations User Guide › SCP evaluation › How SCPs work with Allow"
SCP_DENY = "AWS Organizations User Guide › SCP evaluation › How SCPs work with Deny"


def doc(*statements: Any, version: str | None = "2012-10-17") -> Document:
    document: Document = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return document


def stmt(
    effect: str, action: Any = "s3:GetObject", resource: Any = OBJECTS, **extra: Any
) -> Statement:
    statement: Statement = {"Effect": effect}
    if action is not None:
        statement["Action"] = action
    if resource is not None:
        statement["Resource"] = resource
    statement.update(extra)
    return statement


def allow(action: Any = "s3:GetObject", resource: Any = OBJECTS, **extra: Any) -> Statement:
    return stmt("Allow", action, resource, **extra)


def deny(action: Any = "s3:*", resource: Any = OBJECTS, **extra: Any) -> Statement:
    return stmt("Deny", action, resource, **extra)


def aws(*principals: str) -> dict[str, Any]:
    return {"AWS": list(principals) if len(principals) > 1 else principals[0]}


FULL_ACCESS = doc(allow("*", "*"))
READ = doc(allow())


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    expected: Decision
    identity: tuple[Document, ...] = ()
    resource: Document | None = None
    boundary: Document | None = None
    scps: tuple[tuple[Document, ...], ...] | None = None
    kind: ResourceKind = "other"
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)
    action: str = "s3:GetObject"
    target: str = OBJECT
    principal: str = ROLE
    session: str = SESSION
    resource_account: str = ""

    def request(self) -> Request:
        return Request(
            action=self.action,
            resource=self.target,
            principal_arn=self.principal,
            session_arn=self.session,
            resource_account=self.resource_account,
            context=self.context,
        )

    def run(self) -> Decision:
        return evaluate(
            self.request(),
            identity=[Policy(f"identity policy {i + 1}", d) for i, d in enumerate(self.identity)],
            resource_policy=Policy("bucket policy", self.resource) if self.resource else None,
            boundary=Policy("boundary", self.boundary) if self.boundary else None,
            scps=None
            if self.scps is None
            else [[Policy(f"SCP {n}", d) for d in level] for n, level in enumerate(self.scps)],
            resource_kind=self.kind,
        ).decision


def vpce_deny() -> Statement:
    return deny(
        Sid="DenyOutsideVpce",
        Principal="*",
        Condition={"StringNotEquals": {"aws:SourceVpce": VPCE}},
    )


def tls_deny() -> Statement:
    return deny(
        resource=[BUCKET, OBJECTS],
        Sid="DenyInsecureTransport",
        Principal="*",
        Condition={"Bool": {"aws:SecureTransport": "false"}},
    )


def ip_deny() -> Statement:
    return deny(
        Sid="DenyOutsideOffice",
        Principal="*",
        Condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8:1234::/48"]}},
    )


def org_deny() -> Statement:
    return deny(
        Sid="DenyOutsideOrg",
        Principal="*",
        Condition={"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    )


def kms_decrypt(condition: dict[str, Any] | None = None) -> Document:
    extra = {"Condition": condition} if condition else {}
    return doc(allow("kms:Decrypt", KEY, **extra))


def key_policy(*principals: str) -> Document:
    return doc(
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": aws(*principals),
            "Action": "kms:*",
            "Resource": "*",
        }
    )


def condition_case(
    id: str,
    rule: str,
    expected: Decision,
    condition: dict[str, Any],
    context: dict[str, tuple[str, ...]],
    effect: str = "Allow",
) -> Case:
    """One identity policy statement with `condition`; a Deny comes with an unconditional Allow."""
    statements = [stmt(effect, Condition=condition)]
    if effect == "Deny":
        statements.append(allow())
    return Case(id, rule, expected, identity=(doc(*statements),), context=context)


KMS_VIA_S3 = {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}

CASES: list[Case] = [
    # --- the order of evaluation ---------------------------------------------------------------
    Case(
        "identity-allow",
        f"{DENY_ALLOW}: an explicit allow in an identity-based policy overrides the default deny",
        "allowed",
        identity=(READ,),
    ),
    Case(
        "nothing-allows",
        f"{DENY_ALLOW}: by default, all requests are implicitly denied",
        "implicitDeny",
    ),
    Case(
        "deny-overrides-allow",
        f"{DENY_ALLOW}: an explicit deny in any policy overrides any allows",
        "explicitDeny",
        identity=(READ, doc(deny())),
    ),
    Case(
        "allow-for-another-action",
        f"{EVAL} › The difference between explicit and implicit denies: no applicable Allow",
        "implicitDeny",
        identity=(doc(allow("s3:PutObject")),),
    ),
    Case(
        "root-user-full-access",
        f"{DENY_ALLOW}: all requests are implicitly denied except for the account root user",
        "allowed",
        principal=ROOT,
        session="",
    ),
    # --- Action, NotAction, Resource, NotResource ------------------------------------------------
    Case(
        "action-wildcard",
        f"{ACTION}: wildcards (*) match any combination of characters",
        "allowed",
        identity=(doc(allow("s3:Get*")),),
    ),
    Case(
        "action-question-mark",
        f"{ACTION}: the ? wildcard matches a single character",
        "allowed",
        identity=(doc(allow("s3:?etObject")),),
    ),
    Case(
        "action-case-insensitive",
        f"{ACTION}: action names are not case sensitive",
        "allowed",
        identity=(doc(allow("S3:getobject")),),
    ),
    Case(
        "action-no-prefix-match",
        f"{ACTION}: an action without wildcard matches that action only",
        "implicitDeny",
        identity=(doc(allow("s3:GetObjectAcl")),),
    ),
    Case(
        "notaction-allows-the-rest",
        f"{ACTION}: NotAction with Allow allows every action except those listed",
        "allowed",
        identity=(doc(stmt("Allow", None, "*", NotAction="s3:Delete*")),),
    ),
    Case(
        "notaction-excludes-listed",
        f"{ACTION}: NotAction matches everything except the listed actions",
        "implicitDeny",
        identity=(doc(stmt("Allow", None, "*", NotAction=["s3:Get*"])),),
    ),
    Case(
        "resource-bucket-is-not-its-objects",
        f"{RESOURCE}: the bucket ARN does not match the ARNs of its objects",
        "implicitDeny",
        identity=(doc(allow(resource=BUCKET)),),
    ),
    Case(
        "resource-case-sensitive",
        f"{RESOURCE}: resource ARNs are case sensitive",
        "implicitDeny",
        identity=(doc(allow(resource="arn:aws:s3:::ACME-finout-telemetry/*")),),
    ),
    Case(
        "resource-wildcard-per-segment",
        f"{RESOURCE}: wildcards in any ARN segment; {OPERATORS} › ARN: each of the six "
        "colon-delimited components is checked separately",
        "allowed",
        identity=(doc(allow("kms:Decrypt", f"arn:aws:kms:*:{ACCOUNT}:key/*")),),
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "resource-wildcard-never-crosses-colons",
        f"{OPERATORS} › ARN: the asterisk matches only within one component, not across colons",
        "implicitDeny",
        identity=(doc(allow("someservice:Get", f"arn:aws:someservice:*:{ACCOUNT}:finance/*")),),
        action="someservice:Get",
        target=f"arn:aws:someservice:us-east-2:999999999999:store/abc:{ACCOUNT}:finance/doc.txt",
    ),
    Case(
        "notresource-deny-leaves-listed-alone",
        f"{RESOURCE}: NotResource matches every resource except those listed",
        "allowed",
        identity=(READ, doc(stmt("Deny", "s3:*", None, NotResource=OBJECTS))),
    ),
    Case(
        "notresource-deny-applies-elsewhere",
        f"{RESOURCE}: NotResource matches every resource except those listed",
        "explicitDeny",
        identity=(READ, doc(stmt("Deny", "s3:*", None, NotResource="arn:aws:s3:::other/*"))),
    ),
    # --- same-account resource-based policies and principals -------------------------------------
    Case(
        "bucket-policy-names-role",
        f"{EVAL} › Evaluating identity-based policies with resource-based policies: "
        "an Allow in either suffices within the same account",
        "allowed",
        resource=doc(allow(Principal=aws(ROLE))),
    ),
    Case(
        "bucket-policy-names-session",
        f"{PRINCIPAL} › Role session principals; {DENY_ALLOW}: an explicit allow in a "
        "resource-based policy overrides the default",
        "allowed",
        resource=doc(allow(Principal=aws(SESSION))),
    ),
    Case(
        "bucket-policy-wildcard-principal",
        f"{PRINCIPAL} › All principals: for IAM users and role principals within your account, "
        "no other permissions are required",
        "allowed",
        resource=doc(allow(Principal={"AWS": "*"})),
    ),
    Case(
        "bucket-policy-account-is-a-delegation",
        f"{PRINCIPAL} › AWS account principals: an account principal delegates authority to the "
        "account, whose identity-based policies must grant access",
        "implicitDeny",
        resource=doc(allow(Principal=aws(ROOT))),
    ),
    Case(
        "bucket-policy-account-and-identity",
        f"{PRINCIPAL} › AWS account principals: the account id and the root ARN behave the same",
        "allowed",
        identity=(READ,),
        resource=doc(allow(Principal=aws(ACCOUNT))),
    ),
    Case(
        "bucket-policy-names-someone-else",
        f"{PRINCIPAL} › Specifying a principal: a statement grants only the principals it names",
        "implicitDeny",
        resource=doc(allow(Principal=aws(OTHER_ROLE))),
    ),
    Case(
        "bucket-policy-no-partial-wildcard",
        f"{PRINCIPAL}: you cannot use a wildcard to match part of a principal name or ARN",
        "implicitDeny",
        resource=doc(allow(Principal=aws(f"arn:aws:iam::{ACCOUNT}:role/*"))),
    ),
    Case(
        "bucket-policy-service-is-not-a-role",
        f"{PRINCIPAL} › AWS service principals: a service principal names a service, "
        "not an IAM role",
        "implicitDeny",
        resource=doc(allow(Principal={"Service": "logging.s3.amazonaws.com"})),
    ),
    Case(
        "bucket-policy-deny-to-role",
        f"{DENY_ALLOW}: an explicit deny in a resource-based policy overrides an identity allow",
        "explicitDeny",
        identity=(READ,),
        resource=doc(deny(Principal=aws(ROLE))),
    ),
    Case(
        "bucket-policy-deny-to-account",
        f"{PRINCIPAL} › AWS account principals: an account principal means any principal of the "
        "account",
        "explicitDeny",
        identity=(READ,),
        resource=doc(deny(Principal=aws(ACCOUNT))),
    ),
    Case(
        "bucket-policy-canonical-user-unknown",
        f"{PRINCIPAL} › AWS account principals: a canonical user id is an account the "
        "evaluator cannot map to an ARN, so the statement is undecidable",
        "undecided",
        resource=doc(allow(Principal={"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d"})),
    ),
    # --- permissions boundaries ------------------------------------------------------------------
    Case(
        "boundary-without-getobject",
        f"{BOUNDARY} › Identity-based policies with boundaries: only what both allow",
        "implicitDeny",
        identity=(READ,),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
    ),
    Case(
        "boundary-allows",
        f"{BOUNDARY} › Identity-based policies with boundaries: only what both allow",
        "allowed",
        identity=(READ,),
        boundary=doc(allow("s3:*", "*")),
    ),
    Case(
        "boundary-grants-nothing-alone",
        f"{BOUNDARY}: a boundary limits permissions but does not provide permissions on its own",
        "implicitDeny",
        boundary=doc(allow("s3:*", "*")),
    ),
    Case(
        "boundary-deny",
        f"{BOUNDARY}: an explicit deny in either of these policies overrides the allow",
        "explicitDeny",
        identity=(READ,),
        boundary=doc(allow("s3:*", "*"), deny()),
    ),
    Case(
        "boundary-limits-grant-to-role-arn",
        f"{DENY_ALLOW} › Resource-based policies › IAM role: grants to an IAM role ARN are limited "
        "by an implicit deny in a permissions boundary",
        "implicitDeny",
        resource=doc(allow(Principal=aws(ROLE))),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
    ),
    Case(
        "boundary-ignores-grant-to-session",
        f"{DENY_ALLOW} › Resource-based policies › IAM role session: grants to a role session ARN "
        "are not limited by an implicit deny in a permissions boundary",
        "allowed",
        resource=doc(allow(Principal=aws(SESSION))),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
    ),
    Case(
        "boundary-ignores-grant-to-everyone",
        f"{PRINCIPAL} › IAM role principals: boundaries do not limit permissions granted with a "
        "wildcard (*) in the Principal element",
        "allowed",
        resource=doc(allow(Principal="*")),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
    ),
    Case(
        "boundary-ignores-grant-to-user",
        f"{DENY_ALLOW} › Resource-based policies › IAM user: grants to an IAM user ARN are not "
        "limited by an implicit deny in a permissions boundary",
        "allowed",
        resource=doc(allow(Principal=aws(USER))),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
        principal=USER,
        session="",
    ),
    Case(
        "boundary-limits-account-delegation",
        f"{BOUNDARY} › Resource-based policies: boundaries reduce what identity-based policies "
        "grant, and an account principal only delegates to them",
        "implicitDeny",
        identity=(READ,),
        resource=doc(allow(Principal=aws(ROOT))),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
    ),
    Case(
        "boundary-notprincipal-deny-always-denies",
        "Permissions boundaries for IAM entities (Important): NotPrincipal with Deny always denies "
        "a principal that has a permissions boundary",
        "explicitDeny",
        identity=(READ,),
        resource=doc(deny(NotPrincipal=aws(SESSION, ROLE, ROOT))),
        boundary=doc(allow("s3:*", "*")),
    ),
    # --- NotPrincipal ----------------------------------------------------------------------------
    Case(
        "notprincipal-deny-spares-listed-session",
        f"{NOT_PRINCIPAL} › NotPrincipal with Deny: list the session, the role and the account",
        "allowed",
        identity=(READ,),
        resource=doc(deny(NotPrincipal=aws(SESSION, ROLE, ROOT))),
    ),
    Case(
        "notprincipal-deny-hits-others",
        f"{NOT_PRINCIPAL} › NotPrincipal with Deny: denied to all principals except those listed",
        "explicitDeny",
        identity=(READ,),
        resource=doc(deny(NotPrincipal=aws(OTHER_ROLE, ROOT))),
    ),
    Case(
        "notprincipal-deny-role-only-might-deny",
        f"{NOT_PRINCIPAL} › NotPrincipal with Deny: without the account ARN the policy might deny "
        "the whole account (undecidable)",
        "undecided",
        identity=(READ,),
        resource=doc(deny(NotPrincipal=aws(SESSION, ROLE))),
    ),
    # --- cross-account -------------------------------------------------------------------------
    Case(
        "cross-account-resource-policy-alone",
        f"{CROSS}: the identity-based policy in the trusted account must allow too",
        "implicitDeny",
        resource=doc(allow(Principal=aws(ROLE))),
        resource_account=OTHER_ACCOUNT,
    ),
    Case(
        "cross-account-identity-alone",
        f"{CROSS}: the resource-based policy in the trusting account must allow too",
        "implicitDeny",
        identity=(READ,),
        resource_account=OTHER_ACCOUNT,
    ),
    Case(
        "cross-account-both",
        f"{CROSS}: allowed only if both evaluations return Allow",
        "allowed",
        identity=(READ,),
        resource=doc(allow(Principal=aws(ROLE))),
        resource_account=OTHER_ACCOUNT,
    ),
    Case(
        "cross-account-to-the-account",
        f"{CROSS}: the resource-based policy can specify the entire trusted account",
        "allowed",
        identity=(READ,),
        resource=doc(allow(Principal=aws(ROOT))),
        resource_account=OTHER_ACCOUNT,
    ),
    Case(
        "cross-account-session-still-needs-boundary",
        f"{CROSS}: the trusted account checks the identity-based policy and the policies that "
        "limit it (the permissions boundary)",
        "implicitDeny",
        identity=(READ,),
        resource=doc(allow(Principal=aws(SESSION))),
        boundary=doc(allow("s3:ListBucket", BUCKET)),
        resource_account=OTHER_ACCOUNT,
    ),
    # --- KMS key policies ----------------------------------------------------------------------
    Case(
        "kms-root-delegation-and-identity-via-s3",
        f"{KMS_DEFAULT}: the key policy lets IAM policies grant access; {OPERATORS} › String",
        "allowed",
        identity=(kms_decrypt(KMS_VIA_S3),),
        resource=key_policy(ROOT),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
        context={"kms:ViaService": ("s3.us-east-1.amazonaws.com",)},
    ),
    Case(
        "kms-via-service-unknown",
        f"{KMS_DEFAULT}; {OPERATORS}: a condition on a key whose value is unknown is undecidable",
        "undecided",
        identity=(kms_decrypt(KMS_VIA_S3),),
        resource=key_policy(ROOT),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "kms-via-another-service",
        f"{OPERATORS} › String: StringEquals is exact matching",
        "implicitDeny",
        identity=(kms_decrypt(KMS_VIA_S3),),
        resource=key_policy(ROOT),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
        context={"kms:ViaService": ("ec2.us-east-1.amazonaws.com",)},
    ),
    Case(
        "kms-delegation-needs-identity",
        f"{KMS_DEFAULT}: the statement does not itself give any principal permission; IAM "
        "policies must",
        "implicitDeny",
        resource=key_policy(ACCOUNT),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "kms-key-policy-names-another-role",
        f"{KMS}: unless the key policy allows it, IAM policies that allow permissions have no "
        "effect",
        "implicitDeny",
        identity=(kms_decrypt(),),
        resource=key_policy(OTHER_ROLE),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "kms-key-policy-names-the-role",
        f"{DENY_ALLOW} › Resource-based policies: KMS key policies must explicitly allow "
        "principals, and then suffice",
        "allowed",
        resource=key_policy(ROLE),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "kms-key-policy-not-given",
        f"{KMS}: every KMS key has exactly one key policy; without it nothing can be decided",
        "undecided",
        identity=(kms_decrypt(),),
        kind="kms",
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "kms-cross-account",
        f"{CROSS}; {KMS}: a key policy that names the other account, and that account's "
        "identity-based policy",
        "allowed",
        identity=(doc(allow("kms:Decrypt", f"arn:aws:kms:us-east-1:{OTHER_ACCOUNT}:key/*")),),
        resource=key_policy(ACCOUNT),
        kind="kms",
        action="kms:Decrypt",
        target=f"arn:aws:kms:us-east-1:{OTHER_ACCOUNT}:key/1234abcd",
        resource_account=OTHER_ACCOUNT,
    ),
    # --- SCPs ----------------------------------------------------------------------------------
    Case(
        "scp-every-level-allows",
        f"{SCP}: an explicit Allow at every level from the root to the account",
        "allowed",
        identity=(READ,),
        scps=((FULL_ACCESS,), (FULL_ACCESS,), (FULL_ACCESS,)),
    ),
    Case(
        "scp-ou-level-lacks-allow",
        f"{SCP}: if any level has no Allow for the action, access is denied",
        "implicitDeny",
        identity=(READ,),
        scps=((FULL_ACCESS,), (doc(allow("ec2:*", "*")),), (FULL_ACCESS,)),
    ),
    Case(
        "scp-deny",
        f"{SCP_DENY}: a Deny at any level denies, whatever allows it",
        "explicitDeny",
        identity=(READ,),
        scps=((FULL_ACCESS, doc(deny("s3:GetObject", "*"))), (FULL_ACCESS,)),
    ),
    Case(
        "scp-limits-resource-policy-grants",
        f"{EVAL} › Evaluating policies within a single account › SCPs: identity-based and "
        "resource-based policies grant permissions only if the SCP allows the action",
        "implicitDeny",
        resource=doc(allow(Principal=aws(SESSION))),
        scps=((FULL_ACCESS,), (doc(allow("ec2:*", "*")),)),
    ),
    # --- the checker's bucket-policy statements ------------------------------------------------
    Case(
        "vpce-deny-key-absent",
        f"{OPERATORS} (Important): a negated operator is true when the key is not present",
        "explicitDeny",
        identity=(READ,),
        resource=doc(vpce_deny()),
        context={"aws:SourceVpce": ()},
    ),
    Case(
        "vpce-deny-through-the-endpoint",
        f"{OPERATORS} › String: StringNotEquals is negated matching",
        "allowed",
        identity=(READ,),
        resource=doc(vpce_deny()),
        context={"aws:SourceVpce": (VPCE,)},
    ),
    Case(
        "vpce-deny-other-endpoint",
        f"{OPERATORS} › String: StringNotEquals is negated matching",
        "explicitDeny",
        identity=(READ,),
        resource=doc(vpce_deny()),
        context={"aws:SourceVpce": ("vpce-99999999",)},
    ),
    Case(
        "vpce-deny-key-unknown",
        f"{OPERATORS}: the condition depends on a key whose value is unknown: an undecidable Deny "
        "blocks the allow",
        "undecided",
        identity=(READ,),
        resource=doc(vpce_deny()),
    ),
    Case(
        "tls-deny-over-https",
        f"{OPERATORS} › Boolean: Bool matching (aws:SecureTransport is true)",
        "allowed",
        identity=(READ,),
        resource=doc(tls_deny()),
        context={"aws:SecureTransport": ("true",)},
    ),
    Case(
        "tls-deny-over-http",
        f"{OPERATORS} › Boolean: Bool matching (aws:SecureTransport is false)",
        "explicitDeny",
        identity=(READ,),
        resource=doc(tls_deny()),
        context={"aws:SecureTransport": ("false",)},
    ),
    Case(
        "ip-deny-source-unknown",
        f"{OPERATORS} › IP address: NotIpAddress on aws:SourceIp, whose value is unknown",
        "undecided",
        identity=(READ,),
        resource=doc(ip_deny()),
    ),
    Case(
        "ip-deny-inside-range",
        f"{OPERATORS} › IP address: IpAddress matches an address in the CIDR range",
        "allowed",
        identity=(READ,),
        resource=doc(ip_deny()),
        context={"aws:SourceIp": ("203.0.113.77",)},
    ),
    Case(
        "ip-deny-outside-range",
        f"{MULTI}: several values of a negated operator are evaluated with a logical NOR",
        "explicitDeny",
        identity=(READ,),
        resource=doc(ip_deny()),
        context={"aws:SourceIp": ("198.51.100.7",)},
    ),
    Case(
        "ip-deny-inside-ipv6-range",
        f"{OPERATORS} › IP address: IPv4 and IPv6 addresses and ranges",
        "allowed",
        identity=(READ,),
        resource=doc(ip_deny()),
        context={"aws:SourceIp": ("2001:db8:1234:5678::9",)},
    ),
    Case(
        "ip-deny-through-a-vpc-endpoint",
        f"{OPERATORS} (Important) and › IP address: aws:SourceIp is absent through a VPC endpoint, "
        "so NotIpAddress is true",
        "explicitDeny",
        identity=(READ,),
        resource=doc(ip_deny()),
        context={"aws:SourceIp": ()},
    ),
    Case(
        "org-deny-same-org",
        f"{OPERATORS} › String: StringNotEquals on aws:PrincipalOrgID",
        "allowed",
        identity=(READ,),
        resource=doc(org_deny()),
        context={"aws:PrincipalOrgID": (ORG,)},
    ),
    Case(
        "org-deny-other-org",
        f"{OPERATORS} › String: StringNotEquals on aws:PrincipalOrgID",
        "explicitDeny",
        identity=(READ,),
        resource=doc(org_deny()),
        context={"aws:PrincipalOrgID": ("o-zzzzzzzzzz",)},
    ),
    Case(
        "org-deny-not-in-an-org",
        f"{OPERATORS} (Important): the key is absent, a negated operator is true",
        "explicitDeny",
        identity=(READ,),
        resource=doc(org_deny()),
        context={"aws:PrincipalOrgID": ()},
    ),
    # --- condition operators -------------------------------------------------------------------
    condition_case(
        "string-equals-key-absent",
        f"{OPERATORS} (Important): if the key is not present the condition is false",
        "implicitDeny",
        {"StringEquals": {"aws:PrincipalTag/team": "finops"}},
        {"aws:PrincipalTag/team": ()},
    ),
    condition_case(
        "string-equals-case-sensitive",
        f"{CONDITION}: StringEquals matches johndoe only, not JohnDoe",
        "implicitDeny",
        {"StringEquals": {"aws:username": "johndoe"}},
        {"aws:username": ("JohnDoe",)},
    ),
    condition_case(
        "string-equals-ignore-case",
        f"{CONDITION}: StringEqualsIgnoreCase matches johndoe or JohnDoe",
        "allowed",
        {"StringEqualsIgnoreCase": {"aws:username": "johndoe"}},
        {"aws:username": ("JohnDoe",)},
    ),
    condition_case(
        "key-names-case-insensitive",
        f"{CONDITION}: condition key names are not case-sensitive",
        "allowed",
        {"IpAddress": {"AWS:SourceIP": "203.0.113.0/24"}},
        {"aws:sourceip": ("203.0.113.8",)},
    ),
    condition_case(
        "several-values-or",
        f"{MULTI}: several values for one key are evaluated with a logical OR",
        "allowed",
        {"StringEquals": {"aws:PrincipalTag/team": ["finops", "platform"]}},
        {"aws:PrincipalTag/team": ("platform",)},
    ),
    condition_case(
        "negated-several-values-nor",
        f"{MULTI} › Evaluation logic for negated matching condition operators: logical NOR",
        "allowed",
        {"StringNotEquals": {"aws:SourceVpce": [VPCE, "vpce-0000"]}},
        {"aws:SourceVpce": ("vpce-0000",)},
        effect="Deny",
    ),
    condition_case(
        "several-keys-and",
        f"{MULTI}: several context keys of one operator are evaluated with a logical AND",
        "implicitDeny",
        {"StringEquals": {"aws:PrincipalTag/team": "finops", "aws:PrincipalTag/env": "prod"}},
        {"aws:PrincipalTag/team": ("finops",), "aws:PrincipalTag/env": ("dev",)},
    ),
    condition_case(
        "several-operators-and",
        f"{MULTI}: several condition operators are evaluated with a logical AND",
        "implicitDeny",
        {
            "StringEquals": {"aws:PrincipalTag/team": "finops"},
            "Bool": {"aws:SecureTransport": "true"},
        },
        {"aws:PrincipalTag/team": ("finops",), "aws:SecureTransport": ("false",)},
    ),
    condition_case(
        "false-operator-decides-despite-unknown-key",
        f"{MULTI}: all conditions must hold, so one false condition decides (the other key's "
        "value does not matter)",
        "allowed",
        {
            "Bool": {"aws:SecureTransport": "false"},
            "NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        },
        {"aws:SecureTransport": ("true",)},
        effect="Deny",
    ),
    condition_case(
        "string-like-wildcards",
        f"{OPERATORS} › String: StringLike takes * and ? anywhere in the value",
        "allowed",
        {"StringLike": {"s3:prefix": ["home/", "finout/?ytes/*"]}},
        {"s3:prefix": ("finout/bytes/2024/",)},
    ),
    condition_case(
        "string-not-like",
        f"{OPERATORS} › String: StringNotLike is negated case-sensitive matching",
        "explicitDeny",
        {"StringNotLike": {"aws:userid": "AROA*:finout-*"}},
        {"aws:userid": ("AROAEXAMPLE:someone",)},
        effect="Deny",
    ),
    condition_case(
        "if-exists-key-absent",
        f"{OPERATORS} › ...IfExists: if the key is not present, evaluate the condition as true",
        "allowed",
        {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}},
        {"ec2:InstanceType": ()},
    ),
    condition_case(
        "if-exists-key-present",
        f"{OPERATORS} › ...IfExists: if the key is present, process it as specified",
        "implicitDeny",
        {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}},
        {"ec2:InstanceType": ("m5.large",)},
    ),
    condition_case(
        "negated-if-exists-deny-key-absent",
        f"{OPERATORS} › ...IfExists: a Deny with StringNotEqualsIfExists still denies when the "
        "key is missing",
        "explicitDeny",
        {"StringNotEqualsIfExists": {"aws:ResourceTag/env": "prod"}},
        {"aws:ResourceTag/env": ()},
        effect="Deny",
    ),
    condition_case(
        "null-true-key-absent",
        f"{OPERATORS} › Null: true means the key does not exist",
        "allowed",
        {"Null": {"aws:TokenIssueTime": "true"}},
        {"aws:TokenIssueTime": ()},
    ),
    condition_case(
        "null-false-key-absent",
        f"{OPERATORS} › Null: false means the key exists and its value is not null",
        "implicitDeny",
        {"Null": {"aws:TokenIssueTime": "false"}},
        {"aws:TokenIssueTime": ()},
    ),
    condition_case(
        "numeric-less-than-equals",
        f"{OPERATORS} › Numeric: NumericLessThanEquals on s3:max-keys",
        "allowed",
        {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("5",)},
    ),
    condition_case(
        "numeric-over-the-limit",
        f"{OPERATORS} › Numeric: NumericLessThanEquals on s3:max-keys",
        "implicitDeny",
        {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("20",)},
    ),
    condition_case(
        "date-iso-against-epoch",
        f"{OPERATORS} › Date: W3C ISO 8601 dates or epoch (UNIX) time",
        "allowed",
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:01Z"}},
        {"aws:CurrentTime": ("1700000000",)},
    ),
    condition_case(
        "date-before",
        f"{OPERATORS} › Date: DateLessThan matches before a specific date and time",
        "implicitDeny",
        {"DateLessThan": {"aws:CurrentTime": "2020-01-01"}},
        {"aws:CurrentTime": ("2024-06-01T12:00:00Z",)},
    ),
    condition_case(
        "binary-equals",
        f"{OPERATORS} › Binary: byte-for-byte against the base-64 value in the policy",
        "allowed",
        {"BinaryEquals": {"example:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
        {"example:key": ("QmluYXJ5VmFsdWVJbkJhc2U2NA==",)},
    ),
    condition_case(
        "arn-like-per-component",
        f"{OPERATORS} › ARN: with ArnLike the first asterisk matches only us-east-2",
        "implicitDeny",
        {"ArnLike": {"aws:SourceArn": f"arn:aws:someservice:*:{ACCOUNT}:finance/*"}},
        {
            "aws:SourceArn": (
                f"arn:aws:someservice:us-east-2:999999999999:store/abc:{ACCOUNT}:finance/d.txt",
            )
        },
    ),
    condition_case(
        "string-like-crosses-colons",
        f"{OPERATORS} › ARN: with a StringLike condition, the same match succeeds",
        "allowed",
        {"StringLike": {"aws:SourceArn": f"arn:aws:someservice:*:{ACCOUNT}:finance/*"}},
        {
            "aws:SourceArn": (
                f"arn:aws:someservice:us-east-2:999999999999:store/abc:{ACCOUNT}:finance/d.txt",
            )
        },
    ),
    condition_case(
        "arn-not-equals-principal-arn",
        f"{PRINCIPAL} › All principals: Deny with ArnNotEquals on aws:PrincipalArn (the role ARN "
        "for a role session)",
        "allowed",
        {"ArnNotEquals": {"aws:PrincipalArn": ROLE}},
        {},
        effect="Deny",
    ),
    condition_case(
        "for-all-values-key-absent",
        f"{SET_OPS} › ForAllValues: also returns true if there are no context keys in the request",
        "allowed",
        {"ForAllValues:StringLike": {"aws:TagKeys": ["key1*"]}},
        {"aws:TagKeys": ()},
    ),
    condition_case(
        "for-all-values-one-outside",
        f"{MULTI}: ForAllValues requires every request value to match a policy value",
        "implicitDeny",
        {"ForAllValues:StringLike": {"aws:TagKeys": ["PostDateTime", "Message", "Tags"]}},
        {"aws:TagKeys": ("PostDateTime", "UserName")},
    ),
    condition_case(
        "for-any-value-key-absent",
        f"{MULTI}: for an empty data set a ForAnyValue condition returns false",
        "implicitDeny",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
        {"aws:TagKeys": ()},
    ),
    condition_case(
        "for-any-value-deny-one-match",
        f"{MULTI}: ForAnyValue is true if any request value matches any policy value",
        "explicitDeny",
        {"ForAnyValue:StringLike": {"aws:TagKeys": ["ID", "PostDateTime"]}},
        {"aws:TagKeys": ("UserName", "Message", "PostDateTime")},
        effect="Deny",
    ),
    condition_case(
        "operator-not-implemented",
        f"{OPERATORS}: an operator outside the documented list cannot be evaluated (undecidable)",
        "undecided",
        {"StringMatchesRegex": {"aws:username": "^j"}},
        {"aws:username": ("johndoe",)},
    ),
    # --- policy variables ----------------------------------------------------------------------
    Case(
        "variable-in-resource",
        f"{VARIABLES} › Resource element: the variable is replaced by the request's value",
        "allowed",
        identity=(doc(allow(resource=f"{BUCKET}/home/${{aws:username}}/*")),),
        target=f"{BUCKET}/home/carlossalazar/notes.txt",
        principal=USER,
        session="",
        context={"aws:username": ("carlossalazar",)},
    ),
    Case(
        "variable-unknown",
        f"{VARIABLES}: a variable AWS cannot resolve makes the statement invalid (undecidable "
        "here when its value is unknown)",
        "undecided",
        identity=(doc(allow(resource=f"{BUCKET}/home/${{aws:username}}/*")),),
        target=f"{BUCKET}/home/carlossalazar/notes.txt",
    ),
    Case(
        "variable-literal-without-version",
        f"{VARIABLES}: without the Version element, variables are treated as literal strings",
        "implicitDeny",
        identity=(doc(allow(resource=f"{BUCKET}/home/${{aws:username}}/*"), version=None),),
        target=f"{BUCKET}/home/carlossalazar/notes.txt",
        context={"aws:username": ("carlossalazar",)},
    ),
    Case(
        "variable-special-asterisk-is-literal",
        f"{VARIABLES} › Special characters: ${{*}} stands for a literal asterisk",
        "implicitDeny",
        identity=(doc(allow(resource=f"{BUCKET}/report${{*}}.csv")),),
        target=f"{BUCKET}/report-2024.csv",
    ),
    Case(
        "variable-special-asterisk-matches-itself",
        f"{VARIABLES} › Special characters: ${{*}} stands for a literal asterisk",
        "allowed",
        identity=(doc(allow(resource=f"{BUCKET}/report${{*}}.csv")),),
        target=f"{BUCKET}/report*.csv",
    ),
    Case(
        "variable-default-value",
        f"{VARIABLES} › Specifying default values: the default stands for an absent key",
        "allowed",
        identity=(doc(allow(resource=f"{BUCKET}/${{aws:userid, 'anonymous'}}/*")),),
        target=f"{BUCKET}/anonymous/file.csv",
        context={"aws:userid": ()},
    ),
    condition_case(
        "variable-in-condition",
        f"{VARIABLES} › Condition element: variables in string operator values",
        "allowed",
        {"StringLike": {"s3:prefix": "home/${aws:PrincipalTag/team}/*"}},
        {"s3:prefix": ("home/finops/2024/",), "aws:PrincipalTag/team": ("finops",)},
    ),
    # --- three-valued statements ---------------------------------------------------------------
    Case(
        "undecidable-allow-alone",
        f"{OPERATORS}: an Allow whose condition key is unknown may or may not apply",
        "undecided",
        identity=(doc(allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "finops"}})),),
    ),
    Case(
        "undecidable-allow-and-definite-allow",
        f"{DENY_ALLOW}: one applicable Allow suffices, whatever else might apply",
        "allowed",
        identity=(
            READ,
            doc(allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "finops"}})),
        ),
    ),
    Case(
        "undecidable-deny-without-allow",
        f"{DENY_ALLOW}: with no Allow the request is denied whether or not the Deny applies",
        "implicitDeny",
        resource=doc(vpce_deny()),
    ),
    # --- malformed documents -------------------------------------------------------------------
    Case(
        "effect-missing",
        f"{GRAMMAR}: Effect is required and is Allow or Deny; without it the statement might be "
        "either",
        "undecided",
        identity=(READ, doc({"Action": "s3:*", "Resource": "*"})),
    ),
    Case(
        "effect-wrong-case",
        f'{GRAMMAR}: the effect is "Allow" or "Deny" exactly',
        "undecided",
        identity=(doc(stmt("allow")),),
    ),
    Case(
        "condition-not-an-object",
        f"{GRAMMAR}: a condition block is a JSON object",
        "undecided",
        identity=(READ, doc(deny(Condition=["aws:SecureTransport"]))),
    ),
    Case(
        "statement-not-an-object",
        f"{GRAMMAR}: a statement is a JSON object; another shape might be a Deny",
        "undecided",
        identity=(doc(allow(), "Deny everything"),),
    ),
    Case(
        "action-not-a-string",
        f"{GRAMMAR}: Action holds strings",
        "undecided",
        identity=(doc(allow([{"s3": "GetObject"}])),),
    ),
    Case(
        "principal-in-identity-policy",
        f"{PRINCIPAL}: you cannot use the Principal element in an identity-based policy",
        "undecided",
        identity=(doc(allow(Principal="*")),),
    ),
]


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.rule for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_documented_rule(case: Case) -> None:
    assert case.run() == case.expected, case.rule


# --- the explanation ------------------------------------------------------------------------


def bucket_request(**context: tuple[str, ...]) -> Request:
    return Request("s3:GetObject", OBJECT, ROLE, SESSION, context=context)


def test_describe_counts_from_one_and_names_the_sid() -> None:
    ref = StatementRef("bucket policy", 1, "DenyOutsideVpce", "Deny")
    assert ref.describe() == "statement 2 (Sid DenyOutsideVpce) of bucket policy"
    assert StatementRef("inline policy X", 0, "", "Allow").describe() == (
        "statement 1 of inline policy X"
    )


def test_explicit_deny_names_the_statement() -> None:
    result = evaluate(
        bucket_request(**{"aws:SourceVpce": ()}),
        identity=[Policy("inline policy read", READ)],
        resource_policy=Policy("bucket policy", doc(tls_deny(), vpce_deny())),
    )
    assert result.decision == "explicitDeny"
    assert result.reason == "explicit Deny in statement 2 (Sid DenyOutsideVpce) of bucket policy"
    assert [ref.describe() for ref in result.deciding] == [
        "statement 2 (Sid DenyOutsideVpce) of bucket policy"
    ]
    # aws:SecureTransport is unknown, but the explicit Deny decides whatever the TLS statement does.
    assert result.undecided == ()


def test_undecided_lists_the_unknown_keys_as_written() -> None:
    result = evaluate(
        bucket_request(**{"aws:securetransport": ("true",)}),
        identity=[Policy("inline policy read", READ)],
        resource_policy=Policy("bucket policy", doc(tls_deny(), ip_deny())),
    )
    assert result.decision == "undecided"
    assert result.deciding == ()
    assert result.undecided == (
        StatementRef("bucket policy", 1, "DenyOutsideOffice", "Deny", ("aws:SourceIp",)),
    )
    assert "statement 2 (Sid DenyOutsideOffice) of bucket policy (aws:SourceIp)" in result.reason


def test_undecided_lists_only_what_the_decision_depends_on() -> None:
    maybe_allow = allow(Sid="TeamOnly", Condition={"StringEquals": {"aws:PrincipalTag/team": "x"}})
    # An undecidable Allow next to a definite one changes nothing: allowed, nothing listed.
    both = evaluate(bucket_request(), identity=[Policy("p", doc(maybe_allow, allow()))])
    assert (both.decision, both.undecided) == ("allowed", ())
    # Alone, it is what the answer depends on.
    alone = evaluate(bucket_request(), identity=[Policy("p", doc(maybe_allow))])
    assert alone.decision == "undecided"
    assert alone.undecided == (
        StatementRef("p", 0, "TeamOnly", "Allow", ("aws:PrincipalTag/team",)),
    )
    # Nothing allows: denied either way, and the undecidable Deny is listed as what might make
    # the denial explicit.
    denied = evaluate(bucket_request(), resource_policy=Policy("bucket policy", doc(vpce_deny())))
    assert denied.decision == "implicitDeny"
    assert [ref.sid for ref in denied.undecided] == ["DenyOutsideVpce"]


def test_undecided_names_a_key_policy_not_given() -> None:
    request = Request("kms:Decrypt", KEY, ROLE, SESSION)
    result = evaluate(request, identity=[Policy("p", kms_decrypt())], resource_kind="kms")
    assert result.decision == "undecided"
    assert result.reason == "undecided: could not decide the key policy (not given)"


def test_allowed_names_the_allows_that_decided() -> None:
    result = evaluate(
        bucket_request(**{"aws:SourceVpce": (VPCE,)}),
        identity=[Policy("inline policy read", doc(allow(Sid="Read")))],
        resource_policy=Policy("bucket policy", doc(vpce_deny())),
        scps=[[Policy("FullAWSAccess", FULL_ACCESS)]],
    )
    assert result.decision == "allowed"
    assert [ref.describe() for ref in result.deciding] == [
        "statement 1 of FullAWSAccess",
        "statement 1 (Sid Read) of inline policy read",
    ]
    assert result.undecided == ()
    assert result.reason.startswith("allowed: an identity-based policy allows it")


def test_implicit_deny_names_what_does_not_allow() -> None:
    boundary = evaluate(
        bucket_request(),
        identity=[Policy("inline policy read", READ)],
        boundary=Policy("ReadOnlyBoundary", doc(allow("s3:ListBucket", BUCKET))),
    )
    assert boundary.decision == "implicitDeny"
    assert "the permissions boundary (ReadOnlyBoundary)" in boundary.reason
    scp = evaluate(
        bucket_request(),
        identity=[Policy("inline policy read", READ)],
        scps=[[Policy("root", FULL_ACCESS)], [Policy("ou", doc(allow("ec2:*", "*")))]],
    )
    assert scp.reason == "implicit deny: no applicable Allow in the SCPs at organisation level 2"


def test_malformed_documents_never_raise() -> None:
    nasty: list[Any] = [
        {},
        {"Statement": None},
        {"Statement": "Allow"},
        {"Statement": [{"Effect": "Allow", "Action": 5, "Resource": None}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": 3}]},
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEquals": "x"},
                }
            ]
        },
        {
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:CurrentTime": [{"x": 1}]}},
                }
            ]
        },
        {"Statement": [{"Effect": "Allow", "Principal": 7, "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": [None]}, "Action": "*"}]},
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:${oops"}],
        },
    ]
    request = bucket_request(**{"aws:CurrentTime": ("not a date",)})
    for document in nasty:
        for role in ("identity", "resource", "boundary"):
            policy = Policy("nasty", document)
            result = evaluate(
                request,
                identity=[policy] if role == "identity" else [Policy("read", READ)],
                resource_policy=policy if role == "resource" else None,
                boundary=policy if role == "boundary" else None,
            )
            assert result.decision != "allowed" or role == "resource", (document, role)


def test_context_values_are_compared_not_guessed() -> None:
    # A value that is not a date makes a date condition undecidable, never true or false.
    result = evaluate(
        bucket_request(**{"aws:CurrentTime": ("yesterday",)}),
        identity=[Policy("p", doc(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2030"}})))],
    )
    assert result.decision == "undecided"
    # "2030" is both the W3C year and 2030 seconds after the epoch: AWS does not say which.
    year = evaluate(
        bucket_request(**{"aws:CurrentTime": ("2024-06-01T12:00:00Z",)}),
        identity=[Policy("p", doc(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2030"}})))],
    )
    assert year.decision == "undecided"
    assert year.undecided[0].unknown_keys == ("(ambiguous date 2030: a W3C year or epoch seconds)",)


# --- the matching helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:Get*", "s3:GetObject", True),
        ("s3:get*", "S3:GETOBJECT", True),
        ("s3:Get[a]*", "s3:Geta", False),
        ("*", "kms:Decrypt", True),
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("*", OBJECT, True),
        (OBJECTS, OBJECT, True),
        (OBJECTS, BUCKET, False),
        ("arn:aws:s3:::acme-*", BUCKET, True),
        ("arn:aws:s3:::*telemetry", BUCKET, True),
        ("arn:aws:kms:*:key/*", KEY, False),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*", KEY, True),
    ],
)
def test_resource_matches(pattern: str, arn: str, expected: bool) -> None:
    assert resource_matches(pattern, arn) is expected


def test_statement_applies_ignores_conditions_and_principals() -> None:
    statement = deny(Principal="*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    assert statement_applies(statement, "s3:GetObject", OBJECT)
    assert not statement_applies(statement, "s3:GetObject", BUCKET)
    assert not statement_applies({"Effect": "Allow"}, "s3:GetObject", OBJECT)


def test_identity_decision_shortcut() -> None:
    request = bucket_request()
    assert identity_decision([READ], request) == "allowed"
    assert identity_decision([READ, doc(deny())], request) == "explicitDeny"
    assert identity_decision([], request) == "implicitDeny"


def test_principal_account() -> None:
    assert bucket_request().principal_account == ACCOUNT
    assert Request("s3:GetObject", OBJECT, "not an arn").principal_account == ""
