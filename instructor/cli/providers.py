"""`python -m instructor providers`: every registered provider and whether it is ready to use.

Reads configs and installed-package metadata only: no SDK is imported, and key
values are never read beyond "set or not".
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from instructor.core.provider_registry import ProviderConfig, ProviderRegistry

UNAVAILABLE_FACTORY = "instructor.providers._unavailable:create_client"
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(?:;(.*))?$")
_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


@dataclass
class ProviderStatus:
    """What a user needs to know about one provider before calling `from_provider`."""

    name: str
    origin: str  # "built-in" or "plugin"
    package: str
    extra: str
    distribution: str
    installed: bool
    version: str | None
    requirement: str  # e.g. ">=1.40" from instructor's own extra, "" if unknown
    env_vars: list[str]
    key_set: list[str]  # names of the env vars that are set (never their values)
    requires_api_key: bool
    default_mode: str
    deprecated: bool
    built: bool
    docs_url: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def pip_install(self) -> str:
        return f'pip install "instructor[{self.extra}]"'

    @property
    def key(self) -> str:
        if self.key_set:
            return f"set ({self.key_set[0]})"
        if not self.env_vars:
            return "not needed"
        return f"{'missing' if self.requires_api_key else 'optional'} ({' or '.join(self.env_vars)})"

    @property
    def ready(self) -> bool:
        return self.installed and self.built and (bool(self.key_set) or not self.requires_api_key)


def extra_requirements() -> dict[str, list[tuple[str, str]]]:
    """instructor's own extras: extra name -> [(distribution, version specifier)]."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        lines = requires("instructor") or []
    except PackageNotFoundError:
        return {}
    extras: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        match = _REQUIREMENT.match(line)
        if not match:
            continue
        extra = _EXTRA.search(match.group(3) or "")
        extras.setdefault(extra.group(1) if extra else "", []).append((match.group(1), match.group(2)))
    return extras


def _distribution(config: ProviderConfig, extras: dict[str, list[tuple[str, str]]]) -> tuple[str, str]:
    """The distribution that provides `config.package`, and the version instructor asks for."""
    wanted = config.distribution
    candidates = extras.get(config.extra, [])
    for dist, spec in candidates:
        if wanted is None or _normal(dist) == _normal(wanted):
            return dist, spec
    return wanted or config.package.split(".")[0], ""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def status_of(config: ProviderConfig, *, builtin: bool, extras: dict[str, list[tuple[str, str]]]) -> ProviderStatus:
    distribution, requirement = _distribution(config, extras)
    installed = _installed(config.package)
    return ProviderStatus(
        name=config.name,
        origin="built-in" if builtin else "plugin",
        package=config.package,
        extra=config.extra,
        distribution=distribution,
        installed=installed,
        version=_version(distribution) if installed else None,
        requirement=requirement,
        env_vars=list(config.env_vars),
        key_set=[v for v in config.env_vars if os.environ.get(v)],
        requires_api_key=config.requires_api_key,
        default_mode=config.default_mode.name,
        deprecated=config.deprecated,
        built=config.factory != UNAVAILABLE_FACTORY,
        docs_url=config.docs_url,
    )


def _installed(package: str) -> bool:
    """Whether `package` resolves, without importing it (a dotted one, `google.genai`, in full)."""
    import importlib.util

    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def collect(registry: ProviderRegistry | None = None) -> tuple[list[ProviderStatus], dict[str, str]]:
    """The status of every provider, and the plugins that failed to load (name -> message)."""
    from instructor.core.provider_registry import provider_registry
    from instructor.providers._catalog import BUILTIN_PROVIDERS

    registry = registry or provider_registry
    extras = extra_requirements()
    rows = [status_of(c, builtin=c.name in BUILTIN_PROVIDERS, extras=extras) for c in registry.configs()]
    broken = {name: str(error) for name, error in registry.plugin_errors.items()}
    return rows, broken


def _sdk_cell(row: ProviderStatus) -> str:
    if row.installed:
        return f"{row.distribution} {row.version or '?'}"
    return f"missing: {row.pip_install}"


def _notes(row: ProviderStatus) -> str:
    notes = list(row.notes)
    if not row.built:
        notes.append("declared, client not built yet")
    if row.deprecated:
        notes.append("deprecated")
    return "; ".join(notes)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m instructor providers",
        description="List every registered provider: SDK installed and version, API key set or not, default mode.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--style", choices=("auto", "plain", "rich"), default="auto")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    rows, broken = collect()
    if args.json:
        import json

        payload: dict[str, Any] = {
            "providers": [{**asdict(r), "key": r.key, "ready": r.ready} for r in rows],
            "broken_plugins": broken,
        }
        print(json.dumps(payload, indent=2))
        return 0
    from instructor.cli._render import print_table

    print_table(
        f"{len(rows)} providers ({sum(r.ready for r in rows)} ready: SDK installed, key set or not needed)",
        ["provider", "origin", "SDK", "API key", "default mode", "ready", "notes"],
        [[r.name, r.origin, _sdk_cell(r), r.key, r.default_mode, "yes" if r.ready else "no", _notes(r)]
         for r in rows],
        style=args.style,
    )
    for name, message in broken.items():
        print(f"broken plugin {name!r}: {message}")
    print("`python -m instructor doctor` says what to fix.")
    return 0
