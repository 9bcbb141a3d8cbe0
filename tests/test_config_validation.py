"""Each validation rule, with a bad input and its exact message."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import ConfigError, parse_config
from finout_s3_telemetry.partitions import partition_ids
from finout_s3_telemetry.terminal_text import quoted

VALID: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": "main",
            "region": "us-east-1",
            "account_id": "111122223333",
            "bucket": "acme-finout-telemetry",
            "prefix": "finout/telemetry",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes", "requests"],
        }
    ],
}


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml.safe_dump(data), "telemetry.yaml")
    return [str(problem) for problem in caught.value.problems]


def with_endpoint(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data["endpoints"][0].update(changes)
    return data


def test_the_valid_config_parses_with_the_documented_defaults() -> None:
    config = parse_config(yaml.safe_dump(VALID))
    endpoint = config.endpoints[0]
    assert endpoint.role_name == "FinoutMetricsReadOnlyRole"
    assert endpoint.policy_name == "finest-access-policy_telemetry_export"
    assert endpoint.existing_bucket is False
    assert endpoint.force_destroy_bucket is False
    assert endpoint.folder_keys == {
        "bytes": "finout/telemetry/bytes/",
        "requests": "finout/telemetry/requests/",
    }
    assert config.state.backend == "local"


FIX = (
    "use 3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with "
    "a letter or digit"
)


@pytest.mark.parametrize(
    ("bucket", "message"),
    [
        ("ab", f"'ab' is 2 characters long; {FIX}"),
        ("a" * 64, f"'{'a' * 64}' is 64 characters long; {FIX}"),
        ("Acme_Bucket", f"'Acme_Bucket' is not a valid S3 bucket name; {FIX}"),
        ("-acme", f"'-acme' is not a valid S3 bucket name; {FIX}"),
        ("acme.", f"'acme.' is not a valid S3 bucket name; {FIX}"),
        ("acme..data", "'acme..data' contains '..'; S3 bucket names cannot have two adjacent dots"),
        (
            "192.168.5.4",
            "'192.168.5.4' is formatted as an IP address, which S3 refuses; choose a name",
        ),
        ("xn--acme", "'xn--acme' starts with 'xn--', which S3 reserves; choose another name"),
        (
            "sthree-acme",
            "'sthree-acme' starts with 'sthree-', which S3 reserves; choose another name",
        ),
        (
            "amzn-s3-demo-acme",
            "'amzn-s3-demo-acme' starts with 'amzn-s3-demo-', which S3 reserves; "
            "choose another name",
        ),
        (
            "acme-s3alias",
            "'acme-s3alias' ends with '-s3alias', which S3 reserves; choose another name",
        ),
        (
            "acme--ol-s3",
            "'acme--ol-s3' ends with '--ol-s3', which S3 reserves; choose another name",
        ),
        ("acme.mrap", "'acme.mrap' ends with '.mrap', which S3 reserves; choose another name"),
        ("acme--x-s3", "'acme--x-s3' ends with '--x-s3', which S3 reserves; choose another name"),
        (
            "acme--table-s3",
            "'acme--table-s3' ends with '--table-s3', which S3 reserves; choose another name",
        ),
    ],
)
def test_bucket_name_rules(bucket: str, message: str) -> None:
    assert problems_of(with_endpoint(bucket=bucket)) == [f"endpoints[0].bucket: {message}"]


@pytest.mark.parametrize("external_id", ["x", "finout ab12", "a" * 1225, "finout-#1"])
def test_external_id_rules(external_id: str) -> None:
    assert problems_of(with_endpoint(external_id=external_id)) == [
        f"endpoints[0].external_id: {quoted(external_id)} is not a valid external ID; use 2-1224 "
        "characters of letters, digits and + = , . @ : / _ - with no whitespace (copy it from "
        "the Finout console, or run `finout-telemetry external-id` to make one)"
    ]


@pytest.mark.parametrize("role_name", ["", "a" * 65, "Finout Role", "role/x"])
def test_role_name_rules(role_name: str) -> None:
    assert problems_of(with_endpoint(role_name=role_name)) == [
        f"endpoints[0].role_name: {role_name!r} is not a valid IAM role name; use 1-64 "
        "characters of letters, digits and + = , . @ _ -"
    ]


@pytest.mark.parametrize(
    "policy_name",
    ["", "a" * 129, "my policy", "a/b", "a*", "a?", "a\\b", '${upper("x")}', "%{if 1}x%{endif}"],
)
def test_policy_name_rules(policy_name: str) -> None:
    # IAM's own pattern; `${…}` and `%{…}` would also be evaluated by Terraform in the stack.
    assert problems_of(with_endpoint(policy_name=policy_name)) == [
        f"endpoints[0].policy_name: {quoted(policy_name)} is not a valid IAM policy name; use "
        "1-128 characters of letters, digits and + = , . @ _ -"
    ]


@pytest.mark.parametrize(
    "principal", ["*", "arn:aws:iam::*:root", "arn:aws:iam::12345678901*:root"]
)
def test_a_wildcard_principal_is_refused(principal: str) -> None:
    data = copy.deepcopy(VALID)
    data["finout"]["principal"] = principal
    assert problems_of(data) == [
        f"finout.principal: {principal!r} would let anyone assume the role; use Finout's AWS "
        "account id or role ARN shown in the Finout console"
    ]


@pytest.mark.parametrize(
    "principal", ["12345678901", "finout", "arn:aws:iam::123456789012:group/x", "arn:aws:s3:::b"]
)
def test_a_malformed_principal_is_refused(principal: str) -> None:
    data = copy.deepcopy(VALID)
    data["finout"]["principal"] = principal
    assert problems_of(data) == [
        f"finout.principal: {principal!r} is not a principal; use Finout's 12-digit AWS account "
        "id or an ARN like arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/NAME "
        "or :user/NAME, as shown in the Finout console"
    ]


@pytest.mark.parametrize(
    "principal",
    [
        "123456789012",
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::123456789012:role/finout/FinoutReader",
        "arn:aws:iam::123456789012:user/finout",
        "arn:aws-cn:iam::123456789012:root",
    ],
)
def test_valid_principals(principal: str) -> None:
    data = copy.deepcopy(VALID)
    data["finout"]["principal"] = principal
    if principal.startswith("arn:aws-cn:"):
        data["endpoints"][0]["region"] = "cn-north-1"
    parse_config(yaml.safe_dump(data))


def test_telemetry_rules() -> None:
    assert problems_of(with_endpoint(telemetries=[])) == [
        "endpoints[0].telemetries: needs at least one telemetry, e.g. telemetries: [bytes]"
    ]
    assert problems_of(with_endpoint(telemetries=["bytes", "gpu hours", "a/b", "", "bytes"])) == [
        "endpoints[0].telemetries[1]: 'gpu hours' contains whitespace, which Finout refuses in a "
        "CSV header; use '_' or '-' instead",
        "endpoints[0].telemetries[2]: 'a/b' contains '/'; a telemetry is one folder, so drop the "
        "slash",
        "endpoints[0].telemetries[3]: is empty; name the telemetry as it appears in the CSV "
        "header, e.g. 'bytes'",
        "endpoints[0].telemetries[4]: 'bytes' is listed twice; each telemetry is one folder, "
        "list it once",
    ]


def test_region_and_account_rules() -> None:
    assert problems_of(with_endpoint(region="US-East-1", account_id="1111")) == [
        "endpoints[0].region: 'US-East-1' is not an AWS region name; use one like us-east-1 or "
        "eu-west-2",
        "endpoints[0].account_id: '1111' is not an AWS account id; write the 12 digits as a "
        "quoted string",
    ]


def test_an_unquoted_account_id_is_refused_because_yaml_would_drop_leading_zeros() -> None:
    assert problems_of(with_endpoint(account_id=11122223333)) == [
        "endpoints[0].account_id: must be a string; quote it exactly as AWS shows it, e.g. "
        'account_id: "11122223333"'
    ]


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        (
            "/finout",
            "'/finout' starts or ends with '/'; write it without leading or trailing slashes",
        ),
        (
            "finout/",
            "'finout/' starts or ends with '/'; write it without leading or trailing slashes",
        ),
        ("a//b", "'a//b' contains '//'; write each folder once"),
    ],
)
def test_prefix_rules(prefix: str, message: str) -> None:
    assert problems_of(with_endpoint(prefix=prefix)) == [f"endpoints[0].prefix: {message}"]


def test_endpoint_names_are_unique_and_well_formed() -> None:
    data = copy.deepcopy(VALID)
    second = copy.deepcopy(data["endpoints"][0])
    second.update(bucket="acme-other", role_name="Other", account_id="999988887777")
    third = copy.deepcopy(second)
    third.update(name="Bad_Name", account_id="999988887776", bucket="acme-third")
    data["endpoints"] += [second, third]
    assert problems_of(data) == [
        "endpoints[1].name: 'main' is already the name of endpoints[0]; endpoint names name the "
        "stacks and must be unique, so rename this one",
        "endpoints[2].name: 'Bad_Name' is not a valid endpoint name; use 1-63 lowercase letters, "
        "digits and hyphens, starting and ending with a letter or digit (it names the stack)",
    ]


def test_two_endpoints_in_one_account_must_not_share_a_role_name() -> None:
    data = copy.deepcopy(VALID)
    second = copy.deepcopy(data["endpoints"][0])
    second.update(name="cur", bucket="acme-cur", existing_bucket=True)
    data["endpoints"].append(second)
    assert problems_of(data) == [
        "endpoints[1].role_name: role 'FinoutMetricsReadOnlyRole' is also used by endpoint "
        "'main' (endpoints[0]) in account 111122223333; set `role_name:` on endpoint 'cur', e.g. "
        "FinoutMetricsReadOnlyRole-cur, and keep 'main' as it is if Finout already uses its "
        "role ARN (never rename a registered role: its Finout endpoint would stop working)"
    ]


def test_endpoints_without_account_id_are_assumed_to_share_one_account() -> None:
    data = copy.deepcopy(VALID)
    del data["endpoints"][0]["account_id"]
    second = copy.deepcopy(data["endpoints"][0])
    second.update(name="eu", bucket="acme-eu", region="eu-west-1")
    data["endpoints"].append(second)
    assert problems_of(data)[0].startswith(
        "endpoints[1].role_name: role 'FinoutMetricsReadOnlyRole' is also used by endpoint "
        "'main' (endpoints[0]) in the same account (no account_id set);"
    )
    second["account_id"] = "111122223333"
    parse_config(yaml.safe_dump(data))  # different accounts: no clash


def test_a_bucket_cannot_be_created_twice() -> None:
    data = copy.deepcopy(VALID)
    second = copy.deepcopy(data["endpoints"][0])
    # Another prefix: only the second creation is wrong.
    second.update(name="two", role_name="Two", prefix="finout/other")
    data["endpoints"].append(second)
    assert problems_of(data) == [
        "endpoints[1].bucket: bucket 'acme-finout-telemetry' is already created by endpoints[0]; "
        "a bucket can be created once: set `existing_bucket: true` here or use another bucket"
    ]


def test_missing_and_unknown_fields() -> None:
    data = copy.deepcopy(VALID)
    del data["endpoints"][0]["external_id"]
    data["endpoints"][0]["bucket_name"] = "typo"
    assert problems_of(data) == [
        "endpoints[0].external_id: is required; add `external_id:` here (from the Finout "
        "console, or run `finout-telemetry external-id`)",
        "endpoints[0].bucket_name: is not a known field; remove it or fix its spelling (known: "
        "name, region, bucket, external_id, telemetries, account, account_id, existing_bucket, "
        "prefix, "
        "role_name, policy_name, force_destroy_bucket, encryption, kms_key, access, "
        "write_prefix)",
    ]


def test_s3_state_needs_a_bucket() -> None:
    data = copy.deepcopy(VALID)
    data["state"] = {"backend": "s3"}
    assert problems_of(data) == [
        "state.bucket: is required when state.backend is s3; name an existing bucket for the "
        "Terraform state"
    ]


def test_duplicate_yaml_keys_are_refused() -> None:
    text = yaml.safe_dump(VALID) + "finout:\n  principal: '210987654321'\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "telemetry.yaml")
    assert "duplicate key 'finout'; keep one (YAML would silently use the last)" in str(
        caught.value
    )


def test_every_problem_is_reported_at_once_and_nothing_is_synthesized(
    tmp_path: Any, capsys: Any
) -> None:
    data = with_endpoint(bucket="Bad", external_id="x", region="nowhere", telemetries=["a b"])
    config = tmp_path / "telemetry.yaml"
    config.write_text(yaml.safe_dump(data))
    outdir = tmp_path / "cdktf.out"
    code = main(["synth", "-c", str(config), "--outdir", str(outdir)])
    assert code == 2
    assert not outdir.exists()
    err = capsys.readouterr().err
    assert err.startswith(f"{config}: 4 problems; nothing was synthesized or changed.")
    for field in (
        "endpoints[0].bucket",
        "endpoints[0].external_id",
        "endpoints[0].region",
        "endpoints[0].telemetries[0]",
    ):
        assert f"  - {field}: " in err


def test_a_missing_config_file_names_the_ways_to_choose_one(
    tmp_path: Any, capsys: Any, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FINOUT_TELEMETRY_CONFIG", raising=False)
    assert main(["validate"]) == 2
    assert (
        "config file telemetry.yaml not found; pass -c/--config PATH or set "
        "FINOUT_TELEMETRY_CONFIG (examples/telemetry.yaml is a complete example)"
    ) in capsys.readouterr().err


# -- SSE-KMS ---------------------------------------------------------------------------------

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}"
MRK = "arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
ARN_FORM = "arn:<partition>:kms:<region>:<account>:key/<key-id>"
DESCRIBE = "(`aws kms describe-key --key-id <alias or id>` prints it as KeyMetadata.Arn)"
OR_CREATE = "; or `create` for a key made by the stack"


def test_encryption_defaults_to_sse_s3_without_a_key() -> None:
    endpoint = parse_config(yaml.safe_dump(VALID)).endpoints[0]
    assert (endpoint.encryption, endpoint.kms_key) == ("sse-s3", None)
    assert endpoint.uses_kms is False and endpoint.creates_kms_key is False


@pytest.mark.parametrize(
    ("changes", "creates"),
    [
        ({"kms_key": "create"}, True),
        ({"kms_key": KEY}, False),
        ({"kms_key": MRK}, False),
        # A key shared by another account: the key's policy lets this account use it.
        ({"kms_key": KEY.replace("111122223333", "444455556666")}, False),
        ({"kms_key": KEY, "existing_bucket": True}, False),
        ({"kms_key": "create", "policy_name": "p" * 124}, True),
    ],
)
def test_valid_kms_settings(changes: dict[str, Any], creates: bool) -> None:
    endpoint = parse_config(yaml.safe_dump(with_endpoint(encryption="sse-kms", **changes)))
    [parsed] = endpoint.endpoints
    assert parsed.uses_kms is True
    assert parsed.creates_kms_key is creates
    assert parsed.kms_key == changes["kms_key"]


def test_a_key_of_another_partition_is_fine_in_that_partitions_region() -> None:
    data = with_endpoint(
        region="cn-north-1",
        encryption="sse-kms",
        kms_key=f"arn:aws-cn:kms:cn-north-1:111122223333:key/{KEY_ID}",
    )
    data["finout"]["principal"] = "arn:aws-cn:iam::123456789012:root"
    assert parse_config(yaml.safe_dump(data)).endpoints[0].uses_kms


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"kms_key": KEY},
            "endpoints[0].kms_key: is set, but encryption is sse-s3, which uses no KMS key; set "
            "encryption to sse-kms, or remove kms_key",
        ),
        (
            {"encryption": "sse-kms"},
            "endpoints[0].kms_key: is required with encryption sse-kms: `create` (the stack makes "
            f"a key) or the ARN of an existing key, {ARN_FORM}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": None},
            "endpoints[0].kms_key: is required with encryption sse-kms: `create` (the stack makes "
            f"a key) or the ARN of an existing key, {ARN_FORM}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": "alias/finout"},
            "endpoints[0].kms_key: 'alias/finout' names an alias; IAM grants kms:Decrypt only on "
            f"a key's ARN, {ARN_FORM} {DESCRIBE}{OR_CREATE}",
        ),
        (
            {
                "encryption": "sse-kms",
                "kms_key": "arn:aws:kms:us-east-1:111122223333:alias/finout",
            },
            "endpoints[0].kms_key: 'arn:aws:kms:us-east-1:111122223333:alias/finout' names an "
            f"alias; IAM grants kms:Decrypt only on a key's ARN, {ARN_FORM} {DESCRIBE}{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": KEY_ID},
            f"endpoints[0].kms_key: '{KEY_ID}' is a key id; write the key's ARN, {ARN_FORM} "
            f"{DESCRIBE}{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": "arn:aws:kms:us-east-1:1111:key/x"},
            "endpoints[0].kms_key: 'arn:aws:kms:us-east-1:1111:key/x' is not a KMS key ARN; write "
            f"it as {ARN_FORM}, the key id a UUID or mrk- and 32 hex digits for a multi-Region "
            f"key{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": KEY.upper()},
            f"endpoints[0].kms_key: '{KEY.upper()}' is not a KMS key ARN; write it as {ARN_FORM}, "
            f"the key id a UUID or mrk- and 32 hex digits for a multi-Region key{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": "Create"},
            f"endpoints[0].kms_key: 'Create' is not a KMS key ARN; write it as {ARN_FORM}, the "
            f"key id a UUID or mrk- and 32 hex digits for a multi-Region key{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": KEY.replace("arn:aws:", "arn:aws-moon:")},
            f"endpoints[0].kms_key: '{KEY.replace('arn:aws:', 'arn:aws-moon:')}' names the "
            "partition 'aws-moon', which AWS does not have; use one of "
            f"{', '.join(partition_ids())}{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": KEY.replace("arn:aws:", "arn:aws-cn:")},
            f"endpoints[0].kms_key: '{KEY.replace('arn:aws:', 'arn:aws-cn:')}' names the region "
            "'us-east-1', which is not a region of the aws-cn partition; copy the key's ARN from "
            f"KMS{OR_CREATE}",
        ),
        (
            {"encryption": "sse-kms", "kms_key": KEY.replace("us-east-1", "eu-west-1")},
            f"endpoints[0].kms_key: '{KEY.replace('us-east-1', 'eu-west-1')}' is a key in "
            "eu-west-1, but the bucket is in us-east-1; S3 encrypts a bucket's files only with a "
            "key of the bucket's region: use a key in us-east-1 (a multi-Region key's replica "
            "there has its own ARN)",
        ),
        (
            {
                "encryption": "sse-kms",
                "kms_key": f"arn:aws-cn:kms:cn-north-1:111122223333:key/{KEY_ID}",
            },
            f"endpoints[0].kms_key: 'arn:aws-cn:kms:cn-north-1:111122223333:key/{KEY_ID}' is a "
            "key of the aws-cn partition, but the region us-east-1 is in aws; a bucket and a role "
            "can only use keys of their own partition: use a key in us-east-1",
        ),
        (
            {"encryption": "sse-kms", "kms_key": "create", "existing_bucket": True},
            "endpoints[0].kms_key: 'create' makes a new key, but the stack never changes an "
            "existing bucket, so its files stay encrypted with the key they have: write that "
            "key's ARN (`aws s3api get-bucket-encryption --bucket <bucket>` shows it), or use "
            "encryption sse-s3 if the bucket uses SSE-S3",
        ),
        (
            {"encryption": "sse-kms", "kms_key": "create", "policy_name": "p" * 125},
            "endpoints[0].policy_name: is 125 characters long; with encryption sse-kms the role "
            "also gets a policy named after it, <policy_name>-kms, of 129 characters, over IAM's "
            "128-character limit for policy names: shorten it to at most 124 characters",
        ),
        (
            {"encryption": "SSE-KMS", "kms_key": "create"},
            "endpoints[0].encryption: 'SSE-KMS' is not allowed; input should be 'sse-s3' or "
            "'sse-kms'",
        ),
        (
            {"encryption": "sse-kms", "kms_key": 12},
            "endpoints[0].kms_key: must be a string; quote it exactly as the Finout console or "
            'AWS shows it, e.g. kms_key: "12"',
        ),
    ],
)
def test_kms_settings_that_are_refused(changes: dict[str, Any], problem: str) -> None:
    assert problems_of(with_endpoint(**changes)) == [problem]


def test_every_kms_problem_is_reported_at_once_with_the_others() -> None:
    data = copy.deepcopy(VALID)
    second = copy.deepcopy(data["endpoints"][0])
    second.update(
        name="cur",
        bucket="acme-cur",
        role_name="Cur",
        existing_bucket=True,
        encryption="sse-kms",
        kms_key="create",
    )
    data["endpoints"][0].update(bucket="Bad", encryption="sse-kms", kms_key="alias/x")
    data["endpoints"].append(second)
    assert [problem.split(":")[0] for problem in problems_of(data)] == [
        "endpoints[0].bucket",
        "endpoints[0].kms_key",
        "endpoints[1].kms_key",
    ]


def test_a_policy_name_that_fits_iam_alone_is_still_fine_with_sse_s3() -> None:
    parse_config(yaml.safe_dump(with_endpoint(policy_name="p" * 128)))


def test_the_kms_names_the_checker_shares() -> None:
    from finout_s3_telemetry.naming import kms_alias_name, kms_policy_name, kms_via_service

    assert kms_alias_name("main") == "alias/finout-telemetry-main"
    assert kms_policy_name("finest-access-policy_telemetry_export") == (
        "finest-access-policy_telemetry_export-kms"
    )
    assert kms_via_service("eu-west-1") == "s3.eu-west-1.amazonaws.com"
    assert kms_via_service("us-gov-west-1") == "s3.us-gov-west-1.amazonaws.com"
    # Other partitions' service names end with their own DNS suffix.
    assert kms_via_service("cn-north-1") == "s3.cn-north-1.amazonaws.com.cn"
    assert kms_via_service("eu-isoe-west-1") == "s3.eu-isoe-west-1.cloud.adc-e.uk"
