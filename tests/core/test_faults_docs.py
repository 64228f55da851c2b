"""docs/guarantees.md names tests that exist, and its counts are the suite's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from provider_families import installed_families

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "guarantees.md").read_text()


def defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_every_test_the_doc_names_exists() -> None:
    named = set(re.findall(r"`(test_\w+)", DOC))
    assert named, "the doc names the tests that hold each guarantee"
    assert not named - defined_tests(), f"named in docs/guarantees.md but not defined: {named - defined_tests()}"


def test_the_doc_counts_the_families_there_are() -> None:
    families = installed_families()
    providers = {f.provider for f in families}
    assert f"{len(families)} families over {len(providers)} providers" in DOC
