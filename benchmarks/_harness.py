"""What every benchmark shares: fresh processes, interleaving, medians, ratios, the machine.

Each comparison runs the same work two ways (instructor, and the bare SDK doing
the same thing) in the same run, alternating the order pair by pair (A B, B A,
...) so a burst of load from elsewhere hits both sides alike. Figures are
medians; the ratio is the median of the per-pair ratios (instructor / bare, each
pair run back to back), and the spread is their interquartile range. Ratios
hold from one machine to the next far better than milliseconds do.

Wall-clock time is the figure (what a user waits for). CPU time of the same
processes is reported next to it: other processes on a busy machine delay a
process without adding to its CPU time, so when the two ratios disagree, the
machine was loaded and the CPU-time ratio is the steadier one.

Child processes get the caller's environment minus what would skew them
(`PYTHONDONTWRITEBYTECODE`: users have bytecode caches; eager-import switches;
real API keys and base URLs, so nothing can reach a real provider), plus dummy
AWS credentials for boto3.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # a checkout without an install (children run in ROOT, so they find it too)

_KEY_VARS = {
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "AWS_PROFILE",
    "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION",
}
_DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIABENCHMARK", "AWS_SECRET_ACCESS_KEY": "benchmark", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
}


def bench_env() -> dict[str, str]:
    from instructor.cli.importtime import child_env

    env = {k: v for k, v in child_env().items() if k not in _KEY_VARS}
    env.update(_DUMMY_AWS)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


# The child starts its clocks before the first statement of the body and reports the
# elapsed and CPU time, its module count and its resident memory after the body has run.
_CHILD = """
import time as _bench_time
_bench_c0 = _bench_time.process_time()
_bench_t0 = _bench_time.perf_counter()
{body}
_bench_elapsed = _bench_time.perf_counter() - _bench_t0
_bench_cpu = _bench_time.process_time() - _bench_c0
import sys as _bench_sys


def _bench_rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if _bench_sys.platform == "darwin" else peak * 1024


