"""Terraform CLI settings for this project: which provider mirror to install from.

Air-gapped machines keep providers in a filesystem mirror. The mirror is chosen, in order:
1. `$FINOUT_TELEMETRY_PROVIDER_MIRROR`, a directory in Terraform's unpacked mirror layout
   (`<dir>/registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/`);
2. none, when `$TF_CLI_CONFIG_FILE` names a file that exists: the user's own CLI config rules;
3. the first of the usual places that holds the AWS provider: Terraform's implied local mirror
   directories (`~/.terraform.d/plugins`, `$XDG_DATA_HOME/terraform/plugins`,
   `$XDG_DATA_DIRS/terraform/plugins`) and any directory directly under `/opt` in mirror layout;
4. none: Terraform installs from the public registry.
With a mirror, a CLI config with a `filesystem_mirror` block for what the mirror holds (and
`direct` for everything else) is written next to the synthesized stacks, and each stack gets a
dependency lock file made from the mirror (see `write_lock_files`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

MIRROR_ENV = "FINOUT_TELEMETRY_PROVIDER_MIRROR"
AWS_PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
CLI_CONFIG_NAME = "terraform-cli.tfrc"


class MirrorError(ValueError):
    pass


def candidate_mirrors() -> Iterator[Path]:
    home = Path.home()
    yield home / ".terraform.d" / "plugins"
    yield (
        Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "terraform" / "plugins"
    )
    for base in (os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":"):
        if base:
            yield Path(base) / "terraform" / "plugins"
    opt = Path("/opt")
    if opt.is_dir():
        yield from sorted(path for path in opt.iterdir() if path.is_dir())


def holds_aws_provider(directory: Path) -> bool:
    return (directory / AWS_PROVIDER_ADDRESS).is_dir()


def find_mirror() -> Path | None:
    """The provider mirror to use, or None for the user's CLI config or the public registry."""
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not holds_aws_provider(path):
            raise MirrorError(
                f"{MIRROR_ENV}={configured} holds no {AWS_PROVIDER_ADDRESS}; point it at the "
                "directory that contains registry.terraform.io/ (Terraform's unpacked mirror "
                "layout), or unset it to use the public registry"
            )
        return path.absolute()
    user_config = os.environ.get("TF_CLI_CONFIG_FILE")
    if user_config and Path(user_config).is_file() and not _written_by_us(Path(user_config)):
        return None
    for candidate in candidate_mirrors():
        try:
            if holds_aws_provider(candidate):
                return candidate.absolute()
        except OSError:
            continue
    return None


CLI_CONFIG_HEADER = "# Written by finout-telemetry"


def _written_by_us(path: Path) -> bool:
    """Our own CLI config, set by `eval "$(finout-telemetry terraform-env)"`, is not the user's:
    the mirror it names is still the one to use (to write lock files, say)."""
    try:
        with path.open(encoding="utf-8") as stream:
            return stream.readline().startswith(CLI_CONFIG_HEADER)
    except (OSError, UnicodeDecodeError):
        return False


def mirrored_providers(mirror: Path) -> list[str]:
    """Provider addresses (`host/namespace/type`) present in an unpacked mirror."""
    found = []
    for host in sorted(p for p in mirror.iterdir() if p.is_dir()):
        for namespace in sorted(p for p in host.iterdir() if p.is_dir()):
            for provider in sorted(p for p in namespace.iterdir() if p.is_dir()):
                found.append(f"{host.name}/{namespace.name}/{provider.name}")
    return found


def cli_config_text(mirror: Path) -> str:
    providers = ", ".join(f'"{address}"' for address in mirrored_providers(mirror))
    return (
        f"{CLI_CONFIG_HEADER}: install mirrored providers from the local mirror.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f"    include = [{providers}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{providers}]\n"
        "  }\n"
        "}\n"
    )


