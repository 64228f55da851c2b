"""Clients over LiteLLM's `completion` / `acompletion` functions (a function, not an SDK client).

LiteLLM answers every backend in OpenAI's shape (`ModelResponse`, and stream
chunks with `choices[].delta`), so the OpenAI-format handlers of `Mode.TOOLS`,
`Mode.JSON` and `Mode.MD_JSON` read it; none of them imports the openai SDK.
LiteLLM reads each backend's key from that backend's own environment variable,
so instructor checks none; `api_key=` and `api_base=` are passed through.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ClientError
from instructor.core.factory_utils import bind_family, check_mode
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.litellm.config import CONFIG


def from_litellm(
    completion: Callable[..., Any],
    mode: Mode = Mode.TOOLS,
    *,
    async_client: bool | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap LiteLLM's `completion` (sync) or `acompletion` (async) function.

    Args:
        completion: `litellm.completion`, `litellm.acompletion`, or any function with
            their signature, OpenAI's shape in and out (a coroutine function gives an
            `AsyncInstructor`); litellm itself need not be installed.
        mode: an OpenAI-format mode (default `Mode.TOOLS`).
        async_client: force an `AsyncInstructor` (True) or a sync one (False); by
            default a coroutine function gives an async client.
        **kwargs: defaults for every `create` call (`model`, `api_base`, `api_key`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        UnsupportedModeError: `mode` is not one LiteLLM supports through instructor.
        ClientError: (also a TypeError) `completion` is not callable.

    Example:
        >>> from litellm import completion
        >>> client = instructor.from_litellm(completion, model="gpt-4o-mini")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    resolved = check_mode(mode, CONFIG, "from_litellm")  # the callable is what is called: litellm is not imported
    if not callable(completion):
        raise ClientError(
            f"from_litellm expects litellm.completion or litellm.acompletion, got {type(completion).__name__}."
        )
    provider = kwargs.pop("provider", CONFIG.name)
    bind_family(provider, CONFIG.name)
    if async_client or (async_client is None and inspect.iscoroutinefunction(completion)):
        return AsyncInstructor(completion, completion, resolved, provider=provider, **kwargs)
    return Instructor(completion, completion, resolved, provider=provider, **kwargs)


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("litellm/<litellm model>")` calls, e.g. `"litellm/anthropic/claude-sonnet-4-5"`.

    Every keyword but `hooks` becomes a default of each call (`api_base`, `temperature`...).
    """
    litellm = import_sdk("litellm", extra=config.extra, provider=config.name)
    hooks = kwargs.pop("hooks", None)
    if api_key:
        kwargs["api_key"] = api_key
    if "base_url" in kwargs:  # the spelling every other provider uses
        kwargs["api_base"] = kwargs.pop("base_url")
    function = litellm.acompletion if async_client else litellm.completion
    return from_litellm(function, mode, model=model, provider=config.name, hooks=hooks, **kwargs)
