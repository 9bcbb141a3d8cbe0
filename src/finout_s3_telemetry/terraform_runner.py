"""Run the real terraform binary on a synthesized stack folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finout_s3_telemetry.provider_mirror import terraform_environment


class TerraformError(RuntimeError):
    def __init__(self, command: list[str], stack_dir: Path, output: str) -> None:
        self.command = command
        self.stack_dir = stack_dir
        self.output = output
        super().__init__(f"`{' '.join(command)}` failed in {stack_dir}:\n{output.strip()}")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Terraform:
    """terraform for one stack folder, with the project's CLI config (provider mirror)."""

    def __init__(self, stack_dir: Path, *, extra_env: dict[str, str] | None = None) -> None:
        binary = shutil.which("terraform")
        if binary is None:
            raise FileNotFoundError(
                "terraform is not on PATH; install Terraform 1.6 or newer (https://developer."
                "hashicorp.com/terraform/install)"
            )
        self.binary = binary
        self.stack_dir = stack_dir
        # The CLI config lives next to the stacks: <outdir>/terraform-cli.tfrc.
        self.env = dict(os.environ)
        self.env.update(terraform_environment(stack_dir.parent.parent))
        self.env.update(extra_env or {})

    def run(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> Result:
        command = [self.binary, *args]
        completed = subprocess.run(
            command,
            cwd=self.stack_dir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
        if completed.returncode not in ok_codes:
            raise TerraformError(command, self.stack_dir, result.output)
        return result

    def init(self) -> Result:
        return self.run("init", "-input=false", "-no-color", "-reconfigure")

    def validate(self) -> Result:
        return self.run("validate", "-no-color")

    def apply(self) -> Result:
        return self.run("apply", "-input=false", "-no-color", "-auto-approve")

    def destroy(self) -> Result:
        return self.run("destroy", "-input=false", "-no-color", "-auto-approve")

    def plan(self, *args: str, detailed_exitcode: bool = False) -> Result:
        flags = ["plan", "-input=false", "-no-color", *args]
        if detailed_exitcode:
            return self.run(*flags, "-detailed-exitcode", ok_codes=(0, 2))
        return self.run(*flags)

    def show_json(self, plan_file: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run("show", "-json", plan_file).stdout)
        return data

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: value["value"] for name, value in raw.items()}
