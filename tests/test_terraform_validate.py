"""The real terraform binary and the real AWS provider accept every synthesized stack, and every
resource type and attribute the constructs emit exists in the provider's own schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from synth_helpers import stack_json, synth_to

from finout_s3_telemetry.config import Config
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terraform_runner import Terraform

# Runs under each CDK engine (`make test` runs the engine tests again under cdktn).
pytestmark = [pytest.mark.terraform, pytest.mark.engine]

# Terraform meta-arguments and cdktf's metadata key: not provider attributes.
META_ARGUMENTS = {"//", "provider", "depends_on", "for_each", "count", "lifecycle"}


@pytest.fixture(scope="module")
def initialized(
    example_config: Config,
    kms_test_config: Config,
    accounts_test_config: Config,
    access_modes_config: Config,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    """Every stack of the example, of the SSE-KMS config (a created key, with and without
    account_id, an existing key, an existing bucket), of the multi-account config (providers
    that assume a role, with and without an external ID) and of one endpoint per access mode,
    initialized."""
    stacks = synth_to(example_config, tmp_path_factory.mktemp("validate"))
    stacks.update(synth_to(kms_test_config, tmp_path_factory.mktemp("validate-kms")))
    stacks.update(synth_to(accounts_test_config, tmp_path_factory.mktemp("validate-accounts")))
    stacks.update(synth_to(access_modes_config, tmp_path_factory.mktemp("validate-access")))
    for stack in stacks.values():
        Terraform(stack).init()
    return stacks


@pytest.fixture(scope="module")
def provider_schema(initialized: dict[str, Path]) -> dict[str, Any]:
    output = Terraform(initialized["main"]).run("providers", "schema", "-json").stdout
    schemas = json.loads(output)["provider_schemas"]
    return schemas["registry.terraform.io/hashicorp/aws"]  # type: ignore[no-any-return]


def test_terraform_validate_accepts_every_stack(initialized: dict[str, Path]) -> None:
    # Validate also refuses a dependency cycle: role -> key (its policy names the role) -> the
    # role's kms policy (it names the key) must stay a line.
    assert {"main", "cur", "data-platform", "kms-create", "kms-key", "kms-cur"} <= set(initialized)
    assert {"prod-main", "staging-main", "data-existing"} <= set(initialized)
    assert {"mode-read-only", "mode-scoped", "mode-read-write"} <= set(initialized)
    for stack in initialized.values():
        result = Terraform(stack).validate()
        assert "Success! The configuration is valid." in result.stdout
        assert "Warning" not in result.output


def test_terraform_validate_accepts_the_local_target(
    example_config: Config, tmp_path: Path
) -> None:
    stacks = synth_to(example_config, tmp_path, Target("local", "http://127.0.0.1:4566"))
    terraform = Terraform(stacks["data-platform"])
    terraform.init()
    assert "Success!" in terraform.validate().stdout


def _unknown_attributes(
    where: str, attributes: dict[str, Any], block: dict[str, Any]
) -> Iterator[str]:
    known_attributes = block.get("attributes", {})
    known_blocks = block.get("block_types", {})
    for name, value in attributes.items():
        if name in META_ARGUMENTS:
            continue
        if name in known_attributes:
            continue
        if name in known_blocks:
            nested = known_blocks[name]["block"]
            for item in value if isinstance(value, list) else [value]:
                yield from _unknown_attributes(f"{where}.{name}", item, nested)
            continue
        yield f"{where}.{name}"


def test_every_emitted_type_and_attribute_is_in_the_provider_schema(
    initialized: dict[str, Path], provider_schema: dict[str, Any]
) -> None:
    unknown: list[str] = []
    checked = 0
    seen_types: set[str] = set()
    for stack in initialized.values():
        synthesized = stack_json(stack)
        for section, schemas in (
            ("resource", provider_schema["resource_schemas"]),
            ("data", provider_schema["data_source_schemas"]),
        ):
            for resource_type, instances in synthesized.get(section, {}).items():
                seen_types.add(resource_type)
                if resource_type not in schemas:
                    unknown.append(f"{section}.{resource_type}")
                    continue
                for name, attributes in instances.items():
                    checked += 1
                    where = f"{section}.{resource_type}.{name}"
                    unknown += _unknown_attributes(
                        where, attributes, schemas[resource_type]["block"]
                    )
        for settings in synthesized["provider"]["aws"]:
            unknown += _unknown_attributes(
                "provider.aws", settings, provider_schema["provider"]["block"]
            )
    assert checked >= 20
    assert any(
        "assume_role" in settings
        for stack in initialized.values()
        for settings in stack_json(stack)["provider"]["aws"]
    )
    for resource_type in ("aws_kms_key", "aws_kms_alias", "aws_caller_identity"):
        assert resource_type in seen_types
    assert unknown == []


def test_the_schema_check_catches_a_misspelt_attribute(provider_schema: dict[str, Any]) -> None:
    block = provider_schema["resource_schemas"]["aws_s3_bucket_versioning"]["block"]
    found = list(
        _unknown_attributes(
            "r", {"bucket": "b", "versioning_configuration": [{"stauts": "Enabled"}]}, block
        )
    )
    assert found == ["r.versioning_configuration.stauts"]
