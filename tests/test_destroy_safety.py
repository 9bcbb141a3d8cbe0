"""`destroy` loses no telemetry file unless the user opted in; an existing bucket is never
touched."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from deployment import Deployment

from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.terraform_runner import TerraformError

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

BASE: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": "keep",
            "region": "us-east-1",
            "bucket": "acme-destroy-keep",
            "prefix": "finout",
            "external_id": "finout-ab12cd3",
            "telemetries": ["bytes"],
        }
    ],
}
FILE = "finout/bytes/2026-11-27.csv"
CSV = b'"date","team","bytes"\n"2026-11-27","web","12.5"\n'


def config(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["endpoints"][0].update(changes)
    return data


def deploy(server: LocalAws, root: Path, data: dict[str, Any]) -> Deployment:
    deployment = Deployment(root, server.endpoint_url, data)
    deployment.synth()
    deployment.deploy()
    return deployment


def test_destroy_of_a_bucket_holding_telemetry_files_loses_none(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    deployment = deploy(local_aws, tmp_path, config())
    s3 = deployment.client("s3")
    s3.put_object(Bucket="acme-destroy-keep", Key=FILE, Body=CSV)
    with pytest.raises(TerraformError) as refused:
        deployment.terraform("keep").destroy()
    assert "BucketNotEmpty" in refused.value.output
    assert s3.get_object(Bucket="acme-destroy-keep", Key=FILE)["Body"].read() == CSV


def test_destroy_deletes_the_files_only_when_the_user_opted_in(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    deployment = deploy(local_aws, tmp_path, config(force_destroy_bucket=True))
    s3 = deployment.client("s3")
    s3.put_object(Bucket="acme-destroy-keep", Key=FILE, Body=CSV)
    deployment.terraform("keep").destroy()
    assert "acme-destroy-keep" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_an_existing_bucket_is_never_touched(local_aws: LocalAws, tmp_path: Path) -> None:
    data = config(name="cur", bucket="acme-existing-cur", existing_bucket=True, prefix="telemetry")
    s3 = Deployment(tmp_path, local_aws.endpoint_url, data).client("s3")
    s3.create_bucket(Bucket="acme-existing-cur")
    s3.put_object(Bucket="acme-existing-cur", Key="cur/report.csv.gz", Body=b"cost data")
    before = _bucket_settings(s3, "acme-existing-cur")

    deployment = deploy(local_aws, tmp_path, data)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="acme-existing-cur")["Contents"]]
    assert sorted(keys) == ["cur/report.csv.gz", "telemetry/bytes/"]
    assert _bucket_settings(s3, "acme-existing-cur") == before

    deployment.terraform("cur").destroy()
    assert "acme-existing-cur" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="acme-existing-cur")["Contents"]]
    assert keys == ["cur/report.csv.gz"]
    assert _bucket_settings(s3, "acme-existing-cur") == before


def _bucket_settings(s3: Any, bucket: str) -> dict[str, Any]:
    def read(call: str, **kwargs: Any) -> Any:
        try:
            response = getattr(s3, call)(Bucket=bucket, **kwargs)
        except s3.exceptions.ClientError as error:
            return error.response["Error"]["Code"]
        response.pop("ResponseMetadata", None)
        return response

    return {
        "policy": read("get_bucket_policy"),
        "public_access_block": read("get_public_access_block"),
        "versioning": read("get_bucket_versioning"),
        "tagging": read("get_bucket_tagging"),
    }
