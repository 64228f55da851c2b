"""Many threads make their *first* access to lazily resolved names at once, in a fresh interpreter.

Run as `python concurrency_harness.py '<spec json>'`; prints one JSON report on stdout.
The spec says which package to import, which of its names the threads resolve, and
(optionally) which `from_provider` clients they build and call. All threads wait on a
barrier, then go; the interpreter switches threads every microsecond to make races likely.

The report catches the bugs of lazy resolution under threads:
- `errors`: any exception in a thread, e.g. the `AttributeError` (or `ImportError`
  "partially initialized module") a thread sees when it finds a module in `sys.modules`
  that another thread has not finished executing: a half-initialised module;
- `executions`: how many times each module of the package was executed; more than one
  means two threads both loaded it (two class objects: `isinstance` breaks);
- `distinct`: how many different objects the threads got for one name (must be 1);
- `stuck`: the threads still running at the deadline: a deadlock (their stacks go to stderr).
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.machinery
import json
import os
import sys
import threading
import time
import traceback
from typing import Any

#: counts module executions, not imports: the loader's `exec_module` runs once per load
EXECUTIONS: dict[str, int] = {}
_count_lock = threading.Lock()


class _CountingLoader:
    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        with _count_lock:
            EXECUTIONS[module.__name__] = EXECUTIONS.get(module.__name__, 0) + 1
        self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _CountingFinder:
    """Finds modules of one package as usual, with a loader that counts executions."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.package and not name.startswith(self.package + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _CountingLoader(spec.loader)
        return spec


def _error(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-3:]
    return f"{type(exc).__name__}: {exc} @ " + " <- ".join(f"{f.name}:{f.lineno}" for f in reversed(where))


def _run_threads(n: int, work: Any, deadline: float) -> tuple[list[Any], list[str], list[str]]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[str] = []

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: B036 - the report is the point
            errors.append(f"thread {i}: {_error(exc)}")

    threads = [threading.Thread(target=target, args=(i,), daemon=True, name=f"t{i}") for i in range(n)]
    for t in threads:
        t.start()
    end = time.monotonic() + deadline
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    return results, errors, stuck


def main(spec: dict[str, Any]) -> dict[str, Any]:
    package, n = spec["package"], spec["threads"]
    if spec.get("path"):
        sys.path.insert(0, spec["path"])
    sys.meta_path.insert(0, _CountingFinder(package))
    sys.setswitchinterval(1e-6)
    pkg = importlib.import_module(package)
    preloaded = sorted(m for m in sys.modules if m.startswith(package + "."))
    names: list[str] = spec["names"]
    clients: list[dict[str, Any]] = spec.get("clients", [])
    tasks: list[tuple[str, Any]] = [("name", name) for name in names] + [("client", c) for c in clients]

    def resolve(i: int) -> list[tuple[str, int]]:
        # each thread takes its own tasks, then another thread's, so names are both raced and shared
        out = []
        for kind, task in [*tasks[i::n], tasks[(i * 7 + 3) % len(tasks)]]:
            if kind == "name":
                out.append((task, id(getattr(pkg, task))))
            else:
                client = pkg.from_provider(task["model"], **task["kwargs"])  # type: ignore[attr-defined]
                out.append((f"client:{task['model']}", id(type(client))))
                built.append(client)  # list.append is atomic
        return out

    built: list[Any] = []
    results, errors, stuck = _run_threads(n, resolve, spec.get("deadline", 60.0))
    seen: dict[str, set[int]] = {}
    for result in results:
        for name, ident in result or ():
            seen.setdefault(name, set()).add(ident)
    for name in names:  # what the threads got is what the package now holds
        if name in seen and not stuck:
            seen[name].add(id(getattr(pkg, name)))
    report: dict[str, Any] = {
        "preloaded": preloaded,
        "errors": errors,
        "stuck": stuck,
        "executions": EXECUTIONS,
        "distinct": {name: len(ids) for name, ids in seen.items()},
        "calls": [],
    }
    if spec.get("call") and built and not stuck:
        report["calls"], call_errors, call_stuck = _first_calls(pkg, built, n, spec)
        report["errors"] += call_errors
        report["stuck"] += call_stuck
    return report


def _first_calls(pkg: Any, clients: list[Any], n: int, spec: dict[str, Any]) -> tuple[list[Any], list[str], list[str]]:
    """Every thread's first structured call: handlers, schemas and SDK internals load concurrently."""
    from pydantic import BaseModel

    class User(BaseModel):
        name: str
        age: int

    def call(i: int) -> list[Any]:
        client = clients[i % len(clients)]
        user = client.create(response_model=User, messages=[{"role": "user", "content": f"thread {i}"}],
                             max_retries=0)
        return [client.provider, user.model_dump()]

    results, errors, stuck = _run_threads(n, call, spec.get("deadline", 60.0))
    return results, errors, stuck


if __name__ == "__main__":
    report = main(json.loads(sys.argv[1]))
    print(json.dumps(report), flush=True)
    os._exit(0)  # stuck daemon threads must not keep the interpreter alive
