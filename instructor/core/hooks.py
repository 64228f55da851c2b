"""Hooks: callbacks around each completion, registered by name.

The attempt metadata (`attempt_number`, `max_attempts`, `is_last_attempt`) goes
only to handlers whose signature accepts it (by name, or with `**kwargs`), and
`client` (the instructor client whose attempt it is, which tells the clients of a
fallback chain apart) only to those that name it; that is worked out once, when
the handler is registered, never per call. A handler that raises never breaks the
call: it is reported with a `UserWarning` (a bug in a hook is the developer's to
see; the warning names the hook, the handler and the exception type, never the
payload, which may hold secrets).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

HookHandler = Callable[..., Any]

_PUBLISHED_META = frozenset({"attempt_number", "max_attempts", "is_last_attempt"})
_META = _PUBLISHED_META | {"client"}  # `client` only to a handler that names it: a `**kwargs` gets the published


class HookName(str, enum.Enum):
    """The events a hook can listen to."""

    COMPLETION_KWARGS = "completion:kwargs"
    COMPLETION_RESPONSE = "completion:response"
    COMPLETION_ERROR = "completion:error"
    COMPLETION_LAST_ATTEMPT = "completion:last_attempt"
    COMPLETION_USAGE = "completion:usage"
    PARSE_ERROR = "parse:error"


def _name(hook: HookName | str) -> HookName:
    try:
        return HookName(hook)
    except ValueError:
        names = ", ".join(repr(h.value) for h in HookName)
        raise ValueError(f"Invalid hook name: {hook}. Known hooks: {names}.") from None


def _accepted_metadata(handler: HookHandler) -> frozenset[str]:
    """Which metadata keywords `handler` takes (all of them with a `**kwargs`)."""
    import inspect

    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: the exception alone
        return frozenset()
    named = frozenset(p.name for p in parameters if p.name in _META and p.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY))
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return _PUBLISHED_META | named
    return named


class _Registered:
    __slots__ = ("handler", "metadata")

    def __init__(self, handler: HookHandler, metadata: frozenset[str]) -> None:
        self.handler = handler
        self.metadata = metadata


class _Combine:
    """`Hooks.combine(*hooks)` on the class; `hooks.combine(other)` on an instance."""

    def __get__(self, instance: Hooks | None, owner: type[Hooks]) -> Callable[..., Hooks]:
        if instance is None:
            return lambda *hooks: owner._merge(hooks)
        return lambda *others: owner._merge((instance, *(o for o in others if o is not None)))


class Hooks:
    """Handlers per hook name.

    Example:
        >>> hooks = Hooks()
        >>> hooks.on("completion:kwargs", lambda **kw: print(kw["model"]))
        >>> hooks.on("parse:error", lambda error, attempt_number: print(attempt_number, error))
    """

    __slots__ = ("_handlers",)

    def __init__(self) -> None:
        self._handlers: dict[HookName, list[_Registered]] = {}

    def on(self, hook: HookName | str, handler: HookHandler) -> None:
        """Call `handler` on every `hook` event.

        Raises:
            ValueError: `hook` is not a hook name.
        """
        self._handlers.setdefault(_name(hook), []).append(_Registered(handler, _accepted_metadata(handler)))

    def off(self, hook: HookName | str, handler: HookHandler) -> None:
        """Stop calling `handler` on `hook` (no error if it was not registered)."""
        handlers = self._handlers.get(_name(hook), [])
        for registered in handlers:
            if registered.handler == handler:
                handlers.remove(registered)
                return

    def clear(self, hook: HookName | str | None = None) -> None:
        """Remove the handlers of `hook`, or of every hook when None."""
        if hook is None:
            self._handlers.clear()
        else:
            self._handlers.pop(_name(hook), None)

    def get_hook_name(self, hook: HookName | str) -> HookName:
        """The `HookName` of `hook` (a `HookName` or its string)."""
        return _name(hook)

    def __bool__(self) -> bool:
        return any(self._handlers.values())

    @classmethod
    def _merge(cls, sources: Iterable[Any]) -> Hooks:
        merged = cls()
        for source in sources:
            if not isinstance(source, Hooks):
                raise TypeError(f"Hooks can only be combined with Hooks, got {type(source).__name__}: {source!r}")
            for name, handlers in source._handlers.items():
                merged._handlers.setdefault(name, []).extend(handlers)
        return merged

    combine = _Combine()
    """A new `Hooks` running the handlers of each, in order: `Hooks.combine(a, b)` or `a.combine(b)`."""

    def __add__(self, other: Hooks) -> Hooks:
        if not isinstance(other, Hooks):
            return NotImplemented
        return Hooks._merge((self, other))

    def __iadd__(self, other: Hooks) -> Hooks:
        if not isinstance(other, Hooks):
            return NotImplemented
        for name, handlers in other._handlers.items():
            self._handlers.setdefault(name, []).extend(handlers)
        return self

    def copy(self) -> Hooks:
        """An independent copy (registering on it leaves this one unchanged)."""
        return Hooks._merge((self,))

    def emit(self, hook: HookName | str, *args: Any, **kwargs: Any) -> None:
        """Call every handler of `hook` with these arguments; a handler that raises is reported and skipped."""
        name = _name(hook)
        for registered in self._handlers.get(name, ()):
            try:
                registered.handler(*args, **kwargs)
            except Exception as exc:
                _report(name, registered.handler, exc)

    def emit_with_metadata(self, hook: HookName, value: Any, **metadata: Any) -> None:
        """Call every handler of `hook` with `value` and the metadata keywords it accepts."""
        for registered in self._handlers.get(hook, ()):
            try:
                if registered.metadata:
                    registered.handler(value, **{k: v for k, v in metadata.items() if k in registered.metadata})
                else:
                    registered.handler(value)
            except Exception as exc:
                _report(hook, registered.handler, exc)

    # the published spellings
    def emit_completion_arguments(self, *args: Any, **kwargs: Any) -> None:
        self.emit(HookName.COMPLETION_KWARGS, *args, **kwargs)

    def emit_completion_response(self, response: Any) -> None:
        self.emit(HookName.COMPLETION_RESPONSE, response)

    def emit_completion_error(self, error: Exception, **metadata: Any) -> None:
        self.emit_with_metadata(HookName.COMPLETION_ERROR, error, **metadata)

    def emit_completion_last_attempt(self, error: Exception, **metadata: Any) -> None:
        self.emit_with_metadata(HookName.COMPLETION_LAST_ATTEMPT, error, **metadata)

    def emit_completion_usage(self, usage: Any, **metadata: Any) -> None:
        self.emit_with_metadata(HookName.COMPLETION_USAGE, usage, **metadata)

    def emit_parse_error(self, error: Exception, **metadata: Any) -> None:
        self.emit_with_metadata(HookName.PARSE_ERROR, error, **metadata)


def _report(hook: HookName, handler: HookHandler, exc: Exception) -> None:
    import warnings

    # a name, never the handler's repr: a partial's repr shows its bound arguments
    name = getattr(handler, "__qualname__", type(handler).__qualname__)
    warnings.warn(
        f"Hook handler {name} for {hook.value!r} raised {type(exc).__name__}; the call goes on. "
        "Fix the handler, or remove it with client.off().",
        UserWarning,
        stacklevel=3,
    )


__all__ = ["HookHandler", "HookName", "Hooks"]
