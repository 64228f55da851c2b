"""The core's imports point one way: no provider, root feature module or processing/, and no circle.

Read from the source with `ast` (imports inside functions count: they run too, only later), so a
new import that breaks the layering fails here with the module and line that added it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "instructor"
CORE = PACKAGE / "core"

#: what `core/` may not import: provider code, the root feature modules, processing/
OUTSIDE = ("instructor.providers.", "instructor.cache", "instructor.multimodal", "instructor.processing",
           "instructor.batch")
#: reading the built-in catalogue's dotted paths is how the registries reach providers
ALLOWED = frozenset({"instructor.providers._catalog"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of `path` that runs (those under `if TYPE_CHECKING:` never do)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(inner) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for statement in node.body for inner in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:  # `from instructor.core import schema` imports a module
                yield node.lineno, f"{node.module}.{alias.name}"


CORE_FILES = sorted(CORE.rglob("*.py"))


def _within(module: str, modules: set[str] | frozenset[str]) -> bool:
    """`module` is one of `modules` or a name inside one (`from m import name` reads as `m.name` too)."""
    return any(module == m or module.startswith(m + ".") for m in modules)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_imports_no_provider_feature_or_processing_module(path: Path) -> None:
    where = str(path.relative_to(PACKAGE.parent))
    wrong = sorted({f"{where}:{line}: {module}" for line, module in _imports(path)
                    if module.startswith(OUTSIDE) and not _within(module, ALLOWED)})
    assert wrong == [], "core/ reaches outward (use a registry, the handler contract or a parameter)"


def test_no_import_circle_runs_through_core() -> None:
    modules = {_module_name(path): path for path in CORE_FILES}
    graph = {name: {m for _, m in _imports(path) if m in modules and m != name} for name, path in modules.items()}

    def circle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*trail, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
        return None

    circles = [circle for name in sorted(graph) if (circle := circle_from(name))]
    assert circles == [], f"import circles in core/: {circles}"


def test_the_walk_sees_imports_inside_functions() -> None:
    """The checks above would pass vacuously if function-level imports were missed."""
    found = {module for _, module in _imports(CORE / "client.py")}
    assert "instructor.core.retry" in found and "instructor.core.call" in found
