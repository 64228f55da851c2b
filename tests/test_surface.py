"""The stub is the public surface: every stub name resolves, every public runtime name is stubbed."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import instructor

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "instructor" / "__init__.pyi"
sys.path.insert(0, str(ROOT / "tools"))
import gen_exports  # noqa: E402


def stub_names() -> set[str]:
    names = set()
    for node in ast.parse(STUB.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_export_table_matches_stub() -> None:
    assert (ROOT / "instructor" / "_exports.py").read_text() == gen_exports.render(*gen_exports.read_stub())


def test_stub_reexports_are_explicit() -> None:
    for node in ast.parse(STUB.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            assert node.level == 1, "stub imports are relative"
            for alias in node.names:
                assert alias.name != "*"
                assert alias.asname == alias.name, f"write `from .{node.module} import {alias.name} as {alias.name}`"


def test_dir_lists_the_stub() -> None:
    assert set(dir(instructor)) == stub_names()
    assert set(instructor.__all__) == stub_names()


@pytest.mark.parametrize("name", sorted(stub_names()))
def test_every_stub_name_resolves(name: str) -> None:
    assert getattr(instructor, name) is not None


def test_unknown_attribute_is_a_clear_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'from_nowhere'"):
        instructor.from_nowhere  # noqa: B018
    assert not hasattr(instructor, "definitely_missing")


def test_public_runtime_names_are_in_the_stub() -> None:
    runtime_public = {n for n in vars(instructor) if not n.startswith("_")}
    # submodules the import system attaches as it loads them are not public names
    submodules = {n for n in runtime_public if type(getattr(instructor, n)).__name__ == "module"}
    assert runtime_public - submodules - stub_names() == set()


@pytest.mark.subprocess
@pytest.mark.parametrize("switch", ["INSTRUCTOR_EAGER_IMPORT", "EAGER_IMPORT"])
def test_eager_import_resolves_everything(switch: str, subprocess_env: dict[str, str]) -> None:
    """With every lazy import forced, the whole surface loads (and optional SDKs are not needed)."""
    code = "import json, instructor; print(json.dumps(sorted(k for k in vars(instructor) if not k.startswith('_'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**subprocess_env, switch: "1"})
    assert out.returncode == 0, out.stderr
    resolved = set(json.loads(out.stdout))
    assert stub_names() - {"__version__"} <= resolved


def test_exception_import_paths() -> None:
    import instructor.core.exceptions as core_exc

    with pytest.warns(DeprecationWarning, match="instructor.core"):
        import instructor.exceptions as exc

    for name in core_exc.__all__:
        if name == "StreamInterruptedError":
            assert getattr(core_exc, name) is getattr(instructor, name)
            continue
        assert getattr(exc, name) is getattr(core_exc, name) is getattr(instructor, name)


def test_missing_sdk_attribute_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """from_mistral exists without its SDK, and calling it names the pip extra."""
    monkeypatch.setitem(sys.modules, "mistralai", None)  # the environment has no mistralai
    assert callable(instructor.from_mistral)
    with pytest.raises(ImportError, match=r'pip install "instructor\[mistral\]"'):
        instructor.from_mistral(object())
