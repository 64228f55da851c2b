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
    """Everything one streamed attempt received.

    Attributes:
        chunks: the raw chunks, as the SDK yielded them: every one, unless the
            handler leaves out those that carry nothing but answer text (its
            `keep_chunk`), whose text `texts` holds already. Hundreds of SDK objects
            kept alive per stream for text held twice set off the cyclic garbage
            collector's full collections (tens of milliseconds each, mid-stream).
        count: how many chunks arrived, kept or not.
        names: the tool name of each delta index, when the provider sent one.
        usage: token counts (per key, the largest a chunk reported).
    """

    __slots__ = ("chunks", "count", "names", "usage", "_parts")

    def __init__(self) -> None:
        self.chunks: list[Any] = []
        self.count = 0
        self.names: dict[int, str | None] = {}
        self.usage: dict[str, int] = {}
        self._parts: dict[int, list[str]] = {}

    def add_chunk(self, chunk: Any, usage: Mapping[str, int], keep: bool = True) -> None:
        self.count += 1
        if keep:
            self.chunks.append(chunk)
        if usage:
            self._add_usage(usage)

    def _add_usage(self, usage: Mapping[str, int]) -> None:
        for key, value in usage.items():
            if value > self.usage.get(key, 0):
                self.usage[key] = value

    def recorder(self, usage_of: Callable[[Any], Mapping[str, int]],
                 keep: Callable[[Any], bool] | None = None) -> Callable[[Any], None]:
        """`add_chunk` as one call per chunk: count it, add its `usage_of(chunk)`, keep it if
        `keep(chunk)` says so (every chunk without `keep`)."""
        chunks, add_usage = self.chunks, self._add_usage

        def record(chunk: Any) -> None:
            usage = usage_of(chunk)
            if keep is None or keep(chunk):
                chunks.append(chunk)
            self.count += 1
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

    @property
    def texts(self) -> dict[int, str]:
        """The answer's text per delta index (one index unless tools ran in parallel)."""
        return {index: "".join(parts) for index, parts in sorted(self._parts.items())}

    @property
    def text(self) -> str:
        """All the text received, index after index."""
        return "".join(self.texts.values())

    def __repr__(self) -> str:
        text = self.text
        shown = text if len(text) <= 60 else text[:57] + "..."
        return f"StreamedResponse(chunks={self.count}, text={shown!r}, usage={self.usage!r})"


def record_chunks(stream: Any, response: StreamedResponse, usage_of: Callable[[Any], Mapping[str, int]],
                  keep: Callable[[Any], bool] | None = None) -> Iterator[Any]:
    """Iterate `stream`, counting every chunk and its usage in `response`, and keeping those `keep`
    wants (all of them without it)."""
    record = response.recorder(usage_of, keep)
    for chunk in stream:
        record(chunk)
        yield chunk


async def arecord_chunks(stream: Any, response: StreamedResponse, usage_of: Callable[[Any], Mapping[str, int]],
                         keep: Callable[[Any], bool] | None = None) -> AsyncIterator[Any]:
    """The async twin of `record_chunks`."""
    record = response.recorder(usage_of, keep)
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
