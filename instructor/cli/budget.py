"""Import budgets: which modules a statement may add, and how long it may take.

A budget file (JSON) lists checks; each runs its statement in fresh
interpreters (see `instructor.cli.importtime`) and fails on:

- a module the statement adds that matches `forbidden`, or that `allowed`
  does not cover (when `allowed` is given). Module sets are deterministic, so
  these checks hold on any machine, however loaded;
- `max_ms`: the median in-process time over `runs` processes (a hard ceiling,
  meant to be generous enough for a noisy CI machine);
- `max_own_ms`: the median self time of the `own` modules. Tight budgets are
  noisy on a shared machine, so they are reported and only fail with
  `--enforce-time`.

Patterns match a module and everything inside it (`"pydantic"` covers
`pydantic.main`) and may use globs. Tokens: `@stdlib` (any standard-library
module), `@provider_sdks` (every registered provider's SDK package), and in
`each_provider`, `@other_provider_sdks` / `@other_provider_code` (the SDKs and
instructor folders of providers that use a different SDK); `exempt` patterns
(and their parent packages) are never flagged: code a provider family shares. `allowed_from`
lists statements whose own added modules are allowed too (e.g. what
`import lazy_loader` loads on this Python version).

Module sets are taken from an interpreter started with `-S` and the
`sys.path` a normal start gives (`"site": true` in a check opts out): a
`.pth` hook of an unrelated package that imports modules at startup would
otherwise hide them. Timings come from normal starts, as users get them.

Two generators expand into one check each: `each_public_name` (first access to
every name in a module's `__all__`, after importing it; `groups` add `allowed`
or `forbidden` patterns to the names they match, or `unforbid` some) and `each_provider`
(`from_provider` for every provider whose SDK is installed, after importing
that SDK, so only what instructor adds on top of the SDK is judged; `forbid`
and `exempt` map a provider to extra patterns).

A check entry:
    {"name": "import instructor", "statement": "import instructor",
     "setup": "", "env": {}, "allowed": ["instructor", "lazy_loader"],
     "allowed_from": ["import lazy_loader"], "forbidden": ["pydantic", "@provider_sdks"], "exempt": [],
     "own": ["instructor"], "max_own_ms": 2, "max_ms": 100, "runs": 5}
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from instructor.cli.importtime import ImportNode, Run, is_stdlib, matches, run_many, run_once

PROVIDER_CHECK_KEY = "sk-importtime-check"


@dataclass
class Check:
    """One statement and the rules it must keep."""

    name: str
    statement: str
    setup: str = ""
    env: dict[str, str] = field(default_factory=dict)
    allowed: list[str] | None = None
    allowed_from: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)  # never flagged, whatever the other rules say
    own: list[str] = field(default_factory=lambda: ["instructor"])
    max_own_ms: float | None = None
    max_ms: float | None = None
    runs: int | None = None
    site: bool = False  # False: start with -S and the normal sys.path (see run_once)

    @property
    def timed(self) -> bool:
        return self.max_ms is not None or self.max_own_ms is not None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(data) - set(known) - {"why", "$comment"})
        if unknown:
            raise ValueError(f"Unknown keys {unknown} in budget check {data.get('name')!r}; "
                             f"known keys: {sorted(cls.__dataclass_fields__)}")
        return cls(**known)


@dataclass
class Result:
    check: Check
    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origin: str = ""


# -- expanding the budget file -----------------------------------------------------------
_INFO = """
import importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
mod = __import__(sys.argv[1])
names = [n for n in getattr(mod, "__all__", []) if not n.startswith("__")]
providers = []
if sys.argv[1] == "instructor":
    from instructor.providers._catalog import BUILTIN_PROVIDERS
    for c in mod.provider_registry.configs():
        where = BUILTIN_PROVIDERS.get(c.name) or c.factory
        try:
            installed = importlib.util.find_spec(c.package) is not None
        except (ImportError, ValueError):
            installed = False
        providers.append({"name": c.name, "package": c.package, "installed": installed,
                          "folder": where.partition(":")[0].rpartition(".")[0]})
