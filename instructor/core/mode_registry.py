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

The streaming contract (what a provider implements so `create_partial`,
`create_iterable`, `Partial[...]` and `Iterable[...]` work with it; the
machinery itself, the `instructor.core.streaming` package (`response`, `shapes`, `cursor`,
`consumers`), knows no provider):

1. Asking for a stream. The core calls `prepare_request(model, kwargs)` with
   `kwargs["stream"] = True`; the handler keeps it and may add its provider's
   stream flags (OpenAI adds `stream_options={"include_usage": True}` unless the
   caller set it). The client's create function receives `stream=True` and
   returns the SDK's stream: an iterable of raw chunks (sync), or, awaited, an
   async iterable (async). A provider whose SDK streams through another method
   (Bedrock's `converse_stream`) maps `stream=True` to it in its factory's create
   function and returns the event iterable itself.
2. Reading it. `iter_stream(chunks)` / `aiter_stream(chunks)` receive that
   iterable (wrapped by the core, which records every chunk) and yield
   `StreamDelta(text, index, name)`: fragments of the answer's JSON text, in
   order; `index` separates parallel tool calls, `name` is the tool's name when
   known. Handlers keep per-stream state in local variables (they are shared).
   Most handlers read one chunk at a time with a `ChunkReader` and return
   `ReadStream(chunks, reader)` (`read_stream`): the core then drives that
   reader over the SDK's stream itself, with nothing of ours in between
   (it is the hot path: one call per chunk matters). Any other iterator of
   deltas works too; the core reads it as it is.
3. Ending it. A clean end: the iterator ends normally, and only after it saw
   the provider's finish signal (`finish_reason`, `stop_reason`, `messageStop`).
   A truncated end raises while it is read (`ChunkReader.end()`, or `feed`):
   `IncompleteOutputException` when the model hit its length limit
   (`finish_reason="length"`, `stop_reason="max_tokens"`) or when the chunks ran
   out without a finish signal; `ResponseParsingError` for a chunk that cannot
   be read, a refusal or a content filter. The core adds what was received
   (`exc.received`: the text so far, `exc.last_completion`: the
   `StreamedResponse`) when the handler did not. Whatever else escapes while the
   stream is read (a dropped connection, the SDK failing to decode an event) is
   turned by the core into `IncompleteOutputException` (or `ResponseParsingError`
   for a `ValueError`), chained to the original. And whatever the handler saw,
   an answer whose JSON stops mid-way when the stream ends is an
   `IncompleteOutputException` too. None of these are re-asked: only the
   validation of a finished answer goes through the retry/re-ask loop.
4. Usage and raw chunks. The core calls `usage(chunk)` on every raw chunk (a
   chunk with none may answer the shared, read-only `NO_USAGE`) and
   keeps, per key, the largest count seen in one stream (providers report
   totals, some of them cumulatively); attempts are summed as usual. The
   attempt's `StreamedResponse` (`chunks`: the raw chunks as the SDK yielded them,
   `texts`: the joined text per index, `names`, `usage`, `count`) is what the
   `completion:response` hook receives, what `_raw_response` holds on the final
   object, and what `reask(kwargs, response, error)` gets as `response` when a
   streamed answer fails validation: a handler rebuilds its assistant message
   from it (`response.texts`, `response.names`, or its own `response.chunks`).
   Every chunk is kept unless the handler has a `keep_chunk(chunk) -> bool`: one
   that carries nothing `texts` does not hold already may be left out (the OpenAI
   tools handler leaves out the argument-only chunks), which spares the garbage
   collector hundreds of live SDK objects per stream.
