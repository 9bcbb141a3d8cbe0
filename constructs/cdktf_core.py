"""The one place that imports the CDK engine: cdktf 0.21, or CDK Terrain (`cdktn`), its fork.

Everything else in the project builds on the names exported here. The engine is the one
`$FINOUT_TELEMETRY_ENGINE` names, else the first installed of cdktf and cdktn (see
`finout_s3_telemetry.engines`); both export the same classes and synthesize the same stacks,
apart from the engine's version in each stack's metadata.

AWS resources are declared with cdktf's core `TerraformResource`/`TerraformDataSource` and their
attributes set as literal JSON, instead of through the prebuilt AWS provider bindings: importing
those bindings costs seconds and hundreds of megabytes before a single resource exists. The test
suite holds every resource type and attribute emitted here against the AWS provider's own schema,
so nothing is lost in exchange.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from finout_s3_telemetry.engines import chosen_engine, use_bundled_node

ENGINE = chosen_engine()
# Before anything imports a jsii module (`constructs` is one): the first import starts Node.js.
use_bundled_node(ENGINE)

if TYPE_CHECKING:  # both engines have the same API; type-check against the default
    from cdktf import (
        Annotations,
        App,
        LocalBackend,
        S3Backend,
        TerraformDataSource,
        TerraformOutput,
        TerraformProvider,
        TerraformProviderGeneratorMetadata,
        TerraformResource,
        TerraformStack,
        Testing,
        Token,
    )
else:
    _engine = importlib.import_module(ENGINE)
    Annotations = _engine.Annotations
    App = _engine.App
    LocalBackend = _engine.LocalBackend
    S3Backend = _engine.S3Backend
    TerraformDataSource = _engine.TerraformDataSource
    TerraformOutput = _engine.TerraformOutput
    TerraformProvider = _engine.TerraformProvider
    TerraformProviderGeneratorMetadata = _engine.TerraformProviderGeneratorMetadata
    TerraformResource = _engine.TerraformResource
    TerraformStack = _engine.TerraformStack
    Testing = _engine.Testing
    Token = _engine.Token

from constructs import Construct  # noqa: E402 - a jsii module: only after use_bundled_node

AWS_PROVIDER_SOURCE = "hashicorp/aws"
AWS_PROVIDER_VERSION = "~> 5.100"

__all__ = [
    "AWS_PROVIDER_SOURCE",
    "AWS_PROVIDER_VERSION",
    "ENGINE",
    "Annotations",
    "App",
    "AwsProvider",
    "Construct",
    "LocalBackend",
    "S3Backend",
    "TerraformDataSource",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformResource",
    "TerraformStack",
    "Testing",
    "Token",
    "aws_data_source",
    "aws_resource",
]


def _aws_metadata() -> TerraformProviderGeneratorMetadata:
    return TerraformProviderGeneratorMetadata(
        provider_name="aws", provider_version_constraint=AWS_PROVIDER_VERSION
    )


class AwsProvider(TerraformProvider):
    """The `hashicorp/aws` provider; its settings are given as the provider's own JSON arguments."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        settings: Mapping[str, Any],
        *,
        alias: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="aws",
            terraform_generator_metadata=_aws_metadata(),
            terraform_provider_source=AWS_PROVIDER_SOURCE,
        )
        if alias:
            self.alias = alias
        for name, value in settings.items():
            self.add_override(name, value)


def aws_resource(
    scope: Construct,
    id: str,
    resource_type: str,
    provider: TerraformProvider,
    attributes: Mapping[str, Any],
    *,
    logical_id: str | None = None,
) -> TerraformResource:
    """Declare `resource "<resource_type>" "<logical_id>"` with literal `attributes`."""
    resource = TerraformResource(
        scope,
        id,
        terraform_resource_type=resource_type,
        terraform_generator_metadata=_aws_metadata(),
        provider=provider,
    )
    return _with_attributes(resource, attributes, logical_id)


def aws_data_source(
    scope: Construct,
    id: str,
    data_type: str,
    provider: TerraformProvider,
    attributes: Mapping[str, Any],
    *,
    logical_id: str | None = None,
) -> TerraformDataSource:
    """Declare `data "<data_type>" "<logical_id>"`: a read-only reference, never a change."""
    data = TerraformDataSource(
        scope,
        id,
        terraform_resource_type=data_type,
        terraform_generator_metadata=_aws_metadata(),
        provider=provider,
    )
    return _with_attributes(data, attributes, logical_id)


_Element = TypeVar("_Element", TerraformResource, TerraformDataSource)


def _with_attributes(
    element: _Element, attributes: Mapping[str, Any], logical_id: str | None
) -> _Element:
    if logical_id:
        element.override_logical_id(logical_id)
    for name, value in attributes.items():
        element.add_override(name, value)
    return element
