"""Helpers every provider factory uses the same way."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any


@functools.cache
def _constructor_params(cls: Callable[..., Any]) -> frozenset[str]:
    target = cls.__init__ if isinstance(cls, type) else cls  # type: ignore[misc]
    params = inspect.signature(target).parameters.values()
    return frozenset(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def split_client_kwargs(cls: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split `kwargs` into (those the SDK client's constructor takes, the rest).

    `base_url`, `timeout`, `max_retries`, `http_client`... go to the SDK client;
    anything else (`temperature`, `max_tokens`...) becomes a default of every
    `create` call. This is the same for every provider.
    """
    accepted = _constructor_params(cls)
    client_kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    defaults = {k: v for k, v in kwargs.items() if k not in accepted}
    return client_kwargs, defaults


def check_mode(mode: Any, supported: Sequence[Any], caller: str) -> Any:
    """`mode` as a `Mode`, or `UnsupportedModeError` listing `supported` (for `from_<x>` functions)."""
    from instructor.core.exceptions import UnsupportedModeError
    from instructor.mode import Mode

    try:
        resolved = Mode(mode)
    except ValueError:
        resolved = None
    if resolved is None or resolved not in supported:
        names = ", ".join(f"Mode.{m.name}" for m in supported)
        raise UnsupportedModeError(
            f"{caller} does not support mode {mode!r}. Supported modes: {names}.",
            mode=mode,
            supported=supported,
        )
    return resolved


def wrap_client(
    client: Any,
    mode: Any,
    *,
    sync_type: type,
    async_type: type,
    create: Callable[[Any], Callable[..., Any]],
    supported: Sequence[Any],
    name: str,
    caller: str,
    **kwargs: Any,
) -> Any:
    """Wrap an SDK client in `Instructor` or `AsyncInstructor`, by its type.

    `create(client)` returns the SDK call that answers a chat request;
    `kwargs` become defaults of every `create` (`hooks=` sets the client's hooks and
    `provider=` its provider name, `name` by default).

    Raises:
        UnsupportedModeError: `mode` is not in `supported`.
        TypeError: `client` is neither a `sync_type` nor an `async_type`.
    """
    from instructor.core.client import AsyncInstructor, Instructor

    resolved = check_mode(mode, supported, caller)
    provider = kwargs.pop("provider", name)
    if isinstance(client, async_type):
        return AsyncInstructor(client, create(client), resolved, provider=provider, **kwargs)
    if isinstance(client, sync_type):
        return Instructor(client, create(client), resolved, provider=provider, **kwargs)
    raise TypeError(
        f"{caller} expects a {_public_name(sync_type)} or {_public_name(async_type)} client, "
        f"got {type(client).__name__}."
    )


def _public_name(cls: type) -> str:
    """`groq.Groq` rather than `groq._client.Groq`."""
    parts = cls.__module__.split(".")
    end = next((i for i, part in enumerate(parts) if part.startswith("_")), len(parts))
    return ".".join([*parts[:end], cls.__name__])


def sending_in_extra_body(create: Callable[..., Any], names: Iterable[str]) -> Callable[..., Any]:
    """`create`, sending the keywords `names` inside `extra_body`.

    For OpenAI-compatible body fields (`stream_options`...) that an SDK's method
    does not declare as parameters: the API accepts them, the method would
    raise `TypeError`. Works for sync and async methods alike.
    """
    moved = frozenset(names)

    def call(**kwargs: Any) -> Any:
        extra = {name: kwargs.pop(name) for name in moved & kwargs.keys()}
        if extra:
            kwargs["extra_body"] = {**(kwargs.get("extra_body") or {}), **extra}
        return create(**kwargs)

    return call
