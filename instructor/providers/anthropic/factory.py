"""Clients for Anthropic's Messages API, through the `anthropic` SDK.

`from_anthropic` wraps a client you built (`Anthropic`, `AsyncAnthropic`, or the
SDK's Bedrock / Vertex / Foundry variants); `create_client` is the factory behind
`from_provider("anthropic/<model>")`. Only the anthropic SDK is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import bind_family, check_mode, split_client_kwargs, wrong_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

_SYNC_CLIENTS = ("Anthropic", "AnthropicBedrock", "AnthropicVertex", "AnthropicFoundry", "AnthropicAWS")
_ASYNC_CLIENTS = tuple(f"Async{name}" for name in _SYNC_CLIENTS)


def _client_classes(sdk: Any, names: tuple[str, ...]) -> tuple[type[Any], ...]:
    return tuple(cls for cls in (getattr(sdk, name, None) for name in names) if isinstance(cls, type))


def _messages(client: Any, beta: bool) -> Any:
    return client.beta.messages if beta else client.messages


def _create(client: Any, beta: bool = False) -> Callable[..., Any]:
    """`messages.create` itself: the mode handler has shaped every request (`response_model=None`
    calls too), so it goes to the SDK as it is. An async client's returns the awaitable."""
    return _messages(client, beta).create  # type: ignore[no-any-return]


def from_anthropic(
    client: Any,
    mode: Mode = Mode.TOOLS,
    beta: bool = False,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `anthropic.Anthropic` or `anthropic.AsyncAnthropic` client (or its Bedrock / Vertex variants).

    Messages may be written OpenAI-style: `{"role": "system"}` messages become
    Anthropic's top-level `system`, `image_url` parts become image blocks, and
    `max_tokens` defaults to 4096 when not given (Anthropic requires it).

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: TOOLS (default), PARALLEL_TOOLS, JSON or JSON_SCHEMA; the deprecated
            ANTHROPIC_* modes map to these with a warning.
        beta: call `client.beta.messages.create` instead of `client.messages.create`.
        model: the default model of every request.
        **kwargs: defaults for every `create` call (`max_tokens`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the anthropic SDK is not installed.
        UnsupportedModeError: (a `ModeError`) `mode` is not one Anthropic serves.
        ClientError: (also a TypeError) `client` is not an Anthropic SDK client.

    Example:
        >>> import anthropic, instructor
        >>> client = instructor.from_anthropic(anthropic.Anthropic(), model="claude-sonnet-4-5")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    from instructor.providers.anthropic.config import CONFIG

    sdk = import_sdk("anthropic", extra="anthropic", provider="anthropic")
    resolved = check_mode(mode, CONFIG, "from_anthropic")
    if model is not None:
        kwargs["model"] = model
    provider = kwargs.pop("provider", "anthropic")
    bind_family(provider, CONFIG.name)
    async_classes = _client_classes(sdk, _ASYNC_CLIENTS)
    sync_classes = _client_classes(sdk, _SYNC_CLIENTS)
    if isinstance(client, async_classes):
        return AsyncInstructor(client, _create(client, beta), resolved, provider=provider, **kwargs)
    if isinstance(client, sync_classes):
        return Instructor(client, _create(client, beta), resolved, provider=provider, **kwargs)
    raise wrong_client(
        "from_anthropic", [c.__name__ for c in (*sync_classes, *async_classes)], client,
        "Build one with anthropic.Anthropic(), or use instructor.from_provider('anthropic/<model>').",
    )


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory of `from_provider("anthropic/<model>")`: the SDK client, then `from_anthropic`."""
    sdk = import_sdk(config.package, extra=config.extra, provider=config.name)
    cls = sdk.AsyncAnthropic if async_client else sdk.Anthropic
    hooks = kwargs.pop("hooks", None)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_anthropic(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)
