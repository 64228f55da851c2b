"""Clients for OpenAI and every provider that speaks its API (data on one factory).

The OpenAI-compatible providers are rows of data in `instructor.providers.openai.compatible`;
`create_client` builds the client of any of them from its row (base URL, key, options).
"""

from __future__ import annotations

import os
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import split_client_kwargs, wrap_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode


def from_openai(
    client: Any,
    mode: Mode = Mode.TOOLS,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `openai.OpenAI` or `openai.AsyncOpenAI` client (or a subclass: Azure...).

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: how structured output is asked for (default: tool calling); the
            deprecated `Mode.FUNCTIONS` / `Mode.JSON_O1` map to TOOLS / JSON_SCHEMA with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call (`temperature`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the openai SDK is not installed.
        UnsupportedModeError: (a `ModeError`) `mode` is not one the OpenAI format serves.
        ClientError: (also a TypeError) `client` is not an OpenAI SDK client.

    Example:
        >>> client = instructor.from_openai(openai.OpenAI(), model="gpt-4o-mini")
    """
    from instructor.providers.openai.config import CONFIG

    return wrap_openai_client(CONFIG, client, mode, model, caller="from_openai", **kwargs)


def wrap_openai_client(
    config: ProviderConfig, client: Any, mode: Any, model: str | None, *, caller: str, **kwargs: Any
) -> Instructor | AsyncInstructor:
    """`client` (an OpenAI SDK client) wrapped for `config`'s provider: mode checked first, then the type."""
    openai = import_sdk("openai", extra=config.extra, provider=config.name)
    if model is not None:
        kwargs["model"] = model
    kwargs.setdefault("provider", config.name)
    result: Instructor | AsyncInstructor = wrap_client(
        client, mode, sync_type=openai.OpenAI, async_type=openai.AsyncOpenAI,
        create=_sdk_call(mode), config=config, caller=caller, **kwargs,
    )
    return result


def _sdk_call(mode: Any) -> Any:
    """What answers a request in `mode`: the Responses API for the RESPONSES modes, else chat completions."""
    if str(getattr(mode, "value", mode)).startswith("responses_tools"):
        from instructor.providers.openai.responses import responses_create

        return responses_create
    return lambda c: c.chat.completions.create


def resolve_base_url(config: ProviderConfig, kwargs: dict[str, Any]) -> str | None:
    """The caller's base_url, else the first of the config's env vars that is set, else its default.

    A config with a `base_url_suffix` (databricks: `/serving-endpoints`) gets it
    appended when the URL does not end with it already (trailing `/` dropped).
    """
    suffix = config.options.get("base_url_suffix", "")

    def with_suffix(url: str) -> str:
        url = url.rstrip("/")
        return url if not suffix or url.endswith(suffix) else url + suffix

    if kwargs.get("base_url"):
        return with_suffix(str(kwargs.pop("base_url")))
    env = config.options.get("base_url_env")
    names = (env,) if isinstance(env, str) else tuple(env or ())
    for name in names:
        if os.environ.get(name):
            return with_suffix(os.environ[name])
    if config.base_url is None and names:
        from instructor.core.exceptions import ConfigurationError

        raise ConfigurationError(
            f"Provider {config.name!r} needs a base URL: set the environment variable "
            f"{' or '.join(names)}, or pass base_url=... to from_provider."
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
    return wrap_openai_client(config, client, mode, model, caller=f"from_provider({config.name!r})", hooks=hooks,
                              **defaults)
