"""The documentation site builds in strict mode, and strict mode catches a broken link or reference."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.subprocess


def build(root: Path, env: dict[str, str], site: Path) -> subprocess.CompletedProcess[str]:
    # as scripts/test.sh runs it: strict, and not --quiet (which hides the warnings strict mode counts)
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=root, env={**env, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True,
                          timeout=300)


def test_a_broken_link_or_reference_fails_the_build(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", copy)
    shutil.copytree(ROOT / "docs", copy / "docs", symlinks=False)
    (copy / "instructor").symlink_to(ROOT / "instructor")  # mkdocstrings reads the sources
    (copy / "benchmarks").symlink_to(ROOT / "benchmarks")
    good = build(copy, subprocess_env, tmp_path / "site")
    assert good.returncode == 0, good.stdout + good.stderr
    hooks = copy / "docs" / "hooks.md"
    hooks.write_text(hooks.read_text() + "\nSee [the page](no-such-page.md) and [Hooks][instructor.NoSuchName].\n")
    broken = build(copy, subprocess_env, tmp_path / "site2")
    assert broken.returncode != 0
    assert "no-such-page.md" in broken.stderr and "instructor.NoSuchName" in broken.stderr
