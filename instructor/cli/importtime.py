"""The import profiler: what a statement imports, and what each import costs.

Each run is a fresh interpreter started with `python -X importtime`, which
executes an optional `setup`, then the statement, and reports three things
about the statement alone: its in-process wall time, the modules it added to
`sys.modules`, and the `-X importtime` tree of those imports. Several runs give
medians; modules are aggregated by package and the slowest are listed.

Bytecode is written as for any user (`PYTHONDONTWRITEBYTECODE` is dropped from
the child's environment) and one unmeasured run warms the caches first, so the
figures do not include compiling the sources.

Example:
    python -m instructor importtime "import instructor" --runs 7 --html import.html
    python -m instructor importtime check --budget tools/import_budget.json
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

START = "@@instructor-importtime:start"
END = "@@instructor-importtime:end"

# The child touches nothing but `sys` and `time` before the snapshot, so a module the
# statement needs is never hidden by the harness having loaded it first.
# `-X importtime` reports only imports that go through the interpreter's own import (`import x`,
# `__import__`); `importlib.import_module` (lazy_loader, instructor's registries) bypasses it, and
# the modules it loads would be missing from the tree. Where `importlib` is loaded already (a normal
# start; `-S` leaves it out, and importing it would hide it from the statement), absolute names go
# through `__import__` instead: the same modules, in the same order, now reported.
CHILD = f"""
import sys, time
_out, _stmt, _setup = sys.argv[1], sys.argv[2], sys.argv[3]
if len(sys.argv) > 4:
    sys.path[:] = sys.argv[4].split("\\n")
_importlib = sys.modules.get("importlib")
if _importlib is not None:
    _import_module = _importlib.import_module
    def _reported(name, package=None):
        if name.startswith("."):
            return _import_module(name, package)
        __import__(name)
        return sys.modules[name]
    _importlib.import_module = _reported
_ns = {{"__name__": "__importtime__"}}
exec(_setup, _ns)
_before = set(sys.modules)
sys.stderr.write({START!r} + "\\n"); sys.stderr.flush()
_err = ""
_t = time.perf_counter()
try:
    exec(compile(_stmt, "<statement>", "exec"), _ns)
except BaseException as _e:
    _err = type(_e).__name__ + ": " + str(_e)
_dt = time.perf_counter() - _t
sys.stderr.write({END!r} + "\\n"); sys.stderr.flush()
with open(_out, "w", encoding="utf-8") as _f:
    _f.write(repr(_dt) + "\\n")
    _f.write(_err.replace("\\n", " ") + "\\n")
    _f.write(str(_ns.get("__outcome__", "")).replace("\\n", " ") + "\\n")
    for _m in sorted(set(sys.modules) - _before):
        _f.write(_m + "\\t" + str(getattr(sys.modules.get(_m), "__file__", None) or "") + "\\n")
