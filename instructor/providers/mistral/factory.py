"""Clients for Mistral through its own SDK (`mistralai`).

One `Mistral` client serves sync and async calls (`chat.complete` /
`chat.complete_async`); `stream=True` goes to `chat.stream` / `chat.stream_async`,
whose events are unwrapped to their chunks (`event.data`) for the handlers.
Only the mistralai SDK is imported here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ClientError
from instructor.core.factory_utils import bind_family, check_mode, split_client_kwargs
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.mistral.config import CONFIG

#: OpenAI's stream option, added by the OpenAI-format MD_JSON handler; Mistral always sends usage
_OPENAI_ONLY = ("stream_options",)


def mistral_client_class() -> type[Any]:
    """`Mistral` from the installed SDK: `mistralai.client` (2.x and later) or `mistralai` (1.x)."""
    sdk = import_sdk("mistralai", extra=CONFIG.extra, provider=CONFIG.name)
    cls = getattr(sdk, "Mistral", None)
    if cls is None:
        cls = import_sdk("mistralai.client", extra=CONFIG.extra, provider=CONFIG.name).Mistral
    return cls  # type: ignore[no-any-return]


def _chat_request(kwargs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    request = {k: v for k, v in kwargs.items() if k not in _OPENAI_ONLY}
    return request, bool(request.pop("stream", False))


def _chunks(events: Any) -> Iterator[Any]:
    with events:
        for event in events:
            yield event.data


async def _achunks(events: Any) -> AsyncIterator[Any]:
    async with events:
        async for event in events:
            yield event.data


def _sync_create(chat: Any) -> Callable[..., Any]:
    def complete(**kwargs: Any) -> Any:
        request, stream = _chat_request(kwargs)
        if stream:
            return _chunks(chat.stream(**request))
        return chat.complete(**request)

    return complete


def _async_create(chat: Any) -> Callable[..., Any]:
    async def complete(**kwargs: Any) -> Any:
        request, stream = _chat_request(kwargs)
        if stream:
            return _achunks(await chat.stream_async(**request))
        return await chat.complete_async(**request)

    return complete


def from_mistral(
    client: Any,
    mode: Mode = Mode.TOOLS,
    use_async: bool = False,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap a `mistralai.Mistral` client.

    Args:
        client: the SDK client (it serves sync and async calls alike).
        mode: `Mode.TOOLS` (default), `Mode.JSON_SCHEMA` or `Mode.MD_JSON` (MISTRAL_TOOLS /
            MISTRAL_STRUCTURED_OUTPUTS map to the first two with a warning).
        model: the default model of every request.
        use_async: return an `AsyncInstructor` (over `chat.complete_async`).
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the mistralai SDK is not installed.
        UnsupportedModeError: `mode` is not one Mistral supports.
        ClientError: (also a TypeError) `client` is not a `Mistral` client.

    Example:
        >>> from mistralai import Mistral
        >>> client = instructor.from_mistral(Mistral(api_key=...), model="mistral-large-latest")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    if model is not None:
        kwargs["model"] = model
    cls = mistral_client_class()
    resolved = check_mode(mode, CONFIG, "from_mistral")
    if not isinstance(client, cls):
        raise ClientError(f"from_mistral expects a mistralai Mistral client, got {type(client).__name__}.")
    provider = kwargs.pop("provider", CONFIG.name)
    bind_family(provider, CONFIG.name)
    if use_async:
        return AsyncInstructor(client, _async_create(client.chat), resolved, provider=provider, **kwargs)
    return Instructor(client, _sync_create(client.chat), resolved, provider=provider, **kwargs)


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("mistral/<model>")` calls (`server_url=` points it elsewhere)."""
    cls = mistral_client_class()
    hooks = kwargs.pop("hooks", None)
    if "base_url" in kwargs:  # the spelling every other provider uses
        kwargs["server_url"] = kwargs.pop("base_url")
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_mistral(client, mode, use_async=async_client, model=model, provider=config.name, hooks=hooks,
                        **defaults)
