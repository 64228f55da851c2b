"""Streams, for every provider: partial objects while the JSON arrives, items as they finish.

A mode handler turns its SDK's chunks into `StreamDelta`s (JSON text per tool
call index, see the contract in `instructor.core.handler`); this package
turns that text into what `create_partial` and `create_iterable` yield. It knows
no provider. One job per module:

- `response`: `StreamedResponse`, what one streamed attempt received and keeps
  (its text, id, usage...; the SDK's chunks only when asked), and the typed error a
  stream that broke off ends in;
- `shapes`: what a JSON container is expected to hold (a partial model, a list,
  the items of an `Iterable[...]`), checked and built;
- `cursor`: `JsonCursor`, where JSON values begin and end, in the new text only
  (why the cost per chunk stays flat as the object grows is told there);
- `consumers`: what a stream yields, per kind of response model (`consumer_for`);
- `early`: which fields of a partial stream are checked as soon as they close, so a
  stream that can no longer be valid is cut and re-asked at once.

Each name resolves on first access from its own module (`StreamedResponse` alone
loads neither pydantic nor the cursor); the client imports the modules directly.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instructor.core.streaming.consumers import IterableConsumer as IterableConsumer
    from instructor.core.streaming.consumers import PartialConsumer as PartialConsumer
    from instructor.core.streaming.consumers import StreamConsumer as StreamConsumer
    from instructor.core.streaming.consumers import consumer_for as consumer_for
    from instructor.core.streaming.consumers import cut_short as cut_short
    from instructor.core.streaming.consumers import is_unfinished_json as is_unfinished_json
    from instructor.core.streaming.cursor import JsonCursor as JsonCursor
    from instructor.core.streaming.response import EACH_DELTA as EACH_DELTA
    from instructor.core.streaming.response import StreamedResponse as StreamedResponse
    from instructor.core.streaming.response import arecord_chunks as arecord_chunks
    from instructor.core.streaming.response import no_record as no_record
    from instructor.core.streaming.response import record_chunks as record_chunks
    from instructor.core.streaming.response import stream_failure as stream_failure
    from instructor.core.streaming.shapes import RAW as RAW
    from instructor.core.streaming.shapes import ItemsShape as ItemsShape
    from instructor.core.streaming.shapes import ListShape as ListShape
    from instructor.core.streaming.shapes import ModelShape as ModelShape
    from instructor.core.streaming.shapes import Shape as Shape
    from instructor.core.streaming.shapes import shape_of as shape_of

_ORIGIN = {
    **dict.fromkeys(("EACH_DELTA", "StreamedResponse", "arecord_chunks", "no_record", "record_chunks",
                     "stream_failure"), "instructor.core.streaming.response"),
    **dict.fromkeys(("RAW", "ItemsShape", "ListShape", "ModelShape", "Shape", "shape_of"),
                    "instructor.core.streaming.shapes"),
    "JsonCursor": "instructor.core.streaming.cursor",
    **dict.fromkeys(("IterableConsumer", "PartialConsumer", "StreamConsumer", "consumer_for", "cut_short",
                     "is_unfinished_json"), "instructor.core.streaming.consumers"),
}

__all__ = [
    "IterableConsumer",
    "JsonCursor",
    "ModelShape",
    "PartialConsumer",
    "StreamConsumer",
    "StreamedResponse",
    "consumer_for",
    "record_chunks",
    "stream_failure",
]


def __getattr__(name: str) -> object:
    module_name = _ORIGIN.get(name)
    if module_name is None:
        raise AttributeError(f"module 'instructor.core.streaming' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ORIGIN))
