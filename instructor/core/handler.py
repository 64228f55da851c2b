"""The contract a provider's mode handler meets, and the texts every handler re-asks with.

A handler is the whole of one mode's wire convention for one provider family:
how a response model becomes request kwargs (`prepare_request`), how the
response is read back (`parse_response`), how a failed answer is asked again
(`reask`), its token counts (`usage`) and how a stream is read (`iter_stream`,
`aiter_stream`). The core calls nothing else of a provider, so a provider is
added by writing a handler and registering it (`instructor.core.mode_registry`),
never by changing the core.

Every request goes through `prepare_request` exactly once per call, including
`response_model=None` (then the handler only puts the caller's kwargs in its
SDK's shape, so the client's create function hands them to the SDK as they are);
a re-ask edits the request the handler shaped.

Optional members the core looks for with `getattr`:

- `tools = True`: the answer is a tool call (a streamed call of a tool nobody
  offered is re-asked);
- `responses_view(client)`: what `client.responses` is for a client in this
  mode (OpenAI's Responses API helper); a client whose handler has none raises
  `AttributeError` there;
- `is_transport_error(exc) -> bool | None`: whether an exception the SDK raised is
  the transport's failure (a connection, a timeout, a rate limit, an overloaded
  server), for the failure policy of `instructor.core.retry`; None (or no such
  member) leaves it to the policy's duck typing (HTTP status, connection classes);
- `output_limit_keys`: where the request keeps its output-token limit, as paths
  of keys in preference order (`(("inferenceConfig", "maxTokens"),)`); the first
  is written when the request has none. Without it: `(("max_tokens",),)`. Read
  by `retry_truncated=True`, which doubles the limit once.

The re-ask texts (`REASK_TOOL`, `REASK_NO_TOOL`, `REASK_JSON`...) are defined
here once, in our own words, for every handler. Where each one goes in the next
request (a tool result, a user message, a function response...) is the handler's
business: that shape is the provider's wire format.

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
   `IncompleteOutputException` too. None of these are re-asked: only an invalid
   answer is (a finished one that fails validation, or one cut early because a
   field that closed already fails on its own).
4. Usage, and what a stream keeps. The core calls `usage(chunk)` on every raw
   chunk (a chunk with none may answer the shared, read-only `NO_USAGE`) and
   keeps, per key, the largest count seen in one stream (providers report
   totals, some of them cumulatively); attempts are summed as usual. The
   attempt's `StreamedResponse` is what the `completion:response` hook receives,
   what `_raw_response` holds on the final object, and what
   `reask(kwargs, response, error)` gets as `response` when a streamed answer
   fails (at its end, or cut early when a closed field already failed:
   `instructor.core.streaming.early`). It keeps no SDK chunk (unless the caller
   passed `keep_chunks=True`): `texts` (the joined text per delta index),
   `names`, `usage`, `count`, and what the handler's `ChunkReader` noted while
   reading, written in by its optional `fill(response)` once the stream is over,
   however it ended: `id`, `model`, `finish_reason`, `ids` (each tool call's id,
   by delta index) and `turn` (anything else its re-ask sends back, in the
   handler's own shape: thinking blocks, text written beside a tool call...).
   A handler rebuilds the assistant's turn from those, never from chunks, and
   notes only what is not in `texts` already, so a long stream holds its text
   once.
"""

from __future__ import annotations

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
from typing import Any, Protocol, runtime_checkable

from instructor.mode import Mode

_INVALID: tuple[type[BaseException], ...] = ()


def invalid_answer_errors() -> tuple[type[BaseException], ...]:
    """What `parse_response` raises for an answer that is there but does not fit the model, the
    failures that are re-asked: pydantic's `ValidationError`, `json.JSONDecodeError`,
    `ResponseParsingError` (no tool call, a tool nobody offered...), `AsyncValidationError`."""
    global _INVALID
    if not _INVALID:
        import json

        from pydantic import ValidationError

        from instructor.core.exceptions import AsyncValidationError, ResponseParsingError

        _INVALID = (ValidationError, json.JSONDecodeError, ResponseParsingError, AsyncValidationError)
    return _INVALID


# -- the re-ask texts: `{error}` is the validation error, as text ---------------------------
#: a tool call whose arguments did not fit the model (sent as the tool's result where the wire has one)
REASK_TOOL = (
    "The arguments of that tool call were rejected:\n{error}\n"
    "Call the tool again, with arguments that correct every error above."
)
#: an answer that called no tool where one was required
REASK_NO_TOOL = (
    "That answer called no tool, and a tool call is required:\n{error}\n"
    "Call the tool, with arguments that avoid every error above."
)
#: a JSON text answer that did not fit the model
REASK_JSON = (
    "That JSON was rejected:\n{error}\n"
    "Reply again with the corrected JSON only, nothing before or after it."
)
#: a JSON text answer, quoted back (`{text}`) for a wire that does not echo the assistant's turn
REASK_JSON_ANSWER = (
    "That answer was rejected:\n{error}\n"
    "Reply again with the corrected JSON only. The rejected answer was:\n{text}"
)
#: a tool call named in the re-ask (`{name}`, `{id}`, `{arguments}`), for a wire with no tool results
REASK_TOOL_CALL = REASK_TOOL + " Your call was {name} (id={id}) with: {arguments}"
#: a tool call made with no arguments at all
REASK_EMPTY_ARGUMENTS = (
    "The arguments of that tool call were rejected:\n{error}\n"
    "You called {name!r} (id={id}) with no arguments: call it again with every required field filled in."
)


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

        Called once per call; with `response_model=None` only to put the caller's
        kwargs in the SDK's shape (the create function sends them as they are).
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
        """Token counts of `response` (or of one raw stream chunk; an empty mapping, such as `NO_USAGE`, when it has none).

        Flat keys as the provider names them (`prompt_tokens`, `inputTokens`...), cached
        and reasoning tokens included where it reports them (`cached_tokens`,
        `reasoning_tokens`, `cache_read_input_tokens`...): `instructor.core.billing.Usage.of_counts`
        reads them into one shape, for budgets, batch jobs and telemetry.
        """
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
    never came: that is how a cut stream is told from a finished one. A reader
    may also have `fill(response)`: called once the stream is over (however it
    ended), it writes what the reader noted into the attempt's `StreamedResponse`
    (`id`, `model`, `finish_reason`, `ids`, `turn`: see point 4 of the module
    docstring).
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
