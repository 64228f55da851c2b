"""Load chosen providers ahead of time, e.g. in a serverless function's init phase."""

from __future__ import annotations

from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import HandlerNotFoundError
from instructor.core.mode_registry import mode_registry
from instructor.core.provider_registry import provider_registry


def preload(*providers: str, handlers: bool = True) -> list[str]:
    """Import the SDK, factory and (with `handlers`) mode handlers of each provider.

    Returns the names loaded. Raises `UnknownProviderError` or
    `MissingDependencyError` as `from_provider` would.

    Example:
        >>> instructor.preload("openai")   # at init, so the first request pays nothing
    """
    loaded = []
    for name in providers:
        config = provider_registry.get_config(name)
        import_sdk(config.package, extra=config.extra, provider=config.name)
        provider_registry.get_factory(name)
        if handlers:
            for mode in config.supported_modes:
                try:
                    mode_registry.get(mode, family=name)
                except HandlerNotFoundError:
                    continue
        loaded.append(name)
    return loaded
