"""Helpers every provider factory uses the same way."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
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
