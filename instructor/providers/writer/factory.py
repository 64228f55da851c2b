"""Writer (Palmyra models) through its own SDK (`writer-sdk`, imported as `writerai`).

Writer's chat endpoint is `POST /v1/chat`, called as `client.chat.chat(...)`;
requests and responses have OpenAI's shape, so the handlers (see `handlers.py`)
adapt the OpenAI-format ones.
"""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import split_client_kwargs, wrap_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.writer.config import CONFIG


def from_writer(
    client: Any, mode: Mode = Mode.TOOLS, model: str | None = None, **kwargs: Any
) -> Instructor | AsyncInstructor:
    """Wrap a `writerai.Writer` or `writerai.AsyncWriter` client.

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: a core mode the provider serves (default `Mode.TOOLS`; see its config);
            the deprecated provider-named modes map to their core mode with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `hooks` sets the instructor client's hooks.

    Raises:
        MissingDependencyError: the writer-sdk package is not installed.
        UnsupportedModeError: `mode` is not a Writer mode.
        ClientError: (also a TypeError) `client` is not a Writer client.

    Example:
        >>> from writerai import Writer
        >>> client = instructor.from_writer(Writer(), model="palmyra-x5")
    """
    writerai = import_sdk(CONFIG.package, extra=CONFIG.extra, provider=CONFIG.name)
    if model is not None:
        kwargs["model"] = model
    result: Instructor | AsyncInstructor = wrap_client(
        client, mode, sync_type=writerai.Writer, async_type=writerai.AsyncWriter,
        create=lambda c: c.chat.chat, config=CONFIG, caller="from_writer", **kwargs,
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
    """The factory `from_provider("writer/<model>")` calls."""
    writerai = import_sdk(config.package, extra=config.extra, provider=config.name)
    cls = writerai.AsyncWriter if async_client else writerai.Writer
    hooks = kwargs.pop("hooks", None)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_writer(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)