print(json.dumps({"names": names, "providers": providers}))
"""


def _package_info(module: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    import subprocess

    from instructor.cli.importtime import child_env

    proc = subprocess.run([sys.executable, "-c", _INFO, module], capture_output=True, text=True,
                          env=child_env(env), timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"Could not list the public names and providers of {module!r}:\n{proc.stderr[-2000:]}")
    info: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return info


def _expand_tokens(patterns: Sequence[str], tokens: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for pattern in patterns:
        out.extend(tokens[pattern] if pattern in tokens else [pattern])
    return out


def expand(budget: dict[str, Any]) -> list[Check]:
    """The budget file's checks, with `each_public_name` and `each_provider` expanded."""
    checks = [Check.from_dict(c) for c in budget.get("checks", [])]
    names_spec = budget.get("each_public_name")
    providers_spec = budget.get("each_provider")
    info: dict[str, Any] = {"names": [], "providers": []}
    if names_spec or providers_spec or any("@provider_sdks" in c.forbidden for c in checks):
        info = _package_info((names_spec or {}).get("module", "instructor"))
    sdks = sorted({p["package"] for p in info["providers"]})
    tokens = {"@provider_sdks": sdks}
    for check in checks:
        check.forbidden = _expand_tokens(check.forbidden, tokens)
    if names_spec:
        checks.extend(_public_name_checks(names_spec, info["names"], tokens))
    if providers_spec:
        checks.extend(_provider_checks(providers_spec, info["providers"], tokens))
    return checks


def _public_name_checks(spec: dict[str, Any], names: list[str], tokens: dict[str, list[str]]) -> list[Check]:
    module = spec.get("module", "instructor")
    checks = []
    for name in names:
        forbidden = list(spec.get("forbidden", []))
        allowed = list(spec["allowed"]) if "allowed" in spec else None
        for group in spec.get("groups", []):
            if any(fnmatchcase(name, pattern) for pattern in group["names"]):
                forbidden = [p for p in forbidden if p not in group.get("unforbid", [])]
                forbidden += group.get("forbidden", [])
                if allowed is not None:
                    allowed += group.get("allowed", [])
        checks.append(Check(
            name=f"{module}.{name} (first access)",
            statement=spec.get("statement", "{module}.{name}").format(module=module, name=name),
            setup=spec.get("setup", f"import {module}"),
            allowed=allowed,
            forbidden=_expand_tokens(forbidden, tokens),
            own=spec.get("own", [module]),
        ))
    return checks


def _provider_statement(model: str, kwargs: dict[str, Any]) -> str:
    # A provider declared but not built yet, or one that needs more configuration than a
    # check can give, still has its imports judged: the outcome is reported, not failed.
    # `"api_key": null` in the budget's kwargs leaves the key out (Bedrock signs with AWS credentials).
    kwargs = {k: v for k, v in {"api_key": PROVIDER_CHECK_KEY, **kwargs}.items() if v is not None}
    return (
        "import instructor\n"
        "try:\n"
        f"    instructor.from_provider({model!r}, **{kwargs!r})\n"
        "    __outcome__ = 'client built'\n"
        "except (instructor.ProviderNotAvailableError, instructor.ConfigurationError) as exc:\n"
        "    __outcome__ = type(exc).__name__ + ': ' + str(exc)[:120]\n"
    )


def _provider_checks(spec: dict[str, Any], providers: list[dict[str, Any]],
                     tokens: dict[str, list[str]]) -> list[Check]:
    checks = []
    for provider in providers:
        if not provider["installed"]:
            continue
        name, package = provider["name"], provider["package"]
        others = [p for p in providers if p["package"] != package]
        local = {
            **tokens,
            "@other_provider_sdks": sorted({p["package"] for p in others}),
            "@other_provider_code": sorted({p["folder"] for p in others} - {provider["folder"]}),
        }
        model = spec.get("models", {}).get(name, spec.get("default_model", "test-model"))
        checks.append(Check(
            name=f"from_provider({name + '/' + model!r})",
            statement=_provider_statement(f"{name}/{model}", spec.get("kwargs", {}).get(name, {})),
            setup=spec.get("setup", "import {package}").format(package=package),
            env={**spec.get("env", {}), **spec.get("provider_env", {}).get(name, {})},
            forbidden=_expand_tokens([*spec.get("forbidden", []), *spec.get("forbid", {}).get(name, [])], local),
            exempt=spec.get("exempt", {}).get(name, []),
            own=spec.get("own", ["instructor"]),
        ))
    return checks


