"""Cerebras through its own SDK (`cerebras-cloud-sdk`, imported as `cerebras.cloud.sdk`).

The SDK's chat API has OpenAI's shape; its handlers are the OpenAI-format ones
under Cerebras's modes (see `handlers.py`). The SDK client warms its connection
when built (a `GET /v1/tcp_warming`); `from_provider` turns that off, since
building a client should cost no network round trip. Pass
`warm_tcp_connection=True` to have it.
"""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.factory_utils import split_client_kwargs, wrap_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.cerebras.config import CONFIG


def from_cerebras(
    client: Any, mode: Mode = Mode.TOOLS, model: str | None = None, **kwargs: Any
) -> Instructor | AsyncInstructor:
    """Wrap a `cerebras.cloud.sdk.Cerebras` or `AsyncCerebras` client.

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: a core mode the provider serves (default `Mode.TOOLS`; see its config);
            the deprecated provider-named modes map to their core mode with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call (`model`, `temperature`...);
            `hooks` sets the instructor client's hooks.

    Raises:
        MissingDependencyError: the cerebras-cloud-sdk package is not installed.
        UnsupportedModeError: `mode` is not a Cerebras mode.
        ClientError: (also a TypeError) `client` is not a Cerebras client.

    Example:
        >>> from cerebras.cloud.sdk import Cerebras
        >>> client = instructor.from_cerebras(Cerebras(), model="llama-3.3-70b")
    """
    sdk = import_sdk(CONFIG.package, extra=CONFIG.extra, provider=CONFIG.name)
    if model is not None:
        kwargs["model"] = model
    result: Instructor | AsyncInstructor = wrap_client(
        client, mode, sync_type=sdk.Cerebras, async_type=sdk.AsyncCerebras,
        create=lambda c: c.chat.completions.create, config=CONFIG, caller="from_cerebras", **kwargs,
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
    """The factory `from_provider("cerebras/<model>")` calls."""
    sdk = import_sdk(config.package, extra=config.extra, provider=config.name)
    cls = sdk.AsyncCerebras if async_client else sdk.Cerebras
    hooks = kwargs.pop("hooks", None)
    kwargs.setdefault("warm_tcp_connection", False)
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    client = cls(api_key=api_key, **client_kwargs)
    return from_cerebras(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)
