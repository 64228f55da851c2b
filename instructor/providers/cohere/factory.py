"""Clients for Cohere's v2 chat API through its own SDK (`cohere.ClientV2` / `AsyncClientV2`).

`stream=True` goes to `chat_stream`, whose typed events the handlers read.
Only the cohere SDK is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import split_client_kwargs, wrap_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.cohere.config import CONFIG


def from_cohere(
    client: Any, mode: Mode = Mode.TOOLS, model: str | None = None, **kwargs: Any
) -> Instructor | AsyncInstructor:
    """Wrap a `cohere.ClientV2` or `cohere.AsyncClientV2` client (Cohere's v2 chat API).

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: a core mode the provider serves (default `Mode.TOOLS`; see its config);
            the deprecated provider-named modes map to their core mode with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the cohere SDK is not installed.
        UnsupportedModeError: `mode` is not a Cohere mode.
        ClientError: (also a TypeError) `client` is not a v2 Cohere client (the v1 `cohere.Client` is not supported).

    Example:
        >>> import cohere
        >>> client = instructor.from_cohere(cohere.ClientV2(), model="command-a-03-2025")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    cohere = import_sdk("cohere", extra=CONFIG.extra, provider=CONFIG.name)
    create = _chat_async if isinstance(client, cohere.AsyncClientV2) else _chat_sync
    if model is not None:
        kwargs["model"] = model
    result: Instructor | AsyncInstructor = wrap_client(
        client, mode, sync_type=cohere.ClientV2, async_type=cohere.AsyncClientV2, create=create,
        config=CONFIG, caller="from_cohere", **kwargs,
    )
    return result


def _chat_sync(client: Any) -> Callable[..., Any]:
    chat, chat_stream = client.chat, client.chat_stream

    def chat_v2(**kwargs: Any) -> Any:
        if kwargs.pop("stream", False):
            return chat_stream(**kwargs)
        return chat(**kwargs)

    return chat_v2


def _chat_async(client: Any) -> Callable[..., Any]:
    chat, chat_stream = client.chat, client.chat_stream

    async def chat_v2(**kwargs: Any) -> Any:
        if kwargs.pop("stream", False):
            return chat_stream(**kwargs)  # an async iterator of events, iterated rather than awaited
        return await chat(**kwargs)

    return chat_v2


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("cohere/<model>")` calls (`base_url=` points it elsewhere)."""
    cohere = import_sdk("cohere", extra=config.extra, provider=config.name)
    cls = cohere.AsyncClientV2 if async_client else cohere.ClientV2
    hooks = kwargs.pop("hooks", None)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_cohere(client, mode, model=model, provider=config.name, hooks=hooks, **defaults)
