"""Hooks: callbacks around each completion, registered by name.

A hook that raises is logged (its type and message, never its payload) and
otherwise ignored: observing a call must never break it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any


class HookName(str, enum.Enum):
    """The events a hook can listen to."""

    COMPLETION_KWARGS = "completion:kwargs"
    COMPLETION_RESPONSE = "completion:response"
    COMPLETION_ERROR = "completion:error"
    COMPLETION_LAST_ATTEMPT = "completion:last_attempt"
    PARSE_ERROR = "parse:error"


HookHandler = Callable[..., Any]


def _name(hook: HookName | str) -> HookName:
    try:
        return HookName(hook)
    except ValueError:
        names = ", ".join(repr(h.value) for h in HookName)
        raise ValueError(f"Unknown hook {hook!r}. Known hooks: {names}.") from None


class Hooks:
    """Handlers per hook name.

    Example:
        >>> hooks = Hooks()
        >>> hooks.on("completion:kwargs", lambda **kw: print(kw["model"]))
    """

    __slots__ = ("_handlers",)

    def __init__(self) -> None:
        self._handlers: dict[HookName, list[HookHandler]] = {}

    def on(self, hook: HookName | str, handler: HookHandler) -> None:
        """Call `handler` on every `hook` event."""
        self._handlers.setdefault(_name(hook), []).append(handler)

    def off(self, hook: HookName | str, handler: HookHandler) -> None:
        """Stop calling `handler` on `hook` (no error if it was not registered)."""
        handlers = self._handlers.get(_name(hook), [])
        if handler in handlers:
            handlers.remove(handler)

    def clear(self, hook: HookName | str | None = None) -> None:
        """Remove the handlers of `hook`, or of every hook when None."""
        if hook is None:
            self._handlers.clear()
        else:
            self._handlers.pop(_name(hook), None)

    def __bool__(self) -> bool:
        return any(self._handlers.values())

    def combine(self, other: Hooks | None) -> Hooks:
        """A new `Hooks` calling this one's handlers, then `other`'s."""
        merged = Hooks()
        for source in (self, other):
            if source is None:
                continue
            for name, handlers in source._handlers.items():
                merged._handlers.setdefault(name, []).extend(handlers)
        return merged

    def emit(self, hook: HookName, *args: Any, **kwargs: Any) -> None:
        """Call every handler of `hook`; a handler that raises is logged and skipped."""
        for handler in self._handlers.get(hook, ()):
            try:
                handler(*args, **kwargs)
            except Exception as exc:
                import logging

                logging.getLogger("instructor").warning(
                    "Hook handler %r for %r raised %s; the call goes on.",
                    # a name, never the handler's repr: a partial's repr shows its bound arguments
                    getattr(handler, "__qualname__", type(handler).__qualname__),
                    hook.value,
                    type(exc).__name__,
                )
