"""Render the IAM, KMS key and bucket policy documents from the Jinja templates in `policies/`.

Each document is rendered from plain values (ARNs, an external ID, a region), never from the
config, so that the config, the constructs and the checker can all depend on this module and it on
none of them. Templates are rendered, parsed and checked here, once, for both the constructs
(which emit the result as literal JSON so scanners can read it) and the checker (which compares
live documents with it). A template that renders invalid JSON, another policy language version or
a wildcard principal in an Allow statement is a bug, so it raises instead of producing something
deployable.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2

from finout_s3_telemetry.naming import (
    ACCESS_READ_ONLY,
    ACCESS_READ_ONLY_SCOPED,
    ACCESS_READ_WRITE,
    kms_via_service,
)

POLICY_VERSION = "2012-10-17"
# IAM counts an inline role policy's size without whitespace.
INLINE_POLICY_LIMIT = 10_240

PolicyDocument = dict[str, Any]


class PolicyTemplateError(ValueError):
    """A template in policies/ rendered something that must never be deployed."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("finout_s3_telemetry", "policies"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def load_templates() -> None:
    """Read and compile every template now rather than at first use (`synth` does it while
    Node.js loads the CDK engine, when the Python side is idle)."""
    environment = _environment()
    for name in environment.list_templates(extensions=["j2"]):
        environment.get_template(name)


def render(template: str, **values: str) -> PolicyDocument:
    """Render `policies/<template>`, parse it and check it. Raises PolicyTemplateError."""
    text = _environment().get_template(template).render(**values)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyTemplateError(f"{template} rendered invalid JSON: {error}") from error
    _check_document(template, document)
    return document  # type: ignore[no-any-return]


def _check_document(template: str, document: Any) -> None:
    if not isinstance(document, dict) or document.get("Version") != POLICY_VERSION:
        raise PolicyTemplateError(
            f"{template} must render a document with Version {POLICY_VERSION}"
        )
    statements = document.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise PolicyTemplateError(f"{template} must render a non-empty Statement list")
    for statement in statements:
        if statement.get("Effect") == "Allow" and _has_wildcard_principal(statement):
            raise PolicyTemplateError(f"{template} allows a wildcard principal: {statement}")


def _has_wildcard_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal is None:
        return False
    if principal == "*":
        return True
    values = principal.values() if isinstance(principal, dict) else [principal]
    for value in values:
        items = value if isinstance(value, list) else [value]
        if any(item == "*" for item in items):
            return True
    return False


def trust_policy(principal_arn: str, external_id: str) -> PolicyDocument:
    """Finout's principal may assume the role, only with the endpoint's external ID."""
    return render(
        "finout_trust_policy.json.j2", principal_arn=principal_arn, external_id=external_id
    )


def read_only_policy(bucket_arn: str) -> PolicyDocument:
    """Finout's documented inline policy for a bucket, within IAM's size limit."""
    return _inline("finout_read_only_policy.json.j2", bucket_arn=bucket_arn)


ACCESS_TEMPLATES = {
    ACCESS_READ_ONLY: "finout_read_only_policy.json.j2",
    ACCESS_READ_ONLY_SCOPED: "finout_read_only_scoped_policy.json.j2",
    ACCESS_READ_WRITE: "finout_read_write_policy.json.j2",
}


def access_policy(
    access: str, bucket_arn: str, prefix: str = "", write_prefix: str | None = None
) -> PolicyDocument:
    """The role's inline policy for an access mode (`naming.ACCESS_MODES`): `read_only` is
    Finout's documented policy; `read_only_scoped` reads under `prefix` only; `read_write` adds
    writes under `write_prefix`. Raises PolicyTemplateError for a mode without what it needs
    (the config and the constructs refuse those first)."""
    if access == ACCESS_READ_ONLY:
        return read_only_policy(bucket_arn)
    if access == ACCESS_READ_ONLY_SCOPED and prefix:
        return _inline(ACCESS_TEMPLATES[access], bucket_arn=bucket_arn, prefix=prefix)
    if access == ACCESS_READ_WRITE and write_prefix:
        return _inline(ACCESS_TEMPLATES[access], bucket_arn=bucket_arn, write_prefix=write_prefix)
    raise PolicyTemplateError(
        f"access {access!r} with prefix {prefix!r} and write_prefix {write_prefix!r} has no "
        "policy: read_only_scoped needs a prefix, read_write a write_prefix"
    )


def _inline(template: str, **values: str) -> PolicyDocument:
    document = render(template, **values)
    if (size := policy_size(document)) > INLINE_POLICY_LIMIT:
        raise PolicyTemplateError(
            f"{template} rendered {size} characters, over IAM's "
            f"{INLINE_POLICY_LIMIT}-character limit for inline role policies; shorten it"
        )
    return document


def kms_decrypt_policy(key_arn: str, region: str) -> PolicyDocument:
    """The role's second inline policy with SSE-KMS: kms:Decrypt on exactly that key, only in
    requests S3 makes for the role in the bucket's region (`kms:ViaService`)."""
    return render(
        "finout_kms_decrypt_policy.json.j2", key_arn=key_arn, via_service=kms_via_service(region)
    )


def kms_key_policy(account_root_arn: str, role_arn: str, region: str) -> PolicyDocument:
    """The policy of a key the stack makes: the account administers it (AWS's default key
    policy statement, which keeps the key manageable through IAM), and Finout's role may
    decrypt with it through S3 in the bucket's region."""
    return render(
        "finout_kms_key_policy.json.j2",
        account_root_arn=account_root_arn,
        role_arn=role_arn,
        via_service=kms_via_service(region),
    )


def tls_only_policy(bucket_arn: str) -> PolicyDocument:
    """The bucket policy that refuses every request not made over TLS."""
    return render("tls_only_bucket_policy.json.j2", bucket_arn=bucket_arn)


def to_json(document: PolicyDocument) -> str:
    """The literal JSON emitted into Terraform: stable key order, no insignificant whitespace."""
    return json.dumps(document, separators=(",", ":"))


def policy_size(document: PolicyDocument) -> int:
    return len(to_json(document))
