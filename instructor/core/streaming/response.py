"""What one streamed attempt received (`StreamedResponse`), recorded chunk by chunk, and the typed
error a stream that broke off ends in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorError,
    ResponseParsingError,
)

if TYPE_CHECKING:
    from instructor.core.handler import StreamDelta


class StreamedResponse:
    """What one streamed attempt received, built as it arrives; the SDK's chunks are not kept.

    Attributes:
        id: the provider's id of the response (None when the provider streams none).
        model: the model that answered, as the provider named it.
        finish_reason: why the model stopped, in the provider's words (`"tool_calls"`,
            `"end_turn"`, `"STOP"`...); None when the stream never said (a cut stream).
        usage: token counts (per key, the largest a chunk reported).
        texts: the answer's text per delta index (one index unless tools ran in
            parallel): a tool call's arguments, or the JSON of a text answer.
        names: the tool name of each delta index, when the provider sent one.
        ids: the tool call id of each delta index, when the provider sent one.
        count: how many chunks arrived.
        chunks: the raw chunks as the SDK yielded them, only with `keep_chunks=True`
            (on the call, or on the client); empty otherwise. Kept, every SDK chunk
            object stays alive as long as the result does: tens of megabytes for a
            long answer.
        turn: what the mode handler kept of the assistant's turn beyond the above,
            in its own shape, for a re-ask to send back (thinking blocks, text
            written beside a tool call...); None when it kept nothing.

    The attempt fills in `texts` and everything the handler's reader noted (`id`,
    `model`, `finish_reason`, `ids`, `turn`) when its stream is over, however it
    ended; until then `texts` is joined from the pieces on each read.
    """

    __slots__ = ("chunks", "count", "names", "ids", "usage", "id", "model", "finish_reason", "turn",
                 "_parts", "_texts", "_keep", "_reader")

    def __init__(self, keep_chunks: bool = False) -> None:
        self.chunks: list[Any] = []
        self.count = 0
        self.names: dict[int, str | None] = {}
        self.ids: dict[int, str | None] = {}
        self.usage: dict[str, int] = {}
        self.id: str | None = None
        self.model: str | None = None
        self.finish_reason: str | None = None
        self.turn: Any = None
        self._parts: dict[int, list[str]] = {}
        self._texts: dict[int, str] | None = None
        self._keep = keep_chunks
        self._reader: Any = None  # the handler's ChunkReader, asked to `fill` this when the stream is over

    def add_chunk(self, chunk: Any, usage: Mapping[str, int]) -> None:
        self.count += 1
        if self._keep:
            self.chunks.append(chunk)
        if usage:
            self._add_usage(usage)

    def _add_usage(self, usage: Mapping[str, int]) -> None:
        for key, value in usage.items():
            if value > self.usage.get(key, 0):
                self.usage[key] = value

    def recorder(self, usage_of: Callable[[Any], Mapping[str, int]]) -> Callable[[Any], None]:
        """`add_chunk` as one call per chunk: count it, add its `usage_of(chunk)`, keep it when asked to."""
        add_usage = self._add_usage
        if self._keep:
            chunks = self.chunks

            def record_and_keep(chunk: Any) -> None:
                chunks.append(chunk)
                self.count += 1
                usage = usage_of(chunk)
                if usage:
                    add_usage(usage)

            return record_and_keep

        def record(chunk: Any) -> None:
            self.count += 1
            usage = usage_of(chunk)
            if usage:
                add_usage(usage)

        return record

    def add_delta(self, delta: StreamDelta) -> None:
        parts = self._parts.get(delta.index)
        if parts is None:
            parts = self._parts[delta.index] = []
            self.names[delta.index] = delta.name
        elif delta.name and not self.names.get(delta.index):
            self.names[delta.index] = delta.name
        parts.append(delta.text)

    def finish(self) -> None:
        """The stream is over: join each index's text once, and let the handler's reader fill in
        what it noted. Called once per attempt by the core, however the stream ended."""
        if self._texts is None:
            self._texts = {index: "".join(parts) for index, parts in sorted(self._parts.items())}
            self._parts = {}
        reader, self._reader = self._reader, None
        fill = getattr(reader, "fill", None)
        if fill is not None:
            fill(self)

    @property
    def texts(self) -> dict[int, str]:
        """The answer's text per delta index (one index unless tools ran in parallel)."""
        if self._texts is not None:
            return dict(self._texts)
        return {index: "".join(parts) for index, parts in sorted(self._parts.items())}

    @property
    def text(self) -> str:
        """All the text received, index after index."""
        return "".join(self.texts.values())

    def __repr__(self) -> str:
        text = self.text
        shown = text if len(text) <= 60 else text[:57] + "..."
        return (f"StreamedResponse(id={self.id!r}, model={self.model!r}, finish_reason={self.finish_reason!r}, "
                f"chunks={self.count}, text={shown!r}, usage={self.usage!r})")


def record_chunks(stream: Any, response: StreamedResponse,
                  usage_of: Callable[[Any], Mapping[str, int]]) -> Iterator[Any]:
    """Iterate `stream`, counting every chunk and its usage in `response` (and keeping it, when asked)."""
    record = response.recorder(usage_of)
    for chunk in stream:
        record(chunk)
        yield chunk


async def arecord_chunks(stream: Any, response: StreamedResponse,
                         usage_of: Callable[[Any], Mapping[str, int]]) -> AsyncIterator[Any]:
    """The async twin of `record_chunks`."""
    record = response.recorder(usage_of)
    async for chunk in stream:
        record(chunk)
        yield chunk


class _EachDelta:
    """The `ChunkReader` of a stream a handler reads itself (see `_Call.open_stream`): what the
    core's loop takes are the handler's deltas already, each one its own."""

    __slots__ = ()

    @staticmethod
    def feed(delta: StreamDelta) -> tuple[StreamDelta]:
        return (delta,)

    @staticmethod
    def end() -> None:
        return None


EACH_DELTA = _EachDelta()


def no_record(chunk: Any) -> None:
    """The `record` of a stream whose chunks are recorded on their way into the handler."""


def stream_failure(exc: BaseException, response: StreamedResponse) -> InstructorError:
    """The typed error a broken stream ends in, carrying what was received.

    The handler's own `IncompleteOutputException` / `ResponseParsingError` gets
    the received text filled in; anything else (a dropped connection, an SDK that
    failed to decode an event) is wrapped, with the original as its cause.
    """
    if isinstance(exc, IncompleteOutputException):
        if exc.received is None:
            exc.received = response.text
        if exc.last_completion is None:
            exc.last_completion = response
        return exc
    if isinstance(exc, ResponseParsingError):
        if exc.raw_response is None:
            exc.raw_response = response
        if getattr(exc, "received", None) is None:
            exc.received = response.text  # type: ignore[attr-defined]
        return exc
    if isinstance(exc, InstructorError):
        return exc
    received = response.text
    if isinstance(exc, ValueError):
        error: InstructorError = ResponseParsingError(
            f"A stream chunk could not be read ({type(exc).__name__}: {exc}) after "
            f"{response.count} chunks and {len(received)} characters of answer. "
            "The provider sent a malformed event; `received` holds the text that arrived.",
            raw_response=response,
        )
        error.received = received  # type: ignore[attr-defined]
    else:
        from instructor.core.exceptions import StreamInterruptedError

        error = StreamInterruptedError(
            f"The stream broke off ({type(exc).__name__}: {exc}) after {response.count} "
            f"chunks and {len(received)} characters of answer; the object is incomplete. "
            "Retry the call; `received` holds the text that arrived.",
            last_completion=response,
            received=received,
        )
    error.__cause__ = exc
    return error
