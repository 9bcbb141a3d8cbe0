"""The config file: a customer's Finout endpoints."""

from finout_s3_telemetry.config.errors import ConfigError, Problem
from finout_s3_telemetry.config.load import config_path, load_config, parse_config
from finout_s3_telemetry.config.model import Config, EndpointConfig, StateSettings

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
