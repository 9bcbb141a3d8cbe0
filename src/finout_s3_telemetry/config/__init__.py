"""The config file: a customer's Finout endpoints.

The names below load on first use (PEP 562): `config.location` and `config.errors` can be
imported without the schema, whose pydantic import costs a third of a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finout_s3_telemetry.config.errors import ConfigError, Problem
    from finout_s3_telemetry.config.load import load_config, parse_config
    from finout_s3_telemetry.config.location import config_path
    from finout_s3_telemetry.config.model import Config, EndpointConfig, StateSettings

_HOMES = {
    "Config": "model",
    "EndpointConfig": "model",
    "StateSettings": "model",
    "ConfigError": "errors",
    "Problem": "errors",
    "config_path": "location",
    "load_config": "load",
    "parse_config": "load",
}

__all__ = [
    "Config",
    "ConfigError",
    "EndpointConfig",
    "Problem",
    "StateSettings",
    "config_path",
    "load_config",
    "parse_config",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