"""

# Variables that would make a measurement lie: eager imports, or no bytecode cache.
_SCRUBBED_ENV = ("PYTHONDONTWRITEBYTECODE", "INSTRUCTOR_EAGER_IMPORT", "EAGER_IMPORT", "PYTHONPROFILEIMPORTTIME")


@dataclass
class ImportNode:
    """One line of `-X importtime`: a module, its own time and its time with its imports."""

    name: str
    self_us: int
    cumulative_us: int
    children: list[ImportNode] = field(default_factory=list)

    def walk(self) -> Iterable[ImportNode]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Run:
    """What one fresh interpreter reported about the statement."""

    seconds: float
    added: dict[str, str]  # module name -> file ("" for built-in or namespace modules)
    roots: list[ImportNode]
    error: str = ""
    outcome: str = ""

    @property
    def ms(self) -> float:
        return self.seconds * 1000

    def nodes(self) -> Iterable[ImportNode]:
        for root in self.roots:
            yield from root.walk()

    def self_ms(self, patterns: Sequence[str]) -> float:
        """Milliseconds spent in the modules matching `patterns`, their own code only."""
        return sum(n.self_us for n in self.nodes() if matches_any(n.name, patterns)) / 1000


def matches(module: str, pattern: str) -> bool:
    """Whether `module` is `pattern` or inside it ("pydantic" matches "pydantic.main"); globs allowed."""
    return fnmatchcase(module, pattern) or fnmatchcase(module, pattern + ".*")


def matches_any(module: str, patterns: Iterable[str]) -> bool:
    return any(matches(module, p) for p in patterns)


def is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or top.startswith("_sysconfigdata")


def parse_importtime(lines: Iterable[str]) -> list[ImportNode]:
    """Build the import tree from `-X importtime` lines (printed children first, indented)."""
    pending: dict[int, list[ImportNode]] = {}
    for line in lines:
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3:
            continue
        try:
            self_us, cumulative_us = int(parts[0]), int(parts[1])
        except ValueError:
            continue  # the header line
        label = parts[2].rstrip("\n")[1:]  # one space follows the bar
        depth = (len(label) - len(label.lstrip(" "))) // 2
        node = ImportNode(label.strip(), self_us, cumulative_us, pending.pop(depth + 1, []))
        pending.setdefault(depth, []).append(node)
    roots: list[ImportNode] = []
    for depth in sorted(pending):  # an unfinished parent (a failed import) leaves orphans
        roots.extend(pending[depth])
    return roots


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured interpreter: ours, minus what would skew it, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update(extra or {})
    return env


_PATHS: dict[tuple[str, frozenset[tuple[str, str]]], str] = {}


def site_path(python: str, env: dict[str, str]) -> str:
    """The `sys.path` a normal `python -c` gets in `env` (after site and .pth files ran)."""
    key = (python, frozenset(env.items()))
    if key not in _PATHS:
        proc = subprocess.run([python, "-c", "import sys; print(chr(10).join(sys.path))"],
                              capture_output=True, text=True, env=env, timeout=120, check=True)
        _PATHS[key] = proc.stdout.rstrip("\n")
    return _PATHS[key]


def run_once(
    statement: str,
    *,
    setup: str = "",
    env: dict[str, str] | None = None,
    python: str | None = None,
    site: bool = True,
    timeout: float = 300,
) -> Run:
    """Run `statement` once in a fresh `python -X importtime` and read what it reported.

    With `site=False` the interpreter starts with `-S` and the `sys.path` a
    normal start would give: the same packages are found, but no `.pth` hook
    of some unrelated installed package pre-imports modules at startup (which
    would hide them from the statement's added modules).

    Raises:
        RuntimeError: the interpreter failed before reporting (a broken `setup`).
    """
    python = python or sys.executable
    full_env = child_env(env)
    flags = ["-X", "importtime"] if site else ["-S", "-X", "importtime"]
    with tempfile.TemporaryDirectory(prefix="importtime-") as tmp:
        out = Path(tmp) / "result.txt"
        cmd = [python, *flags, "-c", CHILD, str(out), statement, setup]
        if not site:
            cmd.append(site_path(python, full_env))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout)
        if not out.exists():
            tail = "\n".join(proc.stderr.splitlines()[-15:])
            raise RuntimeError(
                f"The interpreter measuring {statement!r} exited with {proc.returncode} before "
                f"reporting (setup {setup!r}). Its stderr ends with:\n{tail}"
            )
        seconds, error, outcome, *modules = out.read_text(encoding="utf-8").split("\n")
    stderr = proc.stderr.splitlines()
    start = stderr.index(START) + 1 if START in stderr else 0
    end = stderr.index(END) if END in stderr else len(stderr)
    added = dict(m.split("\t", 1) for m in modules if m)
    return Run(float(seconds), added, parse_importtime(stderr[start:end]), error, outcome)


def run_many(statement: str, runs: int, *, setup: str = "", env: dict[str, str] | None = None,
             site: bool = True, warmup: bool = True) -> list[Run]:
    """`runs` fresh interpreters one after the other, after one unmeasured warm-up."""
    if warmup:
        run_once(statement, setup=setup, env=env, site=site)
    return [run_once(statement, setup=setup, env=env, site=site) for _ in range(max(1, runs))]


# -- aggregation ---------------------------------------------------------------------------
@dataclass
class ModuleStat:
    name: str
    self_ms: float
    cumulative_ms: float
    seen: int


@dataclass
class PackageStat:
    package: str
    modules: int
    self_ms: float


@dataclass
class Profile:
    """Several runs of one statement, summarised by medians."""

    statement: str
    runs: list[Run]
    setup: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(r.ms for r in self.runs)

    @property
    def representative(self) -> Run:
        """The run whose in-process time is the median one (drawn in the waterfall)."""
        ordered = sorted(self.runs, key=lambda r: r.seconds)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def added(self) -> dict[str, str]:
        return self.runs[0].added

    def own_ms(self, patterns: Sequence[str]) -> float:
        """Median of the self time spent in modules matching `patterns`."""
        return statistics.median(r.self_ms(patterns) for r in self.runs)

    def modules(self) -> list[ModuleStat]:
        """Every imported module with its median self and cumulative time, slowest first."""
        by_name: dict[str, list[ImportNode]] = {}
        for run in self.runs:
            for node in run.nodes():
                by_name.setdefault(node.name, []).append(node)
        stats = [
            ModuleStat(name, statistics.median(n.self_us for n in nodes) / 1000,
                       statistics.median(n.cumulative_us for n in nodes) / 1000, len(nodes))
            for name, nodes in by_name.items()
        ]
        return sorted(stats, key=lambda s: s.self_ms, reverse=True)

    def packages(self) -> list[PackageStat]:
        """Self time summed per top-level package, median over runs, slowest first."""
        per_run: list[dict[str, float]] = []
        counts: dict[str, set[str]] = {}
        for run in self.runs:
            totals: dict[str, float] = {}
            for node in run.nodes():
                top = node.name.split(".")[0]
                totals[top] = totals.get(top, 0.0) + node.self_us / 1000
                counts.setdefault(top, set()).add(node.name)
            per_run.append(totals)
        stats = [PackageStat(top, len(names), statistics.median(t.get(top, 0.0) for t in per_run))
                 for top, names in counts.items()]
        return sorted(stats, key=lambda s: s.self_ms, reverse=True)


def profile(statement: str, runs: int = 5, *, setup: str = "", env: dict[str, str] | None = None,
            site: bool = True) -> Profile:
    """Run `statement` in `runs` fresh interpreters and summarise it.

    Example:
        >>> p = profile("import instructor", runs=5)
        >>> p.median_ms, sorted(p.added)
    """
    return Profile(statement, run_many(statement, runs, setup=setup, env=env, site=site), setup)


def report(prof: Profile, *, top: int = 15, style: str = "plain", out: Any = None) -> None:
    """Print the summary, the packages and the slowest modules of a profile."""
    from instructor.cli._render import print_table

    out = out or sys.stdout
    times = sorted(r.ms for r in prof.runs)
    total_ms = statistics.median(sum(n.self_us for n in r.nodes()) for r in prof.runs) / 1000
    out.write(
        f"{prof.statement}\n"
        f"  {len(prof.runs)} fresh processes: median {prof.median_ms:.1f} ms in-process "
        f"(min {times[0]:.1f}, max {times[-1]:.1f}); {len(prof.added)} modules added; "
        f"{total_ms:.1f} ms inside imports (median, -X importtime)\n"
    )
    errors = {r.error for r in prof.runs if r.error}
    if errors:
        out.write(f"  the statement raised: {'; '.join(sorted(errors))}\n")
    out.write("\n")
    packages = prof.packages()
    print_table("By package (self time, median over runs)", ["package", "modules", "ms", "share"],
                [[p.package, p.modules, f"{p.self_ms:.2f}", f"{p.self_ms / total_ms:.0%}" if total_ms else "-"]
                 for p in packages[:top]], right=(1, 2, 3), style=style, stream=out)
    out.write("\n")
    print_table(f"Slowest {min(top, len(prof.modules()))} modules (median over runs)",
                ["module", "self ms", "cumulative ms", "runs"],
                [[m.name, f"{m.self_ms:.2f}", f"{m.cumulative_ms:.2f}", f"{m.seen}/{len(prof.runs)}"]
                 for m in prof.modules()[:top]], right=(1, 2, 3), style=style, stream=out)


def write_log(prof: Profile, path: str | Path) -> None:
    """The median run as a `-X importtime` log (readable by `tuna`, for instance)."""
    lines = ["import time: self [us] | cumulative | imported package"]

    def emit(node: ImportNode, depth: int) -> None:
        for child in node.children:
            emit(child, depth + 1)
        lines.append(f"import time: {node.self_us:>9} | {node.cumulative_us:>10} | {'  ' * depth}{node.name}")

    for root in prof.representative.roots:
        emit(root, 0)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- command line ----------------------------------------------------------------------------
def build_parser(prog: str = "python -m instructor importtime") -> Any:
    import argparse

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Profile what a statement imports, in fresh interpreters (python -X importtime). "
                    f"To check a budget file instead: {prog} check --budget FILE",
    )
    parser.add_argument("statement", nargs="?", default="import instructor",
                        help="the Python statement to profile (default: %(default)r)")
    parser.add_argument("--setup", default="", help="code run first in each process, not measured")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes, medians reported (default 5)")
    parser.add_argument("--top", type=int, default=15, help="rows in each table (default 15)")
    parser.add_argument("--html", metavar="FILE", help="write an icicle waterfall a browser opens")
    parser.add_argument("--svg", metavar="FILE", help="write the waterfall as a standalone SVG")
    parser.add_argument("--log", metavar="FILE", help="write the median run as an -X importtime log (for tuna)")
    parser.add_argument("--no-site", action="store_true",
                        help="start with -S (same sys.path) so .pth hooks of other packages do not pre-import")
    parser.add_argument("--style", choices=("auto", "plain", "rich"), default="auto",
                        help="table style; rich only when installed (default: auto)")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m instructor importtime",
         default_budget: str | None = None) -> int:
    """`importtime [STATEMENT] ...` profiles; `importtime check ...` checks a budget file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"]:
        from instructor.cli.budget import main as check_main

        return check_main(argv[1:], prog=f"{prog} check", default_budget=default_budget)
    args = build_parser(prog).parse_args(argv)
    prof = profile(args.statement, args.runs, setup=args.setup, site=not args.no_site)
    report(prof, top=args.top, style=args.style)
    if args.html or args.svg:
        from instructor.cli.waterfall import write_html, write_svg

        if args.html:
            write_html(prof, args.html)
            print(f"\nwaterfall: {Path(args.html).resolve()} (open it in a browser)")
        if args.svg:
            write_svg(prof, args.svg)
            print(f"waterfall: {Path(args.svg).resolve()}")
    if args.log:
        write_log(prof, args.log)
        print(f"importtime log: {Path(args.log).resolve()} (e.g. `tuna {args.log}`)")
    return 1 if any(r.error for r in prof.runs) else 0
