"""Finout's requests as IAM sees them: the session Finout gets by assuming the role, and the
condition keys whose values that session is known to carry.

The checker evaluates policies for these requests (`iam_evaluation`); a key left out here is
unknown, so a statement that depends on it is reported as undecided, never as allowed.

Finout calls from its own AWS account over the internet, into the customer's role:
* the principal is the role's session, in the role's account: `aws:PrincipalArn` is the role,
  `aws:PrincipalAccount` the role's account, `aws:PrincipalOrgID` that account's organisation
  (known when the checker could read it, absent when the account is in none);
* every request uses TLS and Signature Version 4 in the Authorization header;
* it comes from none of the customer's networks: no VPC endpoint, VPC or source address of
  theirs. The network keys are therefore modelled as absent, which is how a condition written for
  the customer's own network answers for a request from elsewhere (a `NotIpAddress` or
  `StringNotEquals` on them holds, an `IpAddress` or `StringEquals` does not);
* it is not made by an AWS service on the customer's behalf, except the kms:Decrypt that S3 makes
  for the role when it reads an SSE-KMS file (`kms:ViaService`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from finout_s3_telemetry.check.probes import Probe
from finout_s3_telemetry.check.snapshot import Organization
from finout_s3_telemetry.iam_evaluation import NormalisedContext, Request
from finout_s3_telemetry.naming import arn_account, kms_via_service

Context = dict[str, tuple[str, ...]]

NETWORK_KEYS = (
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:VpcSourceIp",
)
"""Keys only a request from the customer's own network could satisfy."""
ABSENT_FOR_FINOUT = (
    *NETWORK_KEYS,
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:username",
    "aws:FederatedProvider",
)
"""Keys absent from a role session's direct request (service-to-service, federation, IAM user
keys): a condition on them answers as for a request that does not carry them."""
SESSION_NAME = "finout"
"""A stand-in session name for the session ARN. Finout chooses the real one, so the requests say
the name is not known: a statement naming any session of the role is undecided."""


def session_arn(role_arn: str) -> str:
    """`arn:aws:sts::<account>:assumed-role/<role name>/<session>` for the role's ARN."""
    partition, account = role_arn.split(":")[1], arn_account(role_arn)
    name = role_arn.rsplit("/", 1)[-1]
    return f"arn:{partition}:sts::{account}:assumed-role/{name}/{SESSION_NAME}"


def base_context(
    role_arn: str, region: str, organization: Organization | None, now: datetime
) -> Context:
    """The keys every request of Finout's session carries."""
    account = arn_account(role_arn)
    context: Context = {key.lower(): () for key in ABSENT_FOR_FINOUT}
    context.update(
        {
            "aws:principalarn": (role_arn,),
            "aws:principalaccount": (account,),
            "aws:principaltype": ("AssumedRole",),
            "aws:principalisawsservice": ("false",),
            "aws:securetransport": ("true",),
            "aws:viaawsservice": ("false",),
            "aws:multifactorauthpresent": ("false",),
            "aws:requestedregion": (region,),
            "aws:currenttime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
            "aws:epochtime": (str(int(now.timestamp())),),
        }
    )
    if organization is not None:
        if organization.org_id.is_found:
            context["aws:principalorgid"] = (organization.org_id.get(),)
        elif organization.org_id.state == "missing":
            context["aws:principalorgid"] = ()
            context["aws:principalorgpaths"] = ()
    return context


def s3_request(
    probe: Probe,
    role_arn: str,
    bucket_account: str,
    prefix: str,
    base: Mapping[str, tuple[str, ...]],
) -> Request:
    """The S3 request a probe stands for, from Finout's session."""
    context = NormalisedContext(base)
    context.update(
        {
            "s3:signatureversion": ("AWS4-HMAC-SHA256",),
            "s3:authtype": ("REST-HEADER",),
            "aws:resourceaccount": (bucket_account,),
            "s3:resourceaccount": (bucket_account,),
        }
    )
    if probe.action.lower() == "s3:listbucket":
        # Finout lists under the endpoint's prefix; without one it lists the whole bucket. A
        # probe may ask for another listing (a scoped role must not list the whole bucket).
        listed = probe.list_prefix if probe.list_prefix is not None else prefix and f"{prefix}/"
        context["s3:prefix"] = (listed,) if listed else ()
    return Request(
        action=probe.action,
        resource=probe.resource,
        principal_arn=role_arn,
        session_arn=session_arn(role_arn),
        session_name_known=False,  # Finout names its sessions itself
        resource_account=bucket_account,
        context=context,
    )


def kms_decrypt_request(
    key_arn: str,
    role_arn: str,
    region: str,
    encryption_context_arn: str,
    base: Mapping[str, tuple[str, ...]],
) -> Request:
    """The kms:Decrypt that S3 makes for the role when it reads an SSE-KMS file.

    `encryption_context_arn` is what S3 puts in the encryption context: the object's ARN, or the
    bucket's when S3 Bucket Keys are on.
    """
    context = NormalisedContext(base)
    context.update(
        {
            "aws:viaawsservice": ("true",),
            "kms:viaservice": (kms_via_service(region),),
            "kms:calleraccount": (arn_account(role_arn),),
            "kms:encryptionalgorithm": ("SYMMETRIC_DEFAULT",),
            "kms:encryptioncontext:aws:s3:arn": (encryption_context_arn,),
            "kms:encryptioncontextkeys": ("aws:s3:arn",),
            "kms:grantisforawsresource": (),
            "kms:requestalias": (),
            "aws:resourceaccount": (arn_account(key_arn),),
        }
    )
    return Request(
        action="kms:Decrypt",
        resource=key_arn,
        principal_arn=role_arn,
        session_arn=session_arn(role_arn),
        session_name_known=False,  # Finout names its sessions itself
        resource_account=arn_account(key_arn),
        context=context,
    )


def simulator_context(
    role_arn: str, prefix: str, organization: Organization | None
) -> list[tuple[str, list[str], str]]:
    """(key, values, type) of the keys above that IAM's simulator can be given for Finout's
    reads. Keys known to be absent (a VPC endpoint) cannot be given: IAM reports them missing,
    and the local evaluation decides those."""
    entries = [
        ("aws:SecureTransport", ["true"], "boolean"),
        ("aws:PrincipalArn", [role_arn], "string"),
        ("aws:PrincipalAccount", [arn_account(role_arn)], "string"),
        ("aws:PrincipalType", ["AssumedRole"], "string"),
    ]
    if prefix:
        entries.append(("s3:prefix", [f"{prefix}/"], "string"))
    if organization is not None and organization.org_id.is_found:
        entries.append(("aws:PrincipalOrgID", [organization.org_id.get()], "string"))
    return entries
