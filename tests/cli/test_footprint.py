"""The base install's footprint: which packages `pip install instructor` brings, their bytes, the budget.

`instructor.cli.footprint` reads package metadata (RECORD, Requires-Dist); here it reads this
environment's, and a site folder made on the spot whose every byte is known.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from instructor.cli.doctor import check_footprint
from instructor.cli.footprint import (
    BUDGET_BYTES,
    BUDGET_PACKAGES,
    Footprint,
    base_install,
    whole_environment,
)

#: what `pip install instructor` brings: instructor, its three dependencies, and theirs
BASE = {"instructor", "lazy-loader", "packaging", "pydantic", "pydantic-core", "annotated-types",
        "typing-extensions", "typing-inspection", "docstring-parser"}


def test_the_base_install_is_the_budgeted_set_of_packages() -> None:
    """Read from this venv's metadata: a dependency added to pyproject.toml shows here (after bootstrap)."""
    found = base_install()
    assert set(found.packages) == BASE, "the base install changed: is a new dependency needed by every user?"
    assert not {"polyfactory", "faker", "vcrpy"} & set(found.packages)  # test helpers: the `testing` extra
    assert found.count <= BUDGET_PACKAGES and found.total_bytes <= BUDGET_BYTES, found.listing()
    assert found.missing == []


def _dist(site: Path, name: str, requires: list[str], files: dict[str, int]) -> None:
    """A distribution in `site`: METADATA with `requires`, RECORD listing `files` (path -> bytes)."""
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("\n".join(["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0",
                                              *(f"Requires-Dist: {r}" for r in requires)]) + "\n")
    for path, size in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(b"x" * size)
    record = [f"{path},," for path in files] + [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    tag = sys.implementation.cache_tag
    _dist(tmp_path, "app", ["dep-a>=1", 'dep-b[fast]; python_version >= "3"', 'dev-only; extra == "test"',
                            'legacy; python_version < "3"', "ghost"], {"app/__init__.py": 1000})
    _dist(tmp_path, "dep-a", [], {"dep_a.py": 200})
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / f"dep_a.{tag}.pyc").write_bytes(b"c" * 70)  # written at import, not in RECORD
    (tmp_path / "__pycache__" / "dep_a.other-99.pyc").write_bytes(b"c" * 5000)  # another interpreter's
    _dist(tmp_path, "dep-b", ['speedup; extra == "fast"', 'slow; extra == "slow"'], {"dep_b/core.py": 300})
    _dist(tmp_path, "speedup", [], {"speedup.py": 40})
    for name in ("dev-only", "slow", "legacy", "pip"):
        _dist(tmp_path, name, [], {f"{name.replace('-', '_')}.py": 10_000})
    return tmp_path


def _metadata_bytes(site: Path, name: str) -> int:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    return sum(p.stat().st_size for p in info.iterdir())


def test_the_closure_follows_markers_and_extras_and_counts_bytes_on_disk(site: Path) -> None:
    found = base_install("app", path=[str(site)])
    # not the `test` extra, not a marker false here, not dep-b's extra nobody asked for; dep-b[fast] brings speedup
    assert set(found.packages) == {"app", "dep-a", "dep-b", "speedup"}
    assert found.missing == ["ghost"] and not found.editable
    # RECORD's files plus this interpreter's bytecode cache of each module; no other interpreter's
    assert found.packages["dep-a"] == 200 + 70 + _metadata_bytes(site, "dep-a")
    assert found.packages["app"] == 1000 + _metadata_bytes(site, "app")
    assert found.count == 4 and found.within
    everything = whole_environment(path=[str(site)])
    assert set(everything.packages) == {"app", "dep-a", "dep-b", "speedup", "dev-only", "slow", "legacy"}  # no pip


def test_an_editable_install_counts_the_source_folder(site: Path) -> None:
    record = site / "app-1.0.dist-info" / "RECORD"
    record.write_text("__editable__.app-1.0.pth,,\napp-1.0.dist-info/METADATA,,\n")  # no module of the package
    (site / "__editable__.app-1.0.pth").write_text(str(site))
    sys.path.insert(0, str(site))
    try:
        found = base_install("app", path=[str(site)])
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("app", None)
    assert found.editable and found.packages["app"] == 1000  # app/__init__.py, from the folder itself


def test_the_budget_verdict_and_the_doctor_line() -> None:
    over = Footprint({"a": BUDGET_BYTES, "b": 1})
    assert not over.within and over.listing() == f"a {BUDGET_BYTES / 1e6:.1f} MB, b 0.0 MB"
    assert not Footprint({str(i): 1 for i in range(BUDGET_PACKAGES + 1)}).within
    [line] = check_footprint()
    assert line.level == "ok" and line.what.startswith("base install (no extra): ")
    assert f"in {len(BASE)} packages, within the budget of <= 16 MB / <= 9 packages" in line.what
    assert "pydantic-core" in line.what
