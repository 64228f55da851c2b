"""The mode registry: one handler per (provider family, mode), named by dotted path, loaded on first use.

A core mode (TOOLS, JSON...) means the same thing for every provider; each
provider family that speaks its own wire format serves it with its own handler
(`"anthropic:tool_call"`), and every other provider uses the OpenAI chat
format's handler of that mode (`"tool_call"`). A client finds its handler by
its provider name and mode (`get_handler(mode, provider=...)`).

A handler is the whole of a mode's wire convention: how a response model becomes
request kwargs, how the response is read back, how a failed validation is asked
again, and how a stream is read. Built-in handlers are declared in
`instructor.providers._catalog`; plugins add theirs with `register_handler`.

The contract a handler meets (`ModeHandler`, the streaming types, the
re-ask texts) is `instructor.core.handler`; its names are re-exported here, where
they were first published.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

from instructor.core.dependencies import load_object
from instructor.core.exceptions import HandlerNotFoundError
from instructor.core.handler import NO_USAGE as NO_USAGE
from instructor.core.handler import AsyncReadStream as AsyncReadStream
from instructor.core.handler import ChunkReader as ChunkReader
from instructor.core.handler import ModeHandler as ModeHandler
from instructor.core.handler import ReadStream as ReadStream
from instructor.core.handler import StreamDelta as StreamDelta
from instructor.core.handler import aread_stream as aread_stream
from instructor.core.handler import read_stream as read_stream
from instructor.mode import Mode


def _key(mode: Mode | str, family: str | None = None) -> str:
    """The registry key: the mode's value, prefixed by the provider family when there is one."""
    value = str(mode.value if isinstance(mode, Mode) else mode)
    return f"{family}:{value}" if family else value


class ModeRegistry:
    """Handlers keyed by (provider family, mode); a handler's module is imported only when first asked for.

    A key is a mode's value (`"tool_call"`: the OpenAI chat format, which most
    providers speak) or `"<family>:<mode value>"` (`"anthropic:tool_call"`: how
    that provider family serves the mode). A lookup with a family tries its own
    handler first, then the format-wide one, so an OpenAI-compatible provider
    needs no entries at all.

    Example:
        >>> registry = ModeRegistry({"anthropic:tool_call": "instructor.providers.anthropic.handlers:TOOLS"})
        >>> registry.get(Mode.TOOLS, family="anthropic")
        ToolsHandler(Mode.TOOLS)
    """

    def __init__(self, lazy: Mapping[str, str] | None = None) -> None:
        self._lock = threading.RLock()
        self._lazy: dict[str, str] = dict(lazy or {})
        self._loaded: dict[str, ModeHandler] = {}
        self._families: dict[str, str] = {}

    def register(
        self,
        mode: Mode | str,
        handler: ModeHandler | type[Any] | str,
        *,
        replace: bool = False,
        family: str | None = None,
    ) -> None:
        """Register a handler (an instance, a class, or `"module:Class"`) for `mode`.

        `family` (a provider family such as `"anthropic"`) makes it that family's
        handler of `mode`; without it, the handler serves every family that has
        none of its own.

        Raises:
            ValueError: a handler is registered for this (family, mode) already and `replace` is not set.
        """
        key = _key(mode, family)
        with self._lock:
            if not replace and (key in self._lazy or key in self._loaded):
                existing = self._loaded.get(key) or self._lazy.get(key)
                raise ValueError(
                    f"A handler is already registered for mode {key!r}: {existing!r}. "
                    "Pass replace=True to replace it."
                )
            self._loaded.pop(key, None)
            self._lazy.pop(key, None)
            if isinstance(handler, str):
                self._lazy[key] = handler
            else:
                self._loaded[key] = handler() if isinstance(handler, type) else handler

    def use_family(self, provider: str, family: str) -> None:
        """Let `provider` (a name clients carry) use the handlers of `family`."""
        if provider != family:
            with self._lock:
                self._families[provider] = family

    def family_of(self, provider: str | None) -> str | None:
        """The handler family of a provider name (itself, unless `use_family` said otherwise)."""
        if provider is None:
            return None
        return self._families.get(provider, provider)

    def _find(self, key: str) -> ModeHandler | str | None:
        return self._loaded.get(key) or self._lazy.get(key)

    def get(self, mode: Mode | str, *, family: str | None = None) -> ModeHandler:
        """The handler of `mode` for a provider family, importing its module on first use.

        Raises:
            HandlerNotFoundError: nothing is registered for `mode`; lists what is.
        """
        family = self.family_of(family)
        key = _key(mode, family)
        if family and self._find(key) is None:
            key = _key(mode)
        handler = self._loaded.get(key)
        if handler is not None:
            return handler
        target = self._lazy.get(key)
        if target is None:
            import difflib

            known = sorted(set(self._lazy) | set(self._loaded))
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise HandlerNotFoundError(
                f"No handler is registered for mode {key!r}.{hint} Registered modes: "
                f"{', '.join(known)}. Register one with instructor.register_handler(mode, handler)."
            )
        # imported outside the lock: a handler module that registers handlers while another
        # thread imports it would wait for the lock while we wait for its import (a deadlock
        # Python cannot see); the import system itself runs the module once
        obj = load_object(target)
        loaded = cast(ModeHandler, obj() if isinstance(obj, type) else obj)
        with self._lock:
            if self._lazy.get(key) == target:  # not replaced meanwhile
                self._loaded[key] = loaded
                del self._lazy[key]
        return self._loaded.get(key) or self.get(mode, family=family)

    def is_loaded(self, mode: Mode | str, *, family: str | None = None) -> bool:
        return _key(mode, family) in self._loaded

    def stats(self) -> dict[str, Any]:
        """Counts of known, loaded and lazy handlers, and the loaded modes."""
        return {
            "known": len(self._lazy) + len(self._loaded),
            "loaded": len(self._loaded),
            "lazy": len(self._lazy),
            "loaded_modes": sorted(self._loaded),
        }


def _default_registry() -> ModeRegistry:
    from instructor.providers._catalog import BUILTIN_HANDLERS

    return ModeRegistry(BUILTIN_HANDLERS)


mode_registry = _default_registry()


def get_handler(mode: Mode | str, *, provider: str | None = None) -> ModeHandler:
    """The handler of `mode` for `provider` (its family's own, else the OpenAI-format one)."""
    return mode_registry.get(mode, family=provider)


def register_handler(
    mode: Mode | str,
    handler: ModeHandler | type[Any] | str,
    *,
    replace: bool = False,
    provider: str | None = None,
) -> None:
    """Register a mode handler with the default registry (see `ModeRegistry.register`).

    `provider` names the provider family the handler serves `mode` for.
    """
    mode_registry.register(mode, handler, replace=replace, family=provider)
