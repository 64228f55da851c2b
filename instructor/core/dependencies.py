"""Code loaded on demand: optional SDKs (found without importing, imported with an install hint)
and objects named by dotted path (`load_object`, how both registries reach a provider's code)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.core.exceptions import MissingDependencyError


def is_installed(package: str) -> bool:
    """Whether `package` can be imported, without importing it."""
    parts = package.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
        if spec is None or len(parts) == 1 or spec.origin not in (None, "namespace"):
            return spec is not None
        # a namespace package (`google`) says nothing of which distribution is there: look one level
        # down (`google.genai`), which imports only the namespace itself
        return importlib.util.find_spec(".".join(parts[:2])) is not None
    except (ImportError, ValueError):
        return False


def _missing(package: str, extra: str, provider: str | None) -> MissingDependencyError:
    from instructor.core.exceptions import MissingDependencyError  # only on a failure

    who = f"Provider {provider!r} needs" if provider else "This feature needs"
    return MissingDependencyError(
        f"{who} the {package!r} package, which is not installed. "
        f'Install it with: pip install "instructor[{extra}]"',
        package=package,
        extra=extra,
    )


def require_package(package: str, *, extra: str, provider: str | None = None) -> None:
    """Raise `MissingDependencyError` naming the pip extra when `package` is absent."""
    if not is_installed(package):
        raise _missing(package, extra, provider)


def import_sdk(package: str, *, extra: str, provider: str | None = None) -> ModuleType:
    """Import `package`, or raise `MissingDependencyError` naming the pip extra."""
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as exc:
        if exc.name and package.split(".")[0] != exc.name.split(".")[0]:
            raise  # the SDK is there but one of its own dependencies is broken
        raise _missing(package, extra, provider) from exc


def load_object(path: str) -> Any:
    """Import `"package.module:attribute"` and return the attribute (the module itself without one)."""
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module
