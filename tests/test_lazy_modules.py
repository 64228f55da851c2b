"""Every third-party module imported at the top of an instructor module is in its `__lazy_modules__`.

On Python 3.15+ (PEP 810) the interpreter then defers those imports by itself;
on older Pythons the list is inert, and the import path stays lazy because
these modules are only reached through lazily resolved names.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "instructor"
OURS = {"instructor", "lazy_loader", "__future__"}


def top_level_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:  # module level only: imports inside functions are lazy already
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def lazy_modules(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__lazy_modules__"
                                                for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "testing" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_third_party_top_level_imports_are_declared_lazy(path: Path) -> None:
    tree = ast.parse(path.read_text())
    third_party = {name for name in top_level_imports(tree)
                   if name.split(".")[0] not in OURS and name.split(".")[0] not in sys.stdlib_module_names}
    declared = lazy_modules(tree)
    missing = {name for name in third_party if name not in declared and name.split(".")[0] not in declared}
    assert not missing, f"add {sorted(missing)} to __lazy_modules__ in {path.name}"
