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

import functools
import importlib
import os
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from finout_s3_telemetry.engines import EngineError, chosen_engine, node_problem, use_bundled_node

ENGINE = chosen_engine()
# Before anything imports a jsii module (`constructs` is one): the first import starts Node.js.
use_bundled_node(ENGINE)
if (_node_problem := node_problem(os.environ)) is not None:
    raise EngineError(_node_problem)  # one sentence instead of jsii's traceback

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
    "address",
    "attribute",
    "attribute_batch",
    "aws_data_source",
    "aws_resource",
    "batched_attributes",
]


@functools.cache  # a struct, sent by value: one instance serves every element
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
    return _with_attributes(resource, "resource", resource_type, provider, attributes, logical_id)


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
    return _with_attributes(data, "data", data_type, provider, attributes, logical_id)


_Element = TypeVar("_Element", TerraformResource, TerraformDataSource)


class _StackAttributes:
    """Every literal attribute given to one stack's resources and data sources, by section
    (`resource`, `data`), type and logical id, as the stack's overrides hold them.

    One jsii call costs about a millisecond, and one per attribute made 36 per endpoint (7,200
    for 200 endpoints). Written as one stack override per section instead: the stack merges its
    overrides into the synthesized JSON and resolves them, references included, exactly like an
    element's own. Each write gives the whole section, so a later write never loses an earlier
    one."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self.sections: dict[str, dict[str, dict[str, Mapping[str, Any]]]] = {}
        self.changed: set[str] = set()

    def add(self, section: str, element_type: str, logical_id: str, attributes: Any) -> None:
        by_type = self.sections.setdefault(section, {}).setdefault(element_type, {})
        by_type[logical_id] = dict(attributes)
        self.changed.add(section)

    def write(self) -> None:
        for section in sorted(self.changed):
            self.stack.add_override(section, self.sections[section])
        self.changed.clear()


_stack_attributes: dict[int, _StackAttributes] = {}
"""By id() of each provider seen: a resource's provider is always in the resource's own stack,
so one TerraformStack.of() per provider finds the stack (held here, so the id stays unique)."""
_providers: dict[int, TerraformProvider] = {}
_batch_depth = 0


def _attributes_of(provider: TerraformProvider) -> _StackAttributes:
    key = id(provider)
    if key not in _stack_attributes:
        _providers[key] = provider
        stack = TerraformStack.of(provider)
        existing = next((a for a in _stack_attributes.values() if a.stack is stack), None)
        _stack_attributes[key] = existing or _StackAttributes(stack)
    return _stack_attributes[key]


@contextmanager
def attribute_batch() -> Iterator[None]:
    """Attributes declared inside are written when the outermost batch ends: a construct
    declaring ten resources makes one or two jsii calls for their attributes, not dozens.
    Outside any batch each element's attributes are written at once."""
    global _batch_depth
    _batch_depth += 1
    try:
        yield
    finally:
        _batch_depth -= 1
        if _batch_depth == 0:
            for pending in {id(a): a for a in _stack_attributes.values() if a.changed}.values():
                pending.write()


_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")


def batched_attributes(init: Callable[_Params, _Result]) -> Callable[_Params, _Result]:
    """A construct's `__init__` inside `attribute_batch()`."""

    @functools.wraps(init)
    def wrapper(*args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        with attribute_batch():
            return init(*args, **kwargs)

    return wrapper


_addresses: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
"""Each element declared here: its address, `<type>.<logical id>` (`data.<type>.<logical id>`)."""


def address(element: TerraformResource | TerraformDataSource) -> str:
    """How Terraform names the element, as in `depends_on`: `aws_s3_bucket.telemetry_bucket`."""
    known = _addresses.get(element)
    if known is None:  # declared elsewhere, not through aws_resource or aws_data_source
        prefix = "data." if isinstance(element, TerraformDataSource) else ""
        known = f"{prefix}{element.terraform_resource_type}.{element.friendly_unique_id}"
    return known


def attribute(element: TerraformResource | TerraformDataSource, name: str) -> str:
    """`${<address>.<name>}`: the reference `element.get_string_attribute(name)` resolves to,
    without asking the engine for it (each jsii call costs about a millisecond)."""
    return f"${{{address(element)}.{name}}}"


def _with_attributes(
    element: _Element,
    section: str,
    element_type: str,
    provider: TerraformProvider,
    attributes: Mapping[str, Any],
    logical_id: str | None,
) -> _Element:
    if logical_id:
        element.override_logical_id(logical_id)
    else:
        logical_id = element.friendly_unique_id
    _addresses[element] = (
        f"data.{element_type}.{logical_id}" if section == "data" else f"{element_type}.{logical_id}"
    )
    stack = _attributes_of(provider)
    stack.add(section, element_type, logical_id, attributes)
    if _batch_depth == 0:
        stack.write()
    return element
