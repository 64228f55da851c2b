"""`from_provider("provider/model")`: a short lookup in the provider registry.

There is no provider logic here: the registry checks the SDK, the key and the
mode, and the provider's own factory builds the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.provider_registry import parse_model_string, provider_registry
from instructor.mode import Mode

if TYPE_CHECKING:
    from instructor.core.fallback import AsyncFallbackChain, FallbackChain


@overload
def from_provider(
    model: str,
    api_key: str | None = None,
    async_client: Literal[False] = False,
    mode: Mode | None = None,
    cache: Any = None,
    *,
    fallbacks: Sequence[str | Instructor],
    fallback_on: Any = "transport",
    **kwargs: Any,
) -> FallbackChain: ...


@overload
def from_provider(
    model: str,
    api_key: str | None = None,
    *,
    async_client: Literal[True],
    mode: Mode | None = None,
    cache: Any = None,
    fallbacks: Sequence[str | AsyncInstructor],
    fallback_on: Any = "transport",
    **kwargs: Any,
) -> AsyncFallbackChain: ...


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
) -> Instructor | AsyncInstructor | FallbackChain | AsyncFallbackChain:
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
            `pickle_api_key=True` lets a pickled client carry the `api_key` passed here.
            `fallbacks=[...]` returns a fallback chain (`instructor.fallback`) of this client
            and the ones listed: `"provider/model"` strings (built like this one with their own
            defaults: key and base URL from the environment) or clients; `fallback_on=` is
            the chain's `on=` (by default "transport").

    The client pickles as its recipe (provider, model, mode, options) and is rebuilt with
    `from_provider` where it is unpickled (a Ray or Dask worker, a process pool), reading the
    key from that process's environment: credentials are never pickled, except an `api_key`
    passed here with `pickle_api_key=True`.

    Raises (each message says how to fix it):
        ModelStringError: `model` is not "provider/model".
        UnknownProviderError: no such provider (lists them, suggests the closest).
        MissingDependencyError: the SDK is missing (names the pip extra).
        MissingAPIKeyError: no key (names the environment variable).
        UnsupportedModeError: the provider does not support `mode` (lists those it does).

    Example:
        >>> client = instructor.from_provider("openai/gpt-4o-mini")
    """
    if "fallbacks" in kwargs or "fallback_on" in kwargs:
        return _with_fallbacks(model, api_key, async_client, mode, cache, kwargs)
    provider, model_name = parse_model_string(model)
    pickle_key = kwargs.pop("pickle_api_key", False)
    recipe = {"model": model, "async_client": async_client, "mode": mode, "cache": cache, "kwargs": dict(kwargs)}
    if cache is not None:
        kwargs["cache"] = cache  # a default of every create, like any other non-client keyword
    client = provider_registry.create_client(
        provider, model_name, api_key=api_key, async_client=async_client, mode=mode, **kwargs
    )
    try:
        client._recipe = (rebuild, (_portable(recipe, api_key if pickle_key is True else None),))
    except AttributeError:  # a plugin's own client class without the attribute: it pickles as it can
        pass
    return client


def _with_fallbacks(model: str, api_key: str | None, async_client: bool, mode: Mode | None, cache: Any,
                    kwargs: dict[str, Any]) -> FallbackChain | AsyncFallbackChain:
    """`from_provider(..., fallbacks=[...])`: this client, then each fallback, as one chain.

    Raises:
        TypeError: `fallbacks` is not a list of model strings and clients.
    """
    from instructor.core.fallback import fallback

    fallbacks = kwargs.pop("fallbacks", None)
    on = kwargs.pop("fallback_on", "transport")
    if isinstance(fallbacks, str) or not isinstance(fallbacks, Sequence) or not fallbacks:
        raise TypeError(f"fallbacks= takes a list of 'provider/model' strings or clients, got {fallbacks!r}: "
                        "from_provider('openai/gpt-4o-mini', fallbacks=['anthropic/claude-3-5-haiku-latest']).")
    first = from_provider(model, api_key, async_client, mode, cache, **kwargs)  # type: ignore[call-overload]
    others = [from_provider(item, async_client=async_client) if isinstance(item, str)  # type: ignore[call-overload]
              else item for item in fallbacks]
    chain: FallbackChain | AsyncFallbackChain = fallback(first, *others, on=on)
    return chain


#: keywords that carry credentials: never pickled unless the caller asked (`pickle_api_key=True`)
SECRET_KEYWORDS = frozenset({"api_key", "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                             "azure_ad_token", "access_token", "auth_token", "credentials"})


def _portable(recipe: dict[str, Any], api_key: str | None) -> dict[str, Any]:
    """The recipe a client pickles as: credentials left out (the other side reads its own environment),
    the `api_key` kept only when the caller passed one and asked."""
    kwargs = recipe["kwargs"]
    secrets = {k for k in kwargs if k in SECRET_KEYWORDS}
    if api_key is not None:
        secrets.discard("api_key")
    return {**recipe, "api_key": api_key, "kwargs": {k: v for k, v in kwargs.items() if k not in secrets}}


def rebuild(recipe: dict[str, Any]) -> Instructor | AsyncInstructor:
    """A client from its pickled recipe: `from_provider` again, in this process, with its environment."""
    client: Instructor | AsyncInstructor = from_provider(
        recipe["model"], recipe["api_key"], async_client=recipe["async_client"], mode=recipe["mode"],
        cache=recipe["cache"], **recipe["kwargs"])
    return client
