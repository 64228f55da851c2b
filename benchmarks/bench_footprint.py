"""(i) `pip install instructor` (no extra) in a fresh venv: the bytes of its files and its packages.

Builds a wheel of this checkout (`uv build`, else `pip wheel`), installs it with pip into a new
venv (pip compiles the bytecode, as a user's install does; the dependencies come from the
package index or pip's cache) and counts every file of every distribution there but pip and
setuptools, which the venv had before. Inside that venv, `python -m instructor doctor`'s own
count (`instructor.cli.footprint.base_install`) must agree: it is the line users see.

    .venv/bin/python benchmarks/bench_footprint.py     # prints the figures as JSON
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _harness import PYTHON, ROOT, BenchError, Row

BUDGET = "≤ 16 MB, ≤ 9 packages"
WHAT = "`pip install instructor` (no extra), fresh venv: files on disk and packages, pip and setuptools excluded"
_MEASURE = """
import json
from instructor.cli.footprint import base_install, whole_environment
print(json.dumps({"site": whole_environment().packages, "doctor": base_install().packages}))
"""


def _run(*cmd: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600)
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:3])}...: " + "\n".join(proc.stderr.strip().splitlines()[-3:]))
    return proc.stdout


def build_wheel(out: Path) -> Path:
    uv = shutil.which("uv", path=str(Path(PYTHON).parent)) or shutil.which("uv")
    if uv:
        _run(uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(ROOT))
    else:
        _run(PYTHON, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT))
    [wheel] = out.glob("instructor-*.whl")
    return wheel


def measure() -> dict[str, Any]:
    """Build, install in a fresh venv, count: {"site": {package: bytes}, "doctor": {...}, "wheel": name}."""
    with tempfile.TemporaryDirectory(prefix="instructor-footprint-") as tmp:
        wheel = build_wheel(Path(tmp) / "dist")
        venv = Path(tmp) / "venv"
        _run(sys.executable, "-m", "venv", str(venv))
        python = str(venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
        _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel))
        result: dict[str, Any] = json.loads(_run(python, "-c", _MEASURE, cwd=Path(tmp)).strip().splitlines()[-1])
        result["wheel"] = wheel.name
        return result


def footprint_row(result: dict[str, Any]) -> Row:
    """The row of (i) from `measure()`'s figures."""
    from instructor.cli.footprint import Footprint

    site = Footprint(result["site"])
    agrees = result["doctor"] == result["site"]
    note = site.listing() + ("" if agrees else f"; **the doctor counts otherwise**: {Footprint(result['doctor']).listing()}")
    return Row(key="i", what=WHAT, label="base install",
               ours=f"{site.total_bytes / 1e6:.1f} MB, {site.count} packages", budget=BUDGET,
               within=site.within and agrees, note=note, data=result)


def run() -> list[Row]:
    return [footprint_row(measure())]


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