# -- judging -------------------------------------------------------------------------------
def _chain(roots: list[ImportNode], target: str) -> list[str]:
    """Who imported `target`: the path of module names from a root import down to it."""
    for root in roots:
        if root.name == target:
            return [root.name]
        below = _chain(root.children, target)
        if below:
            return [root.name, *below]
    return []


def _grouped(modules: Sequence[str], shown: int = 8) -> str:
    """A few modules by name; many as `pydantic (10), typing (3), ast`: counted per top-level package."""
    if len(modules) <= 4:
        return ", ".join(modules)
    tops: dict[str, int] = {}
    for m in modules:
        tops[m.split(".")[0]] = tops.get(m.split(".")[0], 0) + 1
    ordered = sorted(tops.items(), key=lambda item: (-item[1], item[0]))
    text = ", ".join(f"{top} ({n})" if n > 1 else top for top, n in ordered[:shown])
    return text + (f" and {len(ordered) - shown} more" if len(ordered) > shown else "")


def judge(check: Check, run: Run, timing: list[Run], baseline: set[str], *,
          enforce_time: bool = False) -> Result:
    """Compare what was measured with the check's rules.

    `run` gives the modules (and errors); `timing` the timed runs (normal start).
    """
    runs = timing or [run]
    added = sorted(run.added)
    problems: list[str] = []
    notes: list[str] = []
    if run.error:
        problems.append(f"the statement raised {run.error}")
    if run.outcome and run.outcome != "client built":
        notes.append(f"outcome: {run.outcome}")

    def allowed(module: str) -> bool:
        if check.allowed is None or module in baseline:
            return True
        return any(is_stdlib(module) if p == "@stdlib" else matches(module, p) for p in check.allowed)

    def exempt(module: str) -> bool:  # an exempt module's parent packages come with it
        return any(matches(module, p) or p.startswith(module + ".") for p in check.exempt)

    judged = [m for m in added if not exempt(m)]
    forbidden = [m for m in judged if any(matches(m, p) for p in check.forbidden)]
    unexpected = [m for m in judged if not allowed(m) and m not in forbidden]
    for kind, found in (("forbidden", forbidden), ("outside the allowed list", unexpected)):
        if found:
            chains: list[list[str]] = sorted((_chain(run.roots, m) for m in found), key=len)
            chains = [c for c in chains if len(c) > 1]
            how = f"; first through {' > '.join(chains[0])}" if chains else ""
            problems.append(
                f"{len(found)} module{'s' if len(found) > 1 else ''} {kind}: {_grouped(found)}{how}. "
                "Import them inside the function that needs them (or, if intended, change the budget)."
            )

    summary = f"{len(added)} modules added"
    if check.timed:
        median = statistics.median(r.ms for r in runs)
        summary += f", {median:.1f} ms median of {len(runs)}"
        if check.max_ms is not None:
            summary += f" (ceiling {check.max_ms:g} ms)"
            if median > check.max_ms:
                problems.append(f"median in-process time {median:.1f} ms is over the ceiling of {check.max_ms:g} ms")
        if check.max_own_ms is not None:
            own = statistics.median(r.self_ms(check.own) for r in runs)
            summary += f"; own share {own:.2f} ms (budget {check.max_own_ms:g} ms)"
            if own > check.max_own_ms:
                message = (f"own share ({'+'.join(check.own)}) {own:.2f} ms is over its budget of "
                           f"{check.max_own_ms:g} ms")
                (problems if enforce_time else notes).append(
                    message + ("" if enforce_time else " (reported, not enforced: pass --enforce-time)"))
    else:
        summary += f", {run.ms:.0f} ms"
    origin = run.added.get(check.own[0], "") if check.own else ""
    return Result(check, not problems, summary, problems, notes, origin)


