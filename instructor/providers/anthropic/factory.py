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
from instructor.core.exceptions import UnsupportedModeError
from instructor.core.factory_utils import split_client_kwargs
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.anthropic.request import normalize

ANTHROPIC_MODES = (
    Mode.ANTHROPIC_TOOLS, Mode.ANTHROPIC_PARALLEL_TOOLS, Mode.ANTHROPIC_JSON, Mode.ANTHROPIC_REASONING_TOOLS,
)
_SYNC_CLIENTS = ("Anthropic", "AnthropicBedrock", "AnthropicVertex", "AnthropicFoundry", "AnthropicAWS")
_ASYNC_CLIENTS = tuple(f"Async{name}" for name in _SYNC_CLIENTS)


def _client_classes(sdk: Any, names: tuple[str, ...]) -> tuple[type[Any], ...]:
    return tuple(cls for cls in (getattr(sdk, name, None) for name in names) if isinstance(cls, type))


def _sync_create(client: Any) -> Callable[..., Any]:
    create = client.messages.create

    def messages_create(**kwargs: Any) -> Any:
        # handlers have shaped the request already; this covers response_model=None calls
        return create(**normalize(kwargs))

    return messages_create


def _async_create(client: Any) -> Callable[..., Any]:
    create = client.messages.create

    async def messages_create(**kwargs: Any) -> Any:
        return await create(**normalize(kwargs))

    return messages_create


def from_anthropic(
    client: Any,
    mode: Mode = Mode.ANTHROPIC_TOOLS,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `anthropic.Anthropic` or `anthropic.AsyncAnthropic` client.

    Messages may be written OpenAI-style: `{"role": "system"}` messages become
    Anthropic's top-level `system`, `image_url` parts become image blocks, and
    `max_tokens` defaults to 4096 when not given (Anthropic requires it).

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: ANTHROPIC_TOOLS (default), ANTHROPIC_PARALLEL_TOOLS, ANTHROPIC_JSON or
            ANTHROPIC_REASONING_TOOLS.
        **kwargs: defaults for every `create` call (`model`, `max_tokens`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the anthropic SDK is not installed.
        UnsupportedModeError: `mode` is not an Anthropic mode.
        TypeError: `client` is not an Anthropic SDK client.

    Example:
        >>> import anthropic, instructor
        >>> client = instructor.from_anthropic(anthropic.Anthropic(), model="claude-sonnet-4-5")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    sdk = import_sdk("anthropic", extra="anthropic", provider="anthropic")
    try:
        mode = Mode(mode)
    except ValueError:
        pass
    if mode not in ANTHROPIC_MODES:
        raise UnsupportedModeError(
            f"from_anthropic does not support mode {mode!r}. Supported modes: "
            f"{', '.join('Mode.' + m.name for m in ANTHROPIC_MODES)}.",
            mode=mode,
            supported=ANTHROPIC_MODES,
        )
    provider = kwargs.pop("provider", "anthropic")
    if isinstance(client, _client_classes(sdk, _ASYNC_CLIENTS)):
        return AsyncInstructor(client, _async_create(client), mode, provider=provider, **kwargs)
    if isinstance(client, _client_classes(sdk, _SYNC_CLIENTS)):
        return Instructor(client, _sync_create(client), mode, provider=provider, **kwargs)
    raise TypeError(
        f"from_anthropic expects an anthropic.Anthropic or anthropic.AsyncAnthropic client, "
        f"got {type(client).__name__}. Build one with anthropic.Anthropic(), or use "
        "instructor.from_provider('anthropic/<model>')."
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
