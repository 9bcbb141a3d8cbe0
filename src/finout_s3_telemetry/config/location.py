"""Where the config file is: `-c/--config`, else $FINOUT_TELEMETRY_CONFIG, else ./telemetry.yaml.

Apart from the schema, so that commands can name and find the file (in `--help`, say) without
loading pydantic, which costs a third of a second at every start.
"""

from __future__ import annotations

import os
from pathlib import Path

from finout_s3_telemetry.config.errors import ConfigError, Problem

DEFAULT_CONFIG_FILE = "telemetry.yaml"
CONFIG_ENV_VAR = "FINOUT_TELEMETRY_CONFIG"


def config_path(argument: str | None = None) -> Path:
    """`-c/--config` wins, then $FINOUT_TELEMETRY_CONFIG, then ./telemetry.yaml.

    An empty `-c ''` is an error, not a request for the default: a script whose variable came
    out empty must not quietly deploy another config.
    """
    if argument is not None and argument == "":
        raise ConfigError(
            "-c/--config",
            [Problem("", "the config path is empty; name the config file, e.g. -c telemetry.yaml")],
        )
    return Path(argument or os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_FILE)
