"""`python -m instructor doctor`: what is misconfigured, and the command or setting that fixes it.

Each check returns findings at three levels: `ok` (worth knowing), `warn`
(likely to bite later) and `error` (something will fail). The exit status is 1
when there is an error. SDKs are not imported: only package metadata is read,
so the doctor itself stays fast, and key values are never read beyond "set".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from instructor.cli.providers import ProviderStatus

LEVELS = ("ok", "warn", "error")


@dataclass
class Finding:
    level: str  # "ok" | "warn" | "error"
    what: str
    fix: str = ""


def _version_ok(installed: str, specifier: str) -> bool | None:
    """Whether `installed` satisfies `specifier` (None: cannot tell without `packaging`)."""
    if not specifier:
        return True
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version
    except ImportError:
        return None
    try:
        return Version(installed) in SpecifierSet(specifier)
    except (InvalidSpecifier, InvalidVersion):
        return None


def check_python() -> list[Finding]:
    # pip refuses to install instructor on Python < 3.10 (requires-python), so no check for it here
    version = ".".join(map(str, sys.version_info[:3]))
    return [Finding("ok", f"Python {version} ({sys.executable})")]


def check_core_dependencies() -> list[Finding]:
    from importlib.metadata import PackageNotFoundError, version

    from instructor.cli.providers import extra_requirements

    findings = []
    for dist, spec in extra_requirements().get("", [("pydantic", ">=2.7"), ("lazy_loader", ">=0.4")]):
        try:
            installed = version(dist)
        except PackageNotFoundError:
            findings.append(Finding("error", f"{dist} is not installed; instructor needs it ({dist}{spec})",
                                    f'pip install "{dist}{spec}"'))
            continue
        if _version_ok(installed, spec) is False:
            findings.append(Finding("error", f"{dist} {installed} is installed; instructor needs {dist}{spec}",
                                    f'pip install -U "{dist}{spec}"'))
        else:
            findings.append(Finding("ok", f"{dist} {installed}" + (f" (needs {spec})" if spec else "")))
    return findings


def check_environment() -> list[Finding]:
    findings = []
    for var in ("INSTRUCTOR_EAGER_IMPORT", "EAGER_IMPORT"):
        if os.environ.get(var, "") not in ("", "0"):
            findings.append(Finding(
                "warn", f"{var}={os.environ[var]!r} resolves every public name at import time: "
                        "`import instructor` then loads pydantic and the client code",
                f"unset {var} unless you want everything loaded up front (e.g. in a test run)"))
    if os.environ.get("INSTRUCTOR_DISABLE_PLUGINS", "") not in ("", "0"):
        findings.append(Finding("warn", "INSTRUCTOR_DISABLE_PLUGINS is set: third-party providers are ignored",
                                "unset INSTRUCTOR_DISABLE_PLUGINS to use installed provider plugins"))
    return findings


def check_import_cost() -> list[Finding]:
    """`import instructor` in a fresh interpreter adds only instructor, lazy_loader and the stdlib."""
    from instructor.cli.importtime import is_stdlib, matches_any, run_once

    try:
        run = run_once("import instructor", site=False, timeout=60)  # -S: no .pth hook hides a module
        timed = run_once("import instructor", timeout=60)  # a normal start, as users get it
    except (RuntimeError, OSError) as exc:
        return [Finding("error", f"`import instructor` fails in a fresh interpreter: {exc}",
                        "reinstall instructor: pip install --force-reinstall instructor")]
    if run.error:
        return [Finding("error", f"`import instructor` raises {run.error}",
                        "reinstall instructor, or run it with -X importtime to see which import fails")]
    foreign = sorted(m for m in run.added if not matches_any(m, ["instructor", "lazy_loader"]) and not is_stdlib(m))
    if foreign:
        tops = sorted({m.split(".")[0] for m in foreign})
        return [Finding("warn", f"`import instructor` also loads {', '.join(tops)} ({len(foreign)} modules); "
                                "it should load only instructor and lazy_loader",
                        "look for INSTRUCTOR_EAGER_IMPORT, a sitecustomize, or an import hook; "
                        "`python -m instructor importtime` shows who imports what")]
    ours = sum(matches_any(m, ["instructor"]) for m in run.added)
    return [Finding("ok", f"`import instructor` takes {timed.ms:.1f} ms in a fresh process and loads {ours} "
                          f"instructor modules, lazy_loader and {len(run.added) - ours - 1} stdlib modules")]


def check_footprint() -> list[Finding]:
    """The base install's packages and bytes on disk, against DESIGN.md's budget for serverless users."""
    from instructor.cli.footprint import BUDGET_BYTES, BUDGET_PACKAGES, base_install

    found = base_install()
    if not found.packages:  # a checkout on sys.path, no installed metadata to read
        return []
    verdict = "within" if found.within else "over"
    what = (f"base install (no extra): {found.total_bytes / 1e6:.1f} MB in {found.count} packages, {verdict} "
            f"the budget of <= {BUDGET_BYTES / 1e6:.0f} MB / <= {BUDGET_PACKAGES} packages"
            + (" (editable: the source folder counted)" if found.editable else "") + f": {found.listing()}")
    if found.within:
        return [Finding("ok", what)]
    return [Finding("warn", what, "a package of the base install grew or was added; whatever only tests or one "
                                  "feature use belongs in an extra (see pyproject.toml)")]


def check_providers(rows: list[ProviderStatus], broken: dict[str, str]) -> list[Finding]:
    findings = []
    for name, message in sorted(broken.items()):
        findings.append(Finding("error", f"provider plugin {name!r} failed to load: {message}",
                                "upgrade or uninstall the plugin's distribution (`pip show` names it)"))
    for row in rows:
        if row.installed and row.version and _version_ok(row.version, row.requirement) is False:
            findings.append(Finding(
                "error", f"{row.name}: {row.distribution} {row.version} is older than instructor supports "
                         f"({row.distribution}{row.requirement})",
                f'pip install -U "instructor[{row.extra}]"'))
        if row.key_set and not row.installed:
            findings.append(Finding(
                "warn", f"{row.name}: {row.key_set[0]} is set but its SDK ({row.package}) is not installed",
                row.pip_install))
        if row.deprecated and row.key_set:
            findings.append(Finding("warn", f"{row.name} is deprecated", _deprecation_hint(row.name)))
        if row.key_set and row.installed and not row.built:
            findings.append(Finding(
                "warn", f"{row.name}: SDK and key are there, but instructor cannot build this client yet",
                "use an OpenAI-compatible endpoint meanwhile: from_provider('openai/<model>', base_url=...)"))
    ready = [r.name for r in rows if r.ready]
    if ready:
        findings.append(Finding("ok", f"ready to use: {', '.join(ready)}"))
    else:
        findings.append(Finding("warn", "no provider is ready (an SDK installed and its key set)",
                                'e.g. pip install "instructor[openai]" and export OPENAI_API_KEY=...'))
    almost = [r for r in rows if r.installed and r.built and r.requires_api_key and not r.key_set]
    if almost:
        findings.append(Finding("ok", "SDK installed, key not set: "
                                + ", ".join(f"{r.name} ({' or '.join(r.env_vars)})" for r in almost)))
    return findings


def _deprecation_hint(name: str) -> str:
    from instructor.core.provider_registry import provider_registry

    config = provider_registry.get_config(name)
    return config.deprecation_message or f"move off the {name!r} provider"


def diagnose() -> list[Finding]:
    """Every check, in the order a user wants to read them."""
    from instructor.cli.providers import collect

    rows, broken = collect()
    steps: list[Callable[[], list[Finding]]] = [
        check_python, check_core_dependencies, check_environment, check_import_cost, check_footprint,
        lambda: check_providers(rows, broken),
    ]
    findings: list[Finding] = []
    for step in steps:
        findings.extend(step())
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m instructor doctor",
                                     description="Say what is misconfigured, and how to fix it.")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    import instructor

    findings = diagnose()
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warn" for f in findings)
    if args.json:
        import json

        print(json.dumps({"findings": [asdict(f) for f in findings], "errors": errors, "warnings": warnings},
                         indent=2))
        return 1 if errors else 0
    print(f"instructor {instructor.__version__} at {os.path.dirname(instructor.__file__ or '')}")
    for f in findings:
        print(f"{f.level:<5}  {f.what}")
        if f.fix:
            print(f"       fix: {f.fix}")
    print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return 1 if errors else 0
