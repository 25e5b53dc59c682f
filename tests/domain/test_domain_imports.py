"""The domain imports nothing of the project but other domain modules (docs/architecture.md):
no cycle through the policy, the service layer or storage."""

from __future__ import annotations

import ast
from pathlib import Path

import recouvre.domain

DOMAIN = Path(recouvre.domain.__file__).parent


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_domain_modules_import_only_the_domain_from_the_project() -> None:
    outside = {
        f"{path.name}: {name}"
        for path in sorted(DOMAIN.glob("*.py"))
        for name in _imported(path)
        if name.startswith("recouvre") and not name.startswith("recouvre.domain")
    }
    assert not outside