def run_checks(checks: list[Check], *, runs: int | None = None, jobs: int | None = None,
               enforce_time: bool = False) -> list[Result]:
    """Timed checks one by one (quiet machine), then the module-only ones in parallel."""
    baselines: dict[tuple[str, str], set[str]] = {}

    def baseline(check: Check) -> set[str]:
        allowed: set[str] = set()
        for statement in check.allowed_from:
            key = (statement, check.setup)
            if key not in baselines:
                baselines[key] = set(run_once(statement, setup=check.setup, env=check.env, site=check.site).added)
            allowed |= baselines[key]
        return allowed

    def one(check: Check) -> Result:
        try:
            modules = run_once(check.statement, setup=check.setup, env=check.env, site=check.site)
            # timings come from a normal start, as users get it
            timing = (run_many(check.statement, runs or check.runs or 5, setup=check.setup, env=check.env)
                      if check.timed else [])
        except RuntimeError as exc:
            return Result(check, False, "could not run", [str(exc)])
        return judge(check, modules, timing, baseline(check), enforce_time=enforce_time)

    timed = [c for c in checks if c.timed]
    untimed = [c for c in checks if not c.timed]
    results = {id(c): one(c) for c in timed}
    with ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool:
        for check, result in zip(untimed, pool.map(one, untimed), strict=True):
            results[id(check)] = result
    return [results[id(c)] for c in checks]


def print_results(results: list[Result], *, budget_path: str, quiet: bool = False, out: Any = None) -> None:
    out = out or sys.stdout
    origin = next((r.origin for r in results if r.origin), "")
    out.write(f"import budget {budget_path}: Python {sys.version.split()[0]}"
              + (f", checking {origin}" if origin else "") + "\n")
    width = min(60, max((len(r.check.name) for r in results), default=10))
    for r in results:
        if quiet and r.ok and not r.notes:
            continue
        out.write(f"{'PASS' if r.ok else 'FAIL'}  {r.check.name.ljust(width)}  {r.summary}\n")
        for line in r.problems:
            out.write(f"      {line}\n")
        for line in r.notes:
            out.write(f"      note: {line}\n")
    failed = [r for r in results if not r.ok]
    out.write(f"{len(results)} checks, {len(failed)} failed"
              + (": " + "; ".join(r.check.name for r in failed) if failed else "") + "\n")


def load_budget(path: str | Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"Budget file {str(path)!r} not found. Pass --budget PATH.") from None
    except json.JSONDecodeError as exc:
        raise SystemExit(f"Budget file {str(path)!r} is not valid JSON: {exc}") from None
    return data


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m instructor importtime check",
         default_budget: str | None = None) -> int:
    """Check a budget file; exit 1 when any check fails."""
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default=default_budget, required=default_budget is None,
                        help="the budget file (JSON)" + (" (default: %(default)s)" if default_budget else ""))
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the checks whose name contains TEXT (repeatable)")
    parser.add_argument("--runs", type=int, help="processes per timed check (default: the budget's, else 5)")
    parser.add_argument("--jobs", type=int, help="parallel processes for module checks (default: CPU count)")
    parser.add_argument("--enforce-time", action="store_true", help="fail on the own-share budgets too")
    parser.add_argument("--quiet", action="store_true", help="print only failures and notes")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    budget = load_budget(args.budget)
    try:
        checks = expand(budget)
    except (ValueError, TypeError, KeyError) as exc:
        raise SystemExit(f"Budget file {args.budget!r} is not valid: {exc}") from None
    if args.only:
        checks = [c for c in checks if any(text in c.name for text in args.only)]
        if not checks:
            raise SystemExit(f"No check matches --only {args.only!r}.")
    results = run_checks(checks, runs=args.runs, jobs=args.jobs, enforce_time=args.enforce_time)
    print_results(results, budget_path=str(args.budget), quiet=args.quiet)
    return 0 if all(r.ok for r in results) else 1
