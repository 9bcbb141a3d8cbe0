"""A config deployed with the real terraform to the real moto server, for lifecycle tests."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import yaml
from finout_s3_telemetry.stacks.app import synthesize

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.config import Config, parse_config
from finout_s3_telemetry.targets import Target
from finout_s3_telemetry.terraform_runner import Terraform


class Deployment:
    """`data` (the config as YAML data) synthesized for the local target in `root`."""

    def __init__(
        self,
        root: Path,
        endpoint_url: str,
        data: dict[str, Any],
        target: Target | None = None,
    ) -> None:
        """`target`: the emulator with other credentials than its fixed test ones (an IAM
        user's keys, when the emulator enforces IAM)."""
        self.root = root
        self.endpoint_url = endpoint_url
        self.target = target or Target("local", endpoint_url)
        self.config_file = root / "telemetry.yaml"
        self.data = data
        self.config: Config = parse_config(yaml.safe_dump(data))
        self.stacks: dict[str, Path] = {}

    def synth(self, data: dict[str, Any] | None = None) -> None:
        if data is not None:
            self.data = data
            self.config = parse_config(yaml.safe_dump(data))
        self.config_file.write_text(yaml.safe_dump(self.data))
        outdir = self.root / "cdktf.out"
        stacks = synthesize(self.config, self.target, outdir=outdir, state_dir=self.root)
        self.stacks = {stack.name: stack for stack in stacks}

    def terraform(self, stack: str) -> Terraform:
        return Terraform(self.stacks[stack])

    def deploy(self, stack: str | None = None) -> None:
        for name in [stack] if stack else list(self.stacks):
            terraform = self.terraform(name)
            if not (self.stacks[name] / ".terraform").is_dir():
                terraform.init()
            terraform.apply()

    def check(self, *extra: str) -> tuple[int, dict[str, Any]]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(
                ["check", "-c", str(self.config_file), "--endpoint-url", self.endpoint_url,
                 "--format", "json", *extra]
            )  # fmt: skip
        return code, json.loads(out.getvalue())

    def failed(self) -> list[dict[str, Any]]:
        code, report = self.check()
        failed = [c for e in report["endpoints"] for c in e["checks"] if c["status"] == "fail"]
        assert (code == 1) == bool(failed), report
        return failed

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return self.target.client(service, region)