def terraform_environment(workdir: Path) -> dict[str, str]:
    """Environment variables for running terraform (and the cdktf CLI) from this project.

    Writes the CLI config into `workdir` when a mirror is in use.
    """
    env = {"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    mirror = find_mirror()
    if mirror is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        config_file = workdir.absolute() / CLI_CONFIG_NAME
        text = cli_config_text(mirror)
        if not config_file.is_file() or config_file.read_text() != text:
            config_file.write_text(text)
        env["TF_CLI_CONFIG_FILE"] = str(config_file)
    return env


LOCK_FILE = ".terraform.lock.hcl"


def mirrored_platforms(mirror: Path) -> list[str]:
    """The `<os>_<arch>` folders the mirror holds for the AWS provider, over all its versions."""
    root = mirror / AWS_PROVIDER_ADDRESS
    return sorted(
        {
            platform.name
            for version in root.iterdir()
            if version.is_dir()
            for platform in version.iterdir()
            if platform.is_dir() and "_" in platform.name
        }
    )


def write_lock_files(stack_dirs: list[Path]) -> list[Path]:
    """Give every synthesized stack without one a dependency lock file made from the mirror.

    Why: `cdktf diff`, `deploy`, `output` and `destroy` run `terraform providers lock` for a stack
    without a lock file, and that command ignores the CLI config's filesystem mirror: on a machine
    that reaches no registry they fail before any AWS call. With a lock file that already pins
    the mirrored provider, cdktf skips that step. The file comes from Terraform itself
    (`terraform providers lock -fs-mirror`, once, for the platforms the mirror holds) and is
    copied to the other stacks, which all require the same provider. Without a mirror, or
    without terraform here, nothing is written: the registry (or the user's setup) provides.
    Returns the lock files written.
    """
    missing = [stack for stack in stack_dirs if not (stack / LOCK_FILE).exists()]
    if not missing:
        return []
    try:
        mirror = find_mirror()
    except MirrorError:
        return []
    terraform = shutil.which("terraform")
    if mirror is None or terraform is None:
        return []
    first = missing[0]
    cached = _lock_cache_file(mirror, first)
    if cached is not None and cached.is_file():
        text = cached.read_text()
    else:
        platforms = [f"-platform={platform}" for platform in mirrored_platforms(mirror)]
        result = subprocess.run(
            [terraform, "providers", "lock", f"-fs-mirror={mirror}", *platforms],
            cwd=first,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env={**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"},
        )
        if result.returncode != 0 or not (first / LOCK_FILE).is_file():
            return []  # cdktf will say what is wrong when it runs terraform itself
        text = (first / LOCK_FILE).read_text()
        if cached is not None:
            with contextlib.suppress(OSError):  # a cache that cannot be written is no cache
                cached.parent.mkdir(parents=True, exist_ok=True)
                # Written aside, then renamed: a synth running beside this one reads a whole
                # file or none.
                partial = cached.with_suffix(f".{os.getpid()}.tmp")
                partial.write_text(text)
                partial.replace(cached)
    for stack in missing:
        (stack / LOCK_FILE).write_text(text)
    return missing


def _lock_cache_file(mirror: Path, stack: Path) -> Path | None:
    """Where the lock file made from this mirror for this provider constraint is kept.

    Hashing the provider takes Terraform about a second; synth runs on every `cdktf diff` and
    `deploy`. The key covers what the lock file depends on: the mirror's provider files (path,
    size, modification time) and the stack's version constraint.
    """
    try:
        document = json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8"))
        constraint = str(document["terraform"]["required_providers"]["aws"].get("version", ""))
        files = sorted(
            (str(path.relative_to(mirror)), path.stat().st_size, path.stat().st_mtime_ns)
            for path in (mirror / AWS_PROVIDER_ADDRESS).rglob("*")
            if path.is_file()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    key = hashlib.sha256(json.dumps([str(mirror), constraint, files]).encode()).hexdigest()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "finout-s3-telemetry" / f"lock-{key[:32]}.hcl"
