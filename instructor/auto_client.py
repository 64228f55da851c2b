"""`from_provider("provider/model")`: a short lookup in the provider registry.

There is no provider logic here: the registry checks the SDK, the key and the
mode, and the provider's own factory builds the client.
"""

from __future__ import annotations

from typing import Any, Literal, overload

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.provider_registry import parse_model_string, provider_registry
from instructor.mode import Mode


@overload
def from_provider(
    model: str,
    api_key: str | None = None,
    async_client: Literal[False] = False,
    mode: Mode | None = None,
    cache: Any = None,
    **kwargs: Any,
) -> Instructor: ...


@overload
def from_provider(
    model: str,
    api_key: str | None = None,
    *,
    async_client: Literal[True],
    mode: Mode | None = None,
    cache: Any = None,
    **kwargs: Any,
) -> AsyncInstructor: ...


@overload
def from_provider(
    model: str,
    api_key: str | None,
    async_client: Literal[True],
    mode: Mode | None = None,
    cache: Any = None,
    **kwargs: Any,
) -> AsyncInstructor: ...


def from_provider(
    model: str,
    api_key: str | None = None,
    async_client: bool = False,
    mode: Mode | None = None,
    cache: Any = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Build a client from `"provider/model"`, loading only that provider.

    Args:
        model: `"provider/model"`, e.g. `"openai/gpt-4o-mini"` or `"anthropic/claude-sonnet-4-5"`.
        api_key: the key; by default read from the provider's environment variable.
        async_client: return an `AsyncInstructor` around the SDK's async client.
        mode: how structured output is asked for; by default the provider's own.
        cache: an `instructor.cache` cache (`AutoCache()`, `DiskCache()`...) used by every
            `create` of this client unless a call passes its own `cache=`.
        **kwargs: SDK client options (`base_url`, `timeout`, `max_retries`,
            `http_client`...) go to the SDK client; other keywords become
            defaults of every `create` call; `hooks=` sets the client's hooks.

    Raises (each message says how to fix it):
        ModelStringError: `model` is not "provider/model".
        UnknownProviderError: no such provider (lists them, suggests the closest).
        MissingDependencyError: the SDK is missing (names the pip extra).
        MissingAPIKeyError: no key (names the environment variable).
        UnsupportedModeError: the provider does not support `mode` (lists those it does).

    Example:
        >>> client = instructor.from_provider("openai/gpt-4o-mini")
    """
    provider, model_name = parse_model_string(model)
    if cache is not None:
        kwargs["cache"] = cache  # a default of every create, like any other non-client keyword
    return provider_registry.create_client(
        provider, model_name, api_key=api_key, async_client=async_client, mode=mode, **kwargs
    )
