"""Groq through its own SDK (`groq`).

Groq's chat API and its SDK's response objects have OpenAI's shape, so the
OpenAI-format handlers of `Mode.TOOLS`, `Mode.JSON` and `Mode.MD_JSON` serve
it; none of them imports the `openai` SDK, and nothing here does either.
"""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import sending_in_extra_body, split_client_kwargs, wrap_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.groq.config import CONFIG


def from_groq(
    client: Any, mode: Mode = Mode.TOOLS, model: str | None = None, **kwargs: Any
) -> Instructor | AsyncInstructor:
    """Wrap a `groq.Groq` or `groq.AsyncGroq` client.

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: `Mode.TOOLS` (default), `Mode.JSON` or `Mode.MD_JSON`.
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `hooks` sets the instructor client's hooks.

    Raises:
        MissingDependencyError: the groq SDK is not installed.
        UnsupportedModeError: `mode` is not one Groq supports.
        ClientError: (also a TypeError) `client` is not a Groq client.

    Example:
        >>> client = instructor.from_groq(groq.Groq(), model="llama-3.3-70b-versatile")
    """
    groq = import_sdk("groq", extra=CONFIG.extra, provider=CONFIG.name)
    if model is not None:
        kwargs["model"] = model
    result: Instructor | AsyncInstructor = wrap_client(
        client, mode, sync_type=groq.Groq, async_type=groq.AsyncGroq,
        create=_chat_create, config=CONFIG, caller="from_groq", **kwargs,
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
    """The factory `from_provider("groq/<model>")` calls."""
    groq = import_sdk("groq", extra=config.extra, provider=config.name)
    cls = groq.AsyncGroq if async_client else groq.Groq
    hooks = kwargs.pop("hooks", None)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_groq(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)


def _chat_create(client: Any) -> Any:
    # the API takes `stream_options` (usage in the last stream chunk); the SDK method does not declare it
    return sending_in_extra_body(client.chat.completions.create, ["stream_options"])
