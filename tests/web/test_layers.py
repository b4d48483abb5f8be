"""Which way imports flow (docs/architecture.md): the views of every app render through
provmap.web and import no other app's views; web imports no views; no app's domain modules
(models, services, selectors, calculations) import web or any views."""

from __future__ import annotations

import ast
from pathlib import Path

import provmap

ROOT = Path(provmap.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _modules() -> dict[str, set[str]]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue
        found[".".join(("provmap", *parts))] = _imports(path)
    return found


def _is_views(name: str) -> bool:
    return ".views" in name and name.startswith("provmap.")


def _is_view_module(module: str) -> bool:
    # Views, and the URLconfs that route to them.
    return _is_views(module) or module.endswith(".urls") or module == "provmap.urls"


def test_web_imports_no_views():
    for module, names in _modules().items():
        if module.startswith("provmap.web"):
            assert not [name for name in names if _is_views(name)], module


def test_views_import_no_other_apps_views():
    for module, names in _modules().items():
        if not _is_view_module(module):
            continue
        app = module.split(".")[1]
        others = [
            name for name in names if _is_views(name) and not name.startswith(f"provmap.{app}.")
        ]
        assert not others, (module, others)


def test_domain_modules_import_no_views_and_no_web():
    for module, names in _modules().items():
        if _is_view_module(module) or module.startswith("provmap.web") or ".templatetags" in module:
            continue
        reached = [name for name in names if _is_views(name) or name.startswith("provmap.web")]
        assert not reached, (module, reached)
