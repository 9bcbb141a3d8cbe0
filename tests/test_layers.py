"""Layers point one way: config at the bottom, then policy documents and constructs taking plain
values, then stacks, then commands. Read from the import statements themselves (late imports
inside functions included), so a cycle cannot hide behind a late import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "finout_s3_telemetry"
SOURCE = REPO / "src" / PACKAGE

# Leaf modules any layer may use: they import nothing of the project but each other.
FOUNDATION = {"naming", "partitions", "terminal_text", "exit_codes", "endpoint_form"}

LAYERS: dict[str, tuple[list[Path], set[str]]] = {
    "config": (sorted((SOURCE / "config").glob("*.py")), {"config", *FOUNDATION}),
    "policy documents": ([SOURCE / "policy_documents.py"], set(FOUNDATION)),
    # The pipelines' policies are built from the config, as plain values: nothing of the
    # stacks, the checker or the commands.
    "pipeline policies": (
        [SOURCE / "pipeline_policies.py"],
        {"config", "policy_documents", "iam_policies", "iam_evaluation", *FOUNDATION},
    ),
    "constructs": (
        sorted((REPO / "constructs").glob("*.py")),
        {"constructs", "policy_documents", "engines", *FOUNDATION},
    ),
    "foundation": (
        [SOURCE / f"{name}.py" for name in sorted(FOUNDATION)],
        set(FOUNDATION),
    ),
}


def project_imports(path: Path) -> set[str]:
    """The first part below the package of every project module that `path` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == PACKAGE:
                names = [f"{PACKAGE}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == PACKAGE and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    files, allowed = LAYERS[layer]
    assert files
    wrong = {
        path.relative_to(REPO).as_posix(): sorted(project_imports(path) - allowed) for path in files
    }
    assert {path: modules for path, modules in wrong.items() if modules} == {}