print("@@bench", _bench_elapsed, _bench_cpu, len(_bench_sys.modules), _bench_rss(), repr(globals().get("RESULT")))
"""


class BenchError(RuntimeError):
    """A child process failed; the message carries the end of its stderr."""


@dataclass
class Sample:
    """One fresh process: wall time seen from outside, in-process wall and CPU time, modules, memory."""

    wall_s: float
    elapsed_s: float
    cpu_s: float
    modules: int
    rss_bytes: int
    result: str


def run_child(body: str, env: dict[str, str] | None = None, timeout: float = 300) -> Sample:
    code = _CHILD.format(body=textwrap.dedent(body).strip())
    start = time.perf_counter()
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env or bench_env(),
                          timeout=timeout, cwd=ROOT)
    wall = time.perf_counter() - start
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("@@bench ")), None)
    if proc.returncode != 0 or line is None:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        raise BenchError(tail or f"exit status {proc.returncode}")
    _, elapsed, cpu, modules, rss, result = line.split(" ", 5)
    return Sample(wall, float(elapsed), float(cpu), int(modules), int(rss), result)


def interleaved(ours: str, bare: str, pairs: int, *, env: dict[str, str] | None = None,
                warmup: int = 1) -> tuple[list[Sample], list[Sample]]:
    """`pairs` fresh processes of each body, alternating which goes first, after a warm-up of each."""
    env = env or bench_env()
    for _ in range(warmup):  # writes bytecode caches, fills the page cache
        run_child(bare, env)
        run_child(ours, env)
    a: list[Sample] = []
    b: list[Sample] = []
    for i in range(pairs):
        if i % 2 == 0:
            b.append(run_child(bare, env))
            a.append(run_child(ours, env))
        else:
            a.append(run_child(ours, env))
            b.append(run_child(bare, env))
    return a, b


# -- statistics ------------------------------------------------------------------------------
def quartiles(values: Sequence[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


@dataclass
class Comparison:
    """Paired measurements of instructor (`ours`) and the bare SDK (`bare`), same unit."""

    ours: list[float]
    bare: list[float]

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def bare_median(self) -> float:
        return statistics.median(self.bare)

    @property
    def ratio(self) -> float:
        """The median of the per-pair ratios: each pair ran back to back, under the same load."""
        return statistics.median(self.pair_ratios)

    @property
    def pair_ratios(self) -> list[float]:
        return [o / b for o, b in zip(self.ours, self.bare, strict=True)]

    @property
    def ratio_iqr(self) -> tuple[float, float]:
        return quartiles(self.pair_ratios)

    @property
    def delta_median(self) -> float:
        """Median of the per-pair differences (robust to drifts in load)."""
        return statistics.median(o - b for o, b in zip(self.ours, self.bare, strict=True))


def compare(a: list[Sample], b: list[Sample], metric: Callable[[Sample], float]) -> Comparison:
    return Comparison([metric(s) for s in a], [metric(s) for s in b])


# -- rows of the results table ----------------------------------------------------------------
@dataclass
class Row:
    """One line of the results table (and one bar of the plot when it has a ratio)."""

    key: str  # "a", "b", ... the benchmark letter of the issue
    what: str
    label: str = ""  # a short name for the plot
    ours: str = ""
    bare: str = ""
    ratio: float | None = None
    spread: tuple[float, float] | None = None
    cpu_ratio: float | None = None  # the same ratio in CPU time (steadier on a busy machine)
    budget: str = ""
    budget_ratio: float | None = None  # the budget as a ratio, drawn on the plot
    within: bool | None = None  # None: no budget, not measured, or the spread straddles the budget
    status: str = "measured"  # measured | unavailable | pending | error
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verdict(spread: tuple[float, float], budget: float | None) -> bool | None:
    """Within the budget (the whole interquartile range is), over it (all of it is), else None: too noisy to say."""
    if budget is None:
        return None
    low, high = spread
    if high <= budget:
        return True
    if low > budget:
        return False
    return None


def ratio_row(key: str, what: str, comparison: Comparison, *, unit: str, scale: float = 1.0,
              digits: int = 1, budget_ratio: float | None = None, budget: str = "", note: str = "",
              label: str = "", cpu: Comparison | None = None, data: dict[str, Any] | None = None) -> Row:
    ratio = comparison.ratio
    return Row(
        key=key, what=what, label=label,
        ours=f"{comparison.ours_median * scale:.{digits}f} {unit}",
        bare=f"{comparison.bare_median * scale:.{digits}f} {unit}",
        ratio=ratio, spread=comparison.ratio_iqr, cpu_ratio=cpu.ratio if cpu else None,
        budget=budget or (f"≤ {budget_ratio:.2f}x" if budget_ratio else ""),
        budget_ratio=budget_ratio,
        within=verdict(comparison.ratio_iqr, budget_ratio),
        note=note, data={**(data or {}), "samples": {"ours": comparison.ours, "bare": comparison.bare}},
    )


def unavailable(key: str, what: str, reason: str, *, budget: str = "", status: str = "unavailable") -> Row:
    return Row(key=key, what=what, budget=budget, status=status, note=reason)


# -- the machine ----------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _versions(names: Sequence[str]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "arch": platform.machine(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "packages": _versions(["instructor", "pydantic", "lazy_loader", "openai", "anthropic", "boto3", "httpx"]),
    }


# -- a fake provider in its own process (as a real provider would be) -------------------------
_SERVER = """
import sys, time
from instructor.testing import FakeProvider, Reply, ToolCall
data = sys.stdin.read()
fake = FakeProvider().start()
{setup}
print(fake.openai_base_url, flush=True)
while True:  # until the benchmark kills this process
    time.sleep(3600)
"""


class ServerProcess:
    """`instructor.testing.FakeProvider` in a child process; `setup` scripts it (names: `fake`, `Reply`,
    `ToolCall`, and `data`, the text given as `stdin`). Its CPU is on neither side of a comparison.

    Example:
        >>> with ServerProcess("fake.always(Reply.tool('User', {'name': 'Jo', 'age': 3}))") as url: ...
    """

    def __init__(self, setup: str, stdin: str = "") -> None:
        self.setup = setup
        self.stdin = stdin
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        self.proc = subprocess.Popen([PYTHON, "-c", _SERVER.format(setup=textwrap.dedent(self.setup))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(self.stdin)
        self.proc.stdin.close()
        url = self.proc.stdout.readline().strip()
        if not url:
            raise BenchError("the fake provider process did not start")
        return url

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def paired_rounds(ours: Callable[[], Any], bare: Callable[[], Any], rounds: int) -> tuple[Comparison, Comparison]:
    """`rounds` pairs of one run per side, alternating which goes first: (wall, CPU) seconds per run."""
    import gc

    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])

    def timed(side: int, fn: Callable[[], Any]) -> None:
        gc.collect()
        cpu, start = time.process_time(), time.perf_counter()
        fn()
        walls[side].append(time.perf_counter() - start)
        cpus[side].append(time.process_time() - cpu)

    for i in range(rounds):
        order = [(0, ours), (1, bare)] if i % 2 else [(1, bare), (0, ours)]
        for side, fn in order:
            timed(side, fn)
    return Comparison(*walls), Comparison(*cpus)


def child_json(script: Path, *args: str, timeout: float = 900) -> Any:
    """Run `script --child args...` in a fresh process; its last stdout line is JSON."""
    import json

    proc = subprocess.run([PYTHON, str(script), "--child", *args], capture_output=True, text=True,
                          env=bench_env(), timeout=timeout, cwd=script.parent)
    if proc.returncode != 0:
        raise BenchError((proc.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])
