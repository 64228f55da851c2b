"""Helpers every provider factory uses the same way."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
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


def check_mode(mode: Any, config: Any, caller: str) -> Any:
    """`mode` as the core mode `config`'s provider serves it with (for `from_<x>` functions).

    The same mechanism as `from_provider` (`instructor.core.provider_registry.check_mode`):
    deprecated aliases map to their core mode with a warning.

    Raises:
        UnsupportedModeError: (a `ModeError`) the provider does not serve `mode`.
    """
    from instructor.core.provider_registry import check_mode as check

    return check(config, mode, caller)


def bind_family(provider: str, family: str) -> None:
    """Let a client named `provider` (a plugin's or a variant's name) use `family`'s handlers."""
    if provider != family:
        from instructor.core.mode_registry import mode_registry

        mode_registry.use_family(provider, family)


def wrong_client(caller: str, accepted: Iterable[type | str], client: Any, hint: str = "") -> Exception:
    """The `ClientError` (also a `TypeError`) for a client of the wrong type: what is accepted, what came."""
    from instructor.core.exceptions import ClientError

    names = ", ".join(a if isinstance(a, str) else _public_name(a) for a in accepted)
    return ClientError(
        f"{caller} expects a client that is an instance of one of: {names}. Got: "
        f"{type(client).__name__}.{(' ' + hint) if hint else ''}"
    )


def wrap_client(
    client: Any,
    mode: Any,
    *,
    sync_type: type,
    async_type: type,
    create: Callable[[Any], Callable[..., Any]],
    config: Any,
    caller: str,
    **kwargs: Any,
) -> Any:
    """Wrap an SDK client in `Instructor` or `AsyncInstructor`, by its type.

    `create(client)` returns the SDK call that answers a chat request;
    `kwargs` become defaults of every `create` (`hooks=` sets the client's hooks and
    `provider=` its provider name, `config.name` by default). The mode is checked
    first, then the client's type, as the published release does.

    Raises:
        UnsupportedModeError: `config`'s provider does not serve `mode`.
        ClientError: `client` is neither a `sync_type` nor an `async_type` (also a TypeError).
    """
    from instructor.core.client import AsyncInstructor, Instructor

    resolved = check_mode(mode, config, caller)
    provider = kwargs.pop("provider", config.name)
    bind_family(provider, config.name)
    if isinstance(client, async_type):
        return AsyncInstructor(client, create(client), resolved, provider=provider, **kwargs)
    if isinstance(client, sync_type):
        return Instructor(client, create(client), resolved, provider=provider, **kwargs)
    raise wrong_client(caller, (sync_type, async_type), client)


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
