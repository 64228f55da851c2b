"""What `pip install instructor` (no extra) puts on disk: its packages and the size of their files.

Serverless users pay for every megabyte (package size limits, cold-start unpacking), so the
base install has a budget (DESIGN.md): at most 16 MB of files in at most 9 packages, pip and
setuptools excluded. `python -m instructor doctor` reports it for the running environment and
`benchmarks/bench_footprint.py` for a fresh venv, so a regression shows.

Counted from package metadata, nothing imported: instructor and the closure of its base
requirements (those without an `extra == ...` marker), each distribution's files as its
RECORD lists them plus the bytecode caches of its modules, as they are on disk (pip compiles
them at install; other installers leave them to the first import). An editable install counts
instructor's source folder instead of its RECORD, which lists only a path hook.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import Distribution
from pathlib import Path

BUDGET_BYTES = 16_000_000  # MB as pip and PyPI count them: 10**6 bytes
BUDGET_PACKAGES = 9
NOT_COUNTED = frozenset({"pip", "setuptools"})  # what a venv brings before anything is installed

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


@dataclass(frozen=True)
class Footprint:
    """Distributions (normalised name -> bytes of files on disk) and what the budget says of them."""

    packages: dict[str, int]
    missing: list[str] = field(default_factory=list)  # required, not installed: not counted
    editable: bool = False

    @property
    def total_bytes(self) -> int:
        return sum(self.packages.values())

    @property
    def count(self) -> int:
        return len(self.packages)

    @property
    def within(self) -> bool:
        return self.total_bytes <= BUDGET_BYTES and self.count <= BUDGET_PACKAGES

    def listing(self) -> str:
        """`pydantic-core 5.6 MB, pydantic 4.1 MB, ...`, largest first."""
        ranked = sorted(self.packages.items(), key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in ranked)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_install(root: str = "instructor", path: Sequence[str] | None = None) -> Footprint:
    """`root` and every distribution its base requirements pull in, transitively.

    Args:
        root: the distribution whose base install is measured.
        path: where to look for distributions (default: `sys.path`).
    """
    found: dict[str, Distribution] = {}
    missing: set[str] = set()
    queue: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while queue:
        name, extras = queue.pop()
        key = normalize(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        dist = found.get(key) or _find(name, path)
        if dist is None:
            missing.add(name)
            continue
        found[key] = dist
        queue.extend(_requirements(dist, extras))
    editable = _is_editable(found[normalize(root)], root) if normalize(root) in found else False
    packages = {key: (_source_bytes(root) if editable and key == normalize(root) else _bytes_on_disk(dist))
                for key, dist in found.items()}
    return Footprint(packages, sorted(missing), editable)


def whole_environment(path: Sequence[str] | None = None, exclude: Iterable[str] = NOT_COUNTED) -> Footprint:
    """Every distribution installed (but `exclude`): what a fresh venv holds after one install."""
    skip = {normalize(name) for name in exclude}
    packages: dict[str, int] = {}
    for dist in Distribution.discover(path=list(path) if path is not None else sys.path):
        key = normalize(dist.metadata["Name"] or "")
        if key and key not in skip and key not in packages:
            packages[key] = _bytes_on_disk(dist)
    return Footprint(packages)


def _find(name: str, path: Sequence[str] | None) -> Distribution | None:
    found = Distribution.discover(name=name, path=list(path) if path is not None else sys.path)
    return next(iter(found), None)


def _requirements(dist: Distribution, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """The requirements `dist` brings with `extras` (none: the base install), for this interpreter."""
    wanted: list[tuple[str, frozenset[str]]] = []
    for line in dist.requires or []:
        match = _NAME.match(line)
        if match is None:
            continue
        marker = line.partition(";")[2].strip()
        if marker and not _applies(marker, extras):
            continue
        own = frozenset(e.strip() for e in (match.group(2) or "").split(",") if e.strip())
        wanted.append((match.group(1), own))
    return wanted


def _applies(marker: str, extras: frozenset[str]) -> bool:
    try:
        from packaging.markers import InvalidMarker, Marker
    except ImportError:  # packaging comes with lazy_loader; without it, only the extras are read
        named = set(re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker))
        return not named or bool(named & extras)
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return False
    return any(parsed.evaluate({"extra": extra}) for extra in ("", *sorted(extras)))


def _bytes_on_disk(dist: Distribution) -> int:
    """The files RECORD lists, and the bytecode caches of its modules for this interpreter."""
    files: set[Path] = set()
    for entry in dist.files or []:
        located = Path(str(entry.locate()))
        files.add(located)
        if located.suffix == ".py":
            files.update(_caches_of(located))
    return _sizes(files)


def _caches_of(module: Path) -> list[Path]:
    tag = sys.implementation.cache_tag
    folder = module.parent / "__pycache__"
    return [folder / f"{module.stem}.{tag}{opt}.pyc" for opt in ("", ".opt-1", ".opt-2")]


def _is_editable(dist: Distribution, root: str) -> bool:
    """An editable install: RECORD lists no module of the package, only a path hook."""
    return not any(str(entry).startswith(f"{root}/") for entry in dist.files or [])


def _source_bytes(root: str) -> int:
    """The files of the importable `root` package folder (an editable install's source tree)."""
    import importlib.util

    spec = importlib.util.find_spec(root)
    folders = list(spec.submodule_search_locations or []) if spec else []
    files: set[Path] = set()
    for folder in folders:
        for dirpath, _, names in os.walk(folder):
            if os.path.basename(dirpath) == "__pycache__":
                continue  # counted by module below: this interpreter's caches, not pytest's or others'
            for name in names:
                files.add(Path(dirpath, name))
                if name.endswith(".py"):
                    files.update(_caches_of(Path(dirpath, name)))
    return _sizes(files)


def _sizes(files: Iterable[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:  # listed, not on disk (a cache not written yet, a file removed)
            continue
    return total
