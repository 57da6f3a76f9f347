"""DESIGN.md's layer rule: imports between Headwater packages point downwards only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "headwater"

# package -> the Headwater packages it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "asl": set(),
    "events": set(),
    "glue": set(),
    "catalog": set(),
    "store": set(),
    "lake": set(),
    "query": set(),
    "runtime": {"asl", "events", "glue", "catalog", "store", "lake", "query"},
    "services": {"asl", "events", "glue", "catalog", "store", "lake", "query", "runtime"},
    "api": {"asl", "events", "glue", "catalog", "store", "lake", "query", "runtime", "services"},
    "console": {
        "asl",
        "events",
        "glue",
        "catalog",
        "store",
        "lake",
        "query",
        "runtime",
        "services",
    },
    "cli": {
        "asl",
        "events",
        "glue",
        "catalog",
        "store",
        "lake",
        "query",
        "runtime",
        "services",
        "api",
        "console",
    },
}
# Third-party modules the pure packages may not import: no network, disk or clock there.
PURE = {"asl", "events", "glue", "catalog"}
IMPURE_MODULES = {
    "socket",
    "http",
    "urllib",
    "requests",
    "httpx",
    "sqlalchemy",
    "sqlite3",
    "time",
    "asyncio",
    "subprocess",
    "os",
    "random",
    "uuid",
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules() -> list[tuple[str, Path]]:
    return [
        (p.relative_to(SRC).parts[0], p)
        for p in sorted(SRC.rglob("*.py"))
        if len(p.relative_to(SRC).parts) > 1
    ]


@pytest.mark.parametrize(("package", "path"), _modules(), ids=lambda v: str(v))
def test_imports_point_downwards(package: str, path: Path) -> None:
    assert package in ALLOWED, f"{package} is not a package of DESIGN.md's layer table"
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "headwater" and len(parts) > 1 and parts[1] in ALLOWED:
            target = parts[1]
            assert target == package or target in ALLOWED[package], (
                f"{path.relative_to(SRC)} imports headwater.{target}, "
                f"which {package} may not import"
            )
        if package in PURE:
            assert parts[0] not in IMPURE_MODULES, (
                f"pure package module {path.relative_to(SRC)} imports {name}"
            )
