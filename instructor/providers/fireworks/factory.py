"""Fireworks AI through its own SDK (`fireworks-ai` 1.x, imported as `fireworks`).

The 1.x SDK is Stainless-generated like openai's: `Fireworks` / `AsyncFireworks`
with `chat.completions.create`, both returning OpenAI-shaped objects, so the
handlers are the OpenAI-format ones under Fireworks's modes (see `handlers.py`).
A custom `base_url` is the server root: the SDK appends `/v1/chat/completions`.
"""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import sending_in_extra_body, split_client_kwargs, wrap_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.fireworks.config import CONFIG


def from_fireworks(
    client: Any, mode: Mode = Mode.TOOLS, model: str | None = None, **kwargs: Any
) -> Instructor | AsyncInstructor:
    """Wrap a `fireworks.Fireworks` or `fireworks.AsyncFireworks` client.

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: a core mode the provider serves (default `Mode.TOOLS`; see its config);
            the deprecated provider-named modes map to their core mode with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `hooks` sets the instructor client's hooks.

    Raises:
        MissingDependencyError: the fireworks-ai package is not installed.
        UnsupportedModeError: `mode` is not a Fireworks mode.
        ClientError: (also a TypeError) `client` is not a Fireworks client (the 0.x SDK's are not supported).

    Example:
        >>> from fireworks import Fireworks
        >>> client = instructor.from_fireworks(Fireworks(),
        ...                                    model="accounts/fireworks/models/llama-v3p3-70b-instruct")
    """
    fireworks = import_sdk(CONFIG.package, extra=CONFIG.extra, provider=CONFIG.name)
    if model is not None:
        kwargs["model"] = model
    result: Instructor | AsyncInstructor = wrap_client(
        client, mode, sync_type=fireworks.Fireworks, async_type=fireworks.AsyncFireworks,
        create=_chat_create, config=CONFIG, caller="from_fireworks", **kwargs,
    )
    return result


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("fireworks/<model>")` calls."""
    fireworks = import_sdk(config.package, extra=config.extra, provider=config.name)
    cls = fireworks.AsyncFireworks if async_client else fireworks.Fireworks
    hooks = kwargs.pop("hooks", None)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_fireworks(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)


def _chat_create(client: Any) -> Any:
    # the API takes `stream_options` (usage in the last stream chunk); the SDK method does not declare it
    return sending_in_extra_body(client.chat.completions.create, ["stream_options"])
