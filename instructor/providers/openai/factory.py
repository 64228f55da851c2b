"""Clients for OpenAI and every provider that speaks its API (data on one factory)."""

from __future__ import annotations

import os
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import split_client_kwargs
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

#: modes an OpenAI-format client can run, whoever serves the API
OPENAI_FAMILY_MODES = frozenset({
    Mode.TOOLS, Mode.TOOLS_STRICT, Mode.PARALLEL_TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA,
    Mode.XAI_TOOLS, Mode.XAI_JSON, Mode.PERPLEXITY_JSON, Mode.OPENROUTER_STRUCTURED_OUTPUTS,
    Mode.RESPONSES_TOOLS,
})


def from_openai(
    client: Any,
    mode: Mode = Mode.TOOLS,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `openai.OpenAI` or `openai.AsyncOpenAI` client (or a subclass: Azure...).

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: how structured output is asked for (default: tool calling).
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the openai SDK is not installed.
        UnsupportedModeError: `mode` is not an OpenAI-format mode.
    """
    openai = import_sdk("openai", extra="openai", provider="openai")
    mode = Mode(mode)
    if mode not in OPENAI_FAMILY_MODES:
        from instructor.core.exceptions import UnsupportedModeError

        supported = sorted(OPENAI_FAMILY_MODES, key=lambda m: m.name)
        raise UnsupportedModeError(
            f"from_openai does not support mode {mode!r}. Supported modes: "
            f"{', '.join('Mode.' + m.name for m in supported)}.",
            mode=mode,
            supported=supported,
        )
    provider = kwargs.pop("provider", "openai")
    if isinstance(client, (openai.OpenAI, openai.AsyncOpenAI)):
        create = client.chat.completions.create
        if mode is Mode.RESPONSES_TOOLS:  # the Responses API (instructor/providers/openai/responses.py)
            from instructor.providers.openai.responses import responses_create

            create = responses_create(client)
        cls = AsyncInstructor if isinstance(client, openai.AsyncOpenAI) else Instructor
        return cls(client, create, mode, provider=provider, **kwargs)
    raise TypeError(
        f"from_openai expects an openai.OpenAI or openai.AsyncOpenAI client, got {type(client).__name__}."
    )


def resolve_base_url(config: ProviderConfig, kwargs: dict[str, Any]) -> str | None:
    """The caller's base_url, else the one named by the config's env var, else its default."""
    if kwargs.get("base_url"):
        return str(kwargs.pop("base_url"))
    env = config.options.get("base_url_env")
    if env and os.environ.get(env):
        return os.environ[env].rstrip("/") + config.options.get("base_url_suffix", "")
    if config.base_url is None and env:
        from instructor.core.exceptions import ConfigurationError

        raise ConfigurationError(
            f"Provider {config.name!r} needs a base URL: set the environment variable {env} "
            "or pass base_url=... to from_provider."
        )
    return config.base_url


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory of openai and the OpenAI-compatible providers (base URL from the config)."""
    openai = import_sdk("openai", extra=config.extra, provider=config.name)
    cls = openai.AsyncOpenAI if async_client else openai.OpenAI
    hooks = kwargs.pop("hooks", None)
    base_url = resolve_base_url(config, kwargs)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    if base_url:
        client_kwargs["base_url"] = base_url
    key = api_key or config.options.get("placeholder_api_key")
    client = cls(api_key=key, **client_kwargs)
    return from_openai(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)
