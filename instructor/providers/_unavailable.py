"""Factory of providers that are declared but not built yet: a clear error, never a crash."""

from __future__ import annotations

from typing import Any, NoReturn

from instructor.core.exceptions import ProviderNotAvailableError
from instructor.core.provider_registry import ProviderConfig


def create_client(config: ProviderConfig, model: str, **_: Any) -> NoReturn:
    raise ProviderNotAvailableError(
        f"Provider {config.name!r} is declared but instructor cannot build a client for it yet "
        f"(model {model!r}). Use an OpenAI-compatible endpoint with "
        "instructor.from_provider('openai/<model>', base_url=...) meanwhile."
    )


def not_built_yet(provider: str) -> NoReturn:
    """The body of a `from_<provider>` whose provider is declared but not built yet.

    A missing SDK is reported first, with its pip extra, as for built providers.
    """
    from instructor.core.dependencies import require_package
    from instructor.core.provider_registry import provider_registry

    config = provider_registry.get_config(provider)
    require_package(config.package, extra=config.extra, provider=provider)
    raise ProviderNotAvailableError(
        f"Provider {provider!r} is declared but instructor cannot wrap its client yet. "
        "Use an OpenAI-compatible endpoint with instructor.from_openai meanwhile."
    )