"""

from __future__ import annotations

import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from types import MappingProxyType
from typing import Any, Protocol, cast, runtime_checkable

from instructor.core.exceptions import HandlerNotFoundError
from instructor.mode import Mode


class StreamDelta:
    """A piece of the model's structured answer read from one stream chunk.

    `text` is a fragment of JSON; `index` tells tool calls apart when several
    are streamed at once; `name` is the tool name when the chunk carries it
    (repeating it on later fragments of the same index is allowed, not needed).
    """

    __slots__ = ("text", "index", "name")

    def __init__(self, text: str, index: int = 0, name: str | None = None) -> None:
        self.text = text
        self.index = index
        self.name = name

    def __repr__(self) -> str:
        return f"StreamDelta({self.text!r}, index={self.index}, name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StreamDelta):
            return NotImplemented
        return (self.text, self.index, self.name) == (other.text, other.index, other.name)

    __hash__ = None  # type: ignore[assignment]


@runtime_checkable
class ModeHandler(Protocol):
    """How one mode asks for, reads back and re-asks for a structured answer."""

    mode: Mode

    def prepare_request(self, response_model: type[Any] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Return the SDK call's kwargs for `response_model` (never mutate `kwargs`).

        `kwargs["stream"]` is True when the core streams: keep it, and add the
        provider's stream flags if it needs any (see the module docstring).
        """
        ...

    def parse_response(
        self,
        response: Any,
        response_model: type[Any],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        """Read `response` as `response_model`; raise pydantic's ValidationError,
        `ResponseParsingError` or `IncompleteOutputException`."""
        ...

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        """Return kwargs for the next attempt, telling the model what was wrong.

        `response` is the SDK's completion, or for a streamed attempt the core's
        `instructor.core.streaming.StreamedResponse` (`texts`, `names`, `chunks`).
        """
        ...

    def usage(self, response: Any) -> Mapping[str, int]:
        """Token counts of `response` (or of one raw stream chunk; an empty mapping, such as `NO_USAGE`, when it has none)."""
        ...

    def iter_stream(self, stream: Any) -> Iterator[StreamDelta]:
        """Yield the structured answer's JSON fragments from an iterable of raw chunks.

        Return only after the provider's finish signal; raise
        `IncompleteOutputException` for a length stop or a stream that ends without
        one, `ResponseParsingError` for an unreadable chunk or a refusal (see the
        module docstring for the whole contract). A handler that strips wrapping
        (a ```json fence) does it here, so the deltas are JSON text only.
        """
        ...

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        """The async twin of `iter_stream`, over an async iterable of raw chunks."""
        ...


class ChunkReader(Protocol):
    """Reads one stream for a handler: `feed` each raw chunk, `end` once the stream is over.

    `end` raises `IncompleteOutputException` when the provider's finish signal
    never came: that is how a cut stream is told from a finished one.
    """

    def feed(self, chunk: Any) -> Iterable[StreamDelta]: ...

    def end(self) -> None: ...


NO_USAGE: Mapping[str, int] = MappingProxyType({})  # `usage()` of a response or chunk that reports none


def _deltas(stream: Iterable[Any], reader: ChunkReader) -> Generator[StreamDelta, None, None]:
    for chunk in stream:
        yield from reader.feed(chunk)
    reader.end()


async def _adeltas(stream: AsyncIterable[Any], reader: ChunkReader) -> AsyncGenerator[StreamDelta, None]:
    async for chunk in stream:
        for delta in reader.feed(chunk):
            yield delta
    reader.end()


class ReadStream:
    """`iter_stream` for any handler that reads chunks with a `ChunkReader`: the deltas `reader.feed`
    makes of each chunk of `stream`, in order, then `reader.end()` once, when the chunks ran out.

    It names its `stream` and `reader` so the core can drive them itself, with no layer of
    ours per chunk (`instructor.core.call._Call.open_stream`); iterated as it is, it is a
    generator over them (over once anything raised; `close()` ends it early, without `end()`).

    Example:
        >>> def iter_stream(self, stream):
        ...     return ReadStream(stream, MyChunkReader())
    """

    __slots__ = ("stream", "reader", "_deltas")

    def __init__(self, stream: Iterable[Any], reader: ChunkReader) -> None:
        self.stream = stream
        self.reader = reader
        self._deltas = _deltas(stream, reader)

    def __iter__(self) -> ReadStream:
        return self

    def __next__(self) -> StreamDelta:
        return next(self._deltas)

    def close(self) -> None:
        self._deltas.close()


class AsyncReadStream:
    """The async twin of `ReadStream`, over an async iterable of chunks (`reader` stays sync)."""

    __slots__ = ("stream", "reader", "_deltas")

    def __init__(self, stream: AsyncIterable[Any], reader: ChunkReader) -> None:
        self.stream = stream
        self.reader = reader
        self._deltas = _adeltas(stream, reader)

    def __aiter__(self) -> AsyncReadStream:
        return self

    def __anext__(self) -> Awaitable[StreamDelta]:
        return self._deltas.__anext__()

    async def aclose(self) -> None:
        await self._deltas.aclose()


# the names handlers have always called (`return read_stream(stream, reader)`)
read_stream = ReadStream
aread_stream = AsyncReadStream


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
        from instructor.core.provider_registry import load_object

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
