"""Streams, for every provider: partial objects while the JSON arrives, items as they finish.

A mode handler turns its SDK's chunks into `StreamDelta`s (JSON text per tool
call index, see the contract in `instructor.core.mode_registry`); this module
turns that text into what `create_partial` and `create_iterable` yield. It knows
no provider.

Why the cost per chunk stays flat as the object grows: re-parsing the whole text
on every chunk costs O(size) per chunk, O(size^2) per stream. Instead `JsonCursor`
looks only at the new text, to find where values begin and end (a regex steps
over whole strings and their escapes; nothing is decoded there). The values that
finished since the last snapshot are decoded by `pydantic_core.from_json` and
checked against their fields in one call per open container; an unfinished
string is decoded by `from_json(..., allow_partial="trailing-strings")`. A
snapshot rebuilds only the open path (the containers still being written) around
the members it holds, so its cost depends on the nesting depth and the width of
the open models, not on the size of the object. A container nothing is kept from
(a `dict` or `Any` field's value, an `Iterable[...]` item) is stepped over bracket
to bracket: only where it ends matters, and its parent decodes it whole; so is a
container that opens and closes within the text at hand (no snapshot showed it).
`benchmarks/bench_partial_streaming.py` measures it.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json, to_json

from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorError,
    ResponseParsingError,
)
from instructor.core.mode_registry import StreamDelta
from instructor.core.response_model import ResponseSpec
from instructor.core.schema import check_calls, tool_name

__lazy_modules__ = ["pydantic", "pydantic_core"]  # PEP 810: lazy on Pythons that support it

_MISSING: Any = object()
_OUTSIDE_STRING = re.compile(r'[{}\[\],:"]')
_INSIDE_STRING = re.compile(r'["\\]')


# -- what one streamed attempt received ------------------------------------------------------
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


# -- shapes: what a JSON container is expected to hold ---------------------------------------
class Shape:
    """What the values inside one JSON container are expected to be.

    This base keeps nothing: the container is decoded once, when it is finished,
    by the shape of its parent.
    """

    keeps = False  # whether `accept` wants the members (else they are not even decoded)
    opens = ""  # the bracket this shape reads ("{" or "["); a container opened by the other is RAW
    eager = False  # whether members are accepted as soon as they finish (else at the next snapshot)
    flat = False  # whether an open container of this shape is read lazily (see `_Frame.lazy`)
    items_text = False  # whether its object members are read whole and handed over as text (`_step_items`)

    def child(self, key: Any) -> Shape:
        """The shape of the container member `key` opens."""
        return RAW

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        """Check finished members (key, decoded JSON): per member, the (key, value) to keep or None."""
        return [None] * len(members)

    def show_string(self, key: Any, text: str) -> tuple[bool, Any]:
        """Whether a string still being written shows: only where any string is valid, so a
        `Literal`, an enum or a date never shows a value that may still grow into another."""
        return False, None

    def build(self, members: Any, open_key: Any, open_value: Any) -> Any:
        """What this unfinished container shows: its members plus the open one."""
        return _MISSING


RAW = Shape()


def _strip_optional(tp: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X (other unions are kept)."""
    import types
    from typing import Annotated

    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def shape_of(annotation: Any, check: Callable[[Any], Any], context: Mapping[str, Any] | None,
             plain_strings: bool) -> Shape:
    """The shape of a container typed `annotation`; `check` validates a whole value of it."""
    tp = _strip_optional(annotation)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return ModelShape(tp, context)
    if get_origin(tp) is list and len(get_args(tp)) == 1:
        return ListShape(get_args(tp)[0], check, context, plain_strings)
    return RAW


def _transforms_strings(model: type[BaseModel]) -> bool:
    config = model.model_config
    return bool(config.get("str_strip_whitespace") or config.get("str_to_lower")
                or config.get("str_to_upper") or config.get("strict"))


_PLAIN = (str, int, float, bool)


def _plain_type(annotation: Any, model: type[BaseModel]) -> type | None:
    """The JSON scalar type a field takes as is (`str`, `int`, `float`, `bool`), if it is one of those.

    A decoded JSON value of exactly that type needs no validation (partial models
    carry no constraints and no validators); anything else goes through pydantic.
    """
    tp = _strip_optional(annotation)
    if tp not in _PLAIN or (tp is str and _transforms_strings(model)):
        return None
    return tp  # type: ignore[no-any-return]


_new_object = object.__new__
_set = object.__setattr__


class ModelShape(Shape):
    """A JSON object read as a (partial) pydantic model: every field optional.

    The members that finished since the last snapshot are checked in one call to
    the model's own validator (one field at a time only when that call fails, to
    keep the valid ones), so the partial model needs nothing built per field.
    Unfinished strings show only in plain `str` fields, so a `Literal`, an enum or
    a date never shows a value that may still grow into another. Snapshots are built without
    validation (what they hold is validated already), straight into the
    instance's `__dict__`: partial models have no validators and every default
    is None.
    """

    keeps = True
    opens = "{"

    def __init__(self, model: type[BaseModel], context: Mapping[str, Any] | None) -> None:
        self.model = model
        self.context = context
        self.names: dict[str, str] = {}
        self.plain: dict[str, type] = {}  # field name -> the JSON scalar type it takes as is
        self.plain_items: dict[str, type] = {}  # list field name -> the JSON scalar type of its items
        for name, info in model.model_fields.items():
            self.names[name] = name
            if info.alias:
                self.names[info.alias] = name
            plain = _plain_type(info.annotation, model)
            if plain is not None:
                self.plain[name] = plain
            listed = _strip_optional(info.annotation)
            if get_origin(listed) is list and len(get_args(listed)) == 1:
                item = _plain_type(get_args(listed)[0], model)
                if item is not None:
                    self.plain_items[name] = item
        self.plain_str = {name for name, tp in self.plain.items() if tp is str}
        self.defaults = dict.fromkeys(model.model_fields)
        self.extra: dict[str, Any] | None = {} if model.model_config.get("extra") == "allow" else None
        self._children: dict[str, Shape] = {}
        # BaseModel's slots, set straight through their descriptors (what object.__setattr__ finds)
        slots = vars(BaseModel)
        self._setters = (slots["__pydantic_fields_set__"].__set__, slots["__pydantic_extra__"].__set__,
                         slots["__pydantic_private__"].__set__)

    def _check_field(self, key: str, value: Any) -> Any:
        return getattr(self.model.model_validate({key: value}, context=self.context), self.names[key])

    @functools.cached_property
    def flat(self) -> bool:  # type: ignore[override]
        """No member of this object is an object the partial shows as a model: every field is a
        scalar, a list of scalars, or a value nothing is kept from (a `dict`, `Any`)."""
        return all(
            child is RAW or (type(child) is ListShape and child.item is RAW)
            for child in map(self.child, self.names)
        )

    def child(self, key: Any) -> Shape:
        shape = self._children.get(key)
        if shape is None:
            name = self.names.get(key)
            if name is None:
                shape = RAW
            else:
                annotation = self.model.model_fields[name].annotation
                shape = shape_of(annotation, lambda value: self._check_field(key, value), self.context,
                                 not _transforms_strings(self.model))
            self._children[key] = shape
        return shape

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        names, plain, plain_items = self.names, self.plain, self.plain_items
        kept: list[tuple[Any, Any] | None] = [None] * len(members)
        slow: dict[str, int] = {}  # members pydantic must check, by key
        for i, (key, raw) in enumerate(members):
            name = names.get(key)
            if name is None:
                continue
            if raw is None or type(raw) is plain.get(name):
                kept[i] = (name, raw)  # every partial field takes None; a plain scalar needs no check
            elif type(raw) is list and name in plain_items and all(type(x) is plain_items[name] for x in raw):
                kept[i] = (name, raw)  # a list of plain scalars (freshly decoded: nobody else holds it)
            else:
                slow[key] = i
        if not slow:
            return kept
        try:
            checked = self.model.model_validate({key: members[i][1] for key, i in slow.items()},
                                                context=self.context)
            for key, i in slow.items():
                kept[i] = (names[key], getattr(checked, names[key]))
        except ValidationError:
            for key, i in slow.items():
                try:
                    kept[i] = (names[key], self._check_field(key, members[i][1]))
                except ValidationError:
                    kept[i] = None
        return kept

    def show_string(self, key: Any, text: str) -> tuple[bool, Any]:
        return (True, text) if self.names.get(key) in self.plain_str else (False, None)

    def build(self, members: Any, open_key: Any, open_value: Any) -> Any:
        values = {**self.defaults, **members}
        fields_set = set(members)
        if open_value is not _MISSING:
            name = self.names.get(open_key)
            if name is not None:
                values[name] = open_value
                fields_set.add(name)
        obj = _new_object(self.model)
        _set(obj, "__dict__", values)
        set_fields_set, set_extra, set_private = self._setters
        set_fields_set(obj, fields_set)
        set_extra(obj, self.extra)
        set_private(obj, None)
        return obj


class ListShape(Shape):
    """A JSON array in a list field: items are checked together, as a list, by the owner's check."""

    keeps = True
    opens = "["

    def __init__(self, item: Any, check: Callable[[Any], Any], context: Mapping[str, Any] | None,
                 plain_strings: bool) -> None:
        self.check = check
        self.plain_str = plain_strings and _strip_optional(item) is str
        stripped = _strip_optional(item)
        self.plain: type | None = stripped if stripped in _PLAIN and (stripped is not str or plain_strings) \
            else None
        self.item = shape_of(item, lambda value: self.check([value])[0], context, plain_strings)

    def child(self, key: Any) -> Shape:
        return self.item

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        plain = self.plain
        if plain is not None and all(type(raw) is plain for _, raw in members):
            return [(None, raw) for _, raw in members]  # plain scalars need no check
        try:
            return [(None, value) for value in self.check([raw for _, raw in members])]
        except ValidationError:
            kept: list[tuple[Any, Any] | None] = []
            for _, raw in members:
                try:
                    kept.append((None, self.check([raw])[0]))
                except ValidationError:
                    kept.append(None)
            return kept

    def show_string(self, key: Any, text: str) -> tuple[bool, Any]:
        return (True, text) if self.plain_str else (False, None)

    def build(self, members: Any, open_key: Any, open_value: Any) -> Any:
        return [*members, open_value] if open_value is not _MISSING else list(members)


class ItemsShape(Shape):
    """The list of an `Iterable[...]` answer: hands each item to `on_item` as soon as it finishes,
    decoded; or, with `on_text`, its JSON text as it is (the cursor decodes nothing then)."""

    keeps = True
    eager = True
    opens = "["

    def __init__(self, on_item: Callable[[Any], None], on_text: Callable[[str], None] | None = None) -> None:
        self.on_item = on_item
        self.on_text = on_text
        self.items_text = on_text is not None

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        for _, raw in members:
            self.on_item(raw)
        return [None] * len(members)


class _ItemsWrapper(Shape):
    """The `{"tasks": [...]}` object around an `Iterable[...]` answer."""

    def __init__(self, items: ItemsShape, key: str) -> None:
        self.items = items
        self.key = key

    def child(self, key: Any) -> Shape:
        return self.items if key == self.key else RAW


# -- the cursor: where JSON values begin and end, in the new text only -----------------------
def _last_comma_slow(text: str, start: int, end: int) -> int:
    """`JsonCursor._last_comma` the slow way: from comma to comma, strings stepped over whole."""
    last = -1
    while start < end:
        match = _TO_COMMA.match(text, start, end)
        if match is None or match.end(1) < 0:
            break
        last = start = match.end()
    return last


def _decode(text: str) -> Any:
    """A finished JSON value; _MISSING when it is not JSON (the final validation reports it)."""
    try:
        return from_json(text)
    except ValueError:
        return _MISSING


# A whole string (its closing quote in group 1, absent while it is still arriving; a colon after
# it in group 2: a key, read in one step), or one structural character: strings are stepped over
# by the regex engine, never decoded here.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:(")(\s*:)?)?|[{}\[\],:]')
_OPENING = re.compile(r"[{\[]")
# The rest of a string still arriving, from a point between two characters (never inside an escape).
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*(")?')
_SPACE = re.compile(r"\s*")
# The inside of a container nothing is kept from, up to its next bracket or unfinished string.
_RUN = r'[^"{}\[\]]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\]]*)*'
if sys.version_info >= (3, 11):  # possessive: a cut string or container fails at once, no backtracking
    _RUN = _RUN.replace("*", "*+")
_RAW_RUN = re.compile(_RUN)
# The same, noting where its last comma ends (group 1): where the members of a lazy frame end.
# The text up to and with the next comma outside strings (group 1: the comma), or to the next bracket.
_TO_COMMA = re.compile(r'[^"{}\[\],]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\],]*)*(,)?')
# The key before a member's value: `"key": ` (the whole text between a comma and the value).
_MEMBER_KEY = re.compile(r'\s*("[^"\\]*(?:\\.[^"\\]*)*")\s*:\s*')
# A whole container holding containers that hold none (an item with a list of tags, say).
_CLOSED = re.compile(rf"[{{\[]{_RUN}(?:[{{\[]{_RUN}[}}\]]{_RUN})*[}}\]]")
# The beginning of such a container, cut off by the end of the text (perhaps inside a string). It never
# matches text whose brackets all close, so waiting for more text is what stepping over it would do.
# Only where the patterns are possessive: a failing match must not backtrack over the whole item.
_CUT = re.compile(rf'[{{\[]{_RUN}(?:[{{\[]{_RUN}(?:[}}\]]{_RUN})?)*+(?:"[^"\\]*+(?:\\.[^"\\]*+)*+\\?)?\Z') \
    if sys.version_info >= (3, 11) else None
_CUT_ITEM = 2048  # a cut item longer than this is stepped over bracket to bracket, not matched again
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}$")


class _Frame:
    """One open container. A lazy frame (a flat object below the root: an item of a list, say) is
    not read token by token: it is stepped over bracket to bracket and comma to comma like a RAW
    container, and a snapshot decodes its finished members a block at a time (`upto` to `commit`)
    and the one still open from the text after its last comma. Lists of such items are where most
    of a big object's tokens are, and the items are small."""

    __slots__ = ("shape", "is_object", "start", "members", "pending", "count", "key", "value_start",
                 "value_done", "shown", "clean", "lazy", "upto", "commit", "opened", "value_at", "items",
                 "items_upto", "item_commit")

    def __init__(self, shape: Shape, is_object: bool, start: int) -> None:
        self.shape = shape
        self.is_object = is_object
        self.start = start
        self.members: Any = {} if is_object else []
        # finished members not checked yet: (key, start, end, what the last snapshot showed of it,
        # its checked value when it is a container already built from its own members, else _MISSING)
        self.pending: list[tuple[Any, int, int, Any, Any]] = []
        self.count = 0  # members ended so far (a list item's index)
        self.key: str | None = None
        self.value_start = -1 if is_object else start + 1
        self.value_done = False
        self.shown: Any = _MISSING  # what the last snapshot showed of this container
        self.clean = True  # every finished member so far was decoded and kept
        self.lazy = False
        # a lazy frame: its members up to `upto` are decoded, those up to `commit` (after a comma) are
        # finished; the container member still open opened with `opened` at `value_at`, and (a list)
        # holds `items`, decoded up to `items_upto`, finished up to `item_commit`
        self.upto = self.commit = start + 1
        self.opened = ""
        self.value_at = -1
        self.items: list[Any] = []
        self.items_upto = self.item_commit = -1


class JsonCursor:
    """Follows a JSON text fed piece by piece, holding the checked value of every finished member.

    Args:
        root: the shape of the top-level container, given its opening character.

    Anything before the first `{` or `[` and after the top-level container closes
    is ignored (prose around the JSON). Finished members wait as text spans and are
    decoded and checked together at the next `snapshot()`, so a container that
    opens and closes between two snapshots is decoded once, as a whole.

    Example:
        >>> cursor = JsonCursor(lambda ch: ModelShape(PartialUser, None))
        >>> cursor.feed('{"name": "Ja')
        True
        >>> cursor.snapshot()
        PartialUser(name='Ja', age=None)
    """

    def __init__(self, root: Callable[[str], Shape]) -> None:
        self.root = root
        self.text = ""
        self.stack: list[_Frame] = []
        self.done = False
        self.end = -1  # where the top-level container closed
        self.start = -1
        self._pos = 0
        # a string still arriving at `_pos`: where its quote is, how far its body was scanned, and the
        # decoded text of its body up to a point where no escape is cut (see `_open_string`)
        self._open_at = -1
        self._open_scanned = -1
        self._open_decoded: tuple[int, int, str] = (-1, -1, "")
        self._keys: dict[str, Any] = {}  # decoded object keys, by their JSON text
        self._raw_depth = 0  # brackets open in the RAW container on top (see `_skip_raw`)
        self.version = 0  # bumped when what a snapshot shows changes (see `signature`)
        self.shown: Any = _MISSING  # the unfinished string the last snapshot showed
        self._shown_in: _Frame | None = None  # ... the container it was shown in
        self._shown_key: Any = None  # ... and its key (or index) there

    @property
    def signature(self) -> int:
        """Equal for two snapshots that show the same thing (cheap: no object comparison).

        It moves when a shown container opens, when a member appears, changes or
        goes (checked once, when the member is kept), and when the unfinished string grows.
        """
        return self.version

    def feed(self, piece: str) -> bool:
        """Read `piece`; True when what `snapshot()` shows may have changed."""
        text, self.text = self.text, ""
        fed = len(text)  # where the new piece starts
        text += piece  # one reference: CPython grows the string in place
        self.text = text
        if self.done:
            return False
        stack = self.stack
        frame = stack[-1] if stack else None
        if frame is None:  # prose before the JSON: only an opening bracket matters, not its quotes
            opening = _OPENING.search(text, self._pos)
            if opening is None:
                self._pos = len(text)
                return False
            self._pos = opening.start()
        elif self._open_at == self._pos:  # inside a long string: scan the new text only
            rest = _STRING_REST.match(text, self._open_scanned)
            if rest is not None and rest.group(1) is None:
                self._open_scanned = rest.end()
                return frame.lazy or (frame.shape is not RAW and (not frame.is_object or frame.key is not None))
        self._open_at = -1
        changed = False
        pos = self._pos
        while True:
            if frame is not None and (frame.shape is RAW or frame.lazy):
                end = self._skip_lazy(text, pos, frame) if frame.lazy else self._skip_raw(text, pos)
                if end < 0:
                    return changed or frame.lazy  # still open; the skip kept where to resume
                changed = True
                closed = stack.pop()
                if not stack:
                    self.done = True
                    self.end = self._pos = end
                    return True
                frame = stack[-1]
                if frame.shape.keeps:  # decoded whole by its parent, unless built from its own members
                    frame.pending.append((frame.key if frame.is_object else frame.count, closed.start, end,
                                          closed.shown, self._lazy_built(closed, end) if closed.lazy else _MISSING))
                    if frame.shape.eager:
                        self._settle(frame)
                frame.value_done = True
                pos = end
            if frame is not None and frame.shape.items_text:
                pos = self._step_items(text, pos, frame)
                changed = True
                if pos < 0:
                    return True  # an item cut off by the end of the text: `_pos` is its start
                if stack[-1] is not frame:  # an item to step over bracket to bracket
                    frame = stack[-1]
                    continue
            into_raw = False
            for match in _TOKEN.finditer(text, pos):
                at = match.start()
                char = text[at]
                if char == '"':
                    close = match.end(1)
                    if close < 0:  # a string still arriving: its rest is scanned next time
                        pos = at
                        self._open_at, self._open_scanned = at, match.end()
                        changed = changed or (frame is not None and (not frame.is_object or frame.key is not None))
                        break
                    if frame is None:
                        continue
                    if frame.is_object and frame.key is None:
                        token = text[at:close]
                        key = self._keys.get(token)
                        if key is None:
                            key = self._keys[token] = _decode(token)
                        frame.key = key if isinstance(key, str) else ""
                    elif close - 1 > fed or at >= fed:  # new characters, not just the closing quote
                        changed = True
                    if match.lastindex == 2 and frame.is_object:  # the colon after a key
                        frame.value_start = match.end()
                elif frame is None:
                    if char == "{" or char == "[":
                        self.start = at
                        frame = _Frame(self.root(char), char == "{", at)
                        stack.append(frame)
                        self.version += 1
                        changed = True
                        if frame.shape is RAW:
                            self._raw_depth, pos, into_raw = 1, match.end(), True
                            break
                elif char == ",":
                    end = match.end()
                    start = frame.value_start
                    if frame.value_done:
                        frame.value_done = False
                        frame.count += 1
                    elif start >= 0 and start < at and (not frame.is_object or frame.key is not None) \
                            and not text[start:at].isspace():
                        if frame.shape.keeps:
                            frame.pending.append((frame.key if frame.is_object else frame.count, start, at, _MISSING,
                                                  _MISSING))
                            if frame.shape.eager:
                                self._settle(frame)
                        frame.count += 1
                    frame.key = None
                    frame.value_start = -1 if frame.is_object else end
                    changed = True
                elif char == ":":
                    if frame.is_object and frame.key is not None:
                        frame.value_start = match.end()
                elif char == "{" or char == "[":
                    if char == "{" and frame.shape.items_text:  # an item: read whole by `_step_items`
                        pos, into_raw = at, True
                        break
                    key = frame.key if frame.is_object else frame.count
                    shape = frame.shape.child(key)
                    if shape.opens and shape.opens != char:  # `[` where an object belongs, or `{` for a list
                        shape = RAW  # kept out whole by its parent's check when it closes
                    changed = True
                    if shape.keeps and not shape.eager and frame.shape.keeps and not shape.flat:
                        whole = _CLOSED.match(text, at)
                        if whole is not None:
                            # opened and closed in the text at hand, so never shown: its parent decodes
                            # it whole at the next snapshot, and what is inside matters not
                            self.version += 1  # an object or list appears
                            frame.pending.append((key, at, whole.end(), _MISSING, _MISSING))
                            if frame.shape.eager:
                                self._settle(frame)
                            frame.value_done = True
                            pos, into_raw = whole.end(), True
                            break
                    frame = _Frame(shape, char == "{", at)
                    stack.append(frame)
                    if shape is RAW:  # nothing inside is kept: only its end matters
                        self._raw_depth, pos, into_raw = 1, match.end(), True
                        break
                    if shape.flat and char == "{" and stack[-2].shape.keeps:  # (rather than `_CLOSED`: as cheap
                        # on a whole item, and not a backtracking search to the end of the text on a cut one)
                        frame.lazy = True  # an object appears, read lazily
                        self.version += 1
                        self._raw_depth, pos, into_raw = 1, match.end(), True
                        break
                    if frame.shape.keeps:  # an empty object or list appears
                        self.version += 1
                else:  # "}" or "]"
                    closed = stack.pop()
                    self._end_member(closed, at)
                    changed = True
                    end = match.end()
                    if not stack:
                        self.done = True
                        self.end = end
                        pos = end
                        break
                    frame = stack[-1]
                    if frame.shape.keeps:
                        frame.pending.append((frame.key if frame.is_object else frame.count, closed.start, end,
                                              closed.shown, self._built(closed)))
                        if frame.shape.eager:
                            self._settle(frame)
                    frame.value_done = True
            else:
                pos = len(text)
            if not into_raw:
                break
        self._pos = pos
        return changed

    def _step_items(self, text: str, pos: int, frame: _Frame) -> int:
        """Read the items of an `Iterable[...]` list handed over as text (`ItemsShape.on_text`) from
        `pos`: a whole item per regex match, not token by token. Returns where the token loop goes on
        (at anything but an object item or the comma after one), or -1 when an item is cut off by the
        end of the text (`_pos` is then its start, matched again with the next piece).

        An item that is deeper, longer than `_CUT_ITEM`, or malformed is pushed as a RAW container
        (the caller steps over it); it is handed over when it closes, as any RAW item is.
        """
        on_text = frame.shape.on_text  # type: ignore[attr-defined]
        size = len(text)
        while True:
            at = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
            if at >= size:
                return at
            char = text[at]
            if char == ",":
                if not frame.value_done:
                    return at  # after a scalar item, or a stray comma: the token loop's
                frame.value_done = False
                frame.count += 1
                frame.value_start = pos = at + 1
                continue
            if char != "{":
                return at
            whole = _CLOSED.match(text, at)
            if whole is not None:
                pos = whole.end()
                frame.clean = False  # (as `_settle` marks it: nothing is kept here)
                on_text(text[at:pos])
                frame.value_done = True
                continue
            if _CUT is not None and size - at <= _CUT_ITEM and _CUT.match(text, at) is not None:
                self._pos = at
                return -1
            self.stack.append(_Frame(RAW, True, at))
            self._raw_depth = 1
            return at + 1

    def _skip_raw(self, text: str, pos: int) -> int:
        """Step over the inside of the RAW container on top, from `pos`, bracket to bracket: where it
        closes (after its bracket), or -1 when it is still open (`_pos` is then where to resume)."""
        depth = self._raw_depth
        run = _RAW_RUN.match
        size = len(text)
        while True:
            pos = run(text, pos).end()  # type: ignore[union-attr]  # the pattern matches the empty string
            if pos >= size:
                break
            char = text[pos]
            if char == '"':  # a string still arriving: its rest is scanned next time
                self._open_at = pos
                self._open_scanned = _STRING_REST.match(text, pos + 1).end()  # type: ignore[union-attr]
                break
            pos += 1
            if char == "{" or char == "[":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return pos
        self._raw_depth = depth
        self._pos = pos
        return -1

    def _skip_lazy(self, text: str, pos: int, frame: _Frame) -> int:
        """`_skip_raw` for a lazy frame: also notes where its members end (its own commas) and where
        the items of its open list member end (that list's commas)."""
        depth = self._raw_depth
        run = _RAW_RUN.match
        size = len(text)
        while True:
            start, pos = pos, run(text, pos).end()  # type: ignore[union-attr]  # it matches the empty string
            if depth == 1 or (depth == 2 and frame.opened == "["):
                comma = self._last_comma(text, start, pos)
                if comma > 0:
                    if depth == 1:
                        frame.commit = comma
                    else:
                        frame.item_commit = comma
            if pos >= size:
                break
            char = text[pos]
            if char == '"':  # a string still arriving: its rest is scanned next time
                self._open_at = pos
                self._open_scanned = _STRING_REST.match(text, pos + 1).end()  # type: ignore[union-attr]
                break
            pos += 1
            if char == "{" or char == "[":
                depth += 1
                if depth == 2:
                    frame.opened, frame.value_at = char, pos - 1
                    frame.items, frame.items_upto, frame.item_commit = [], pos, pos
            else:
                depth -= 1
                if depth == 0:
                    return pos
        self._raw_depth = depth
        self._pos = pos
        return -1

    @staticmethod
    def _last_comma(text: str, start: int, end: int) -> int:
        """Where the last comma outside strings in `text[start:end]` ends, or -1; the span holds
        whole strings and no brackets, and starts outside a string."""
        comma = text.rfind(",", start, end)
        if comma < 0:
            return -1
        if text.find("\\", start, comma) < 0:  # no escapes: quotes alternate, opening and closing
            return comma + 1 if text.count('"', start, comma) % 2 == 0 else _last_comma_slow(text, start, end)
        return _last_comma_slow(text, start, end)

    def _member_key(self, start: int, end: int) -> str | None:
        """The key of the member whose value starts at `end`, when `text[start:end]` is `"key": `."""
        match = _MEMBER_KEY.match(self.text, start, end)
        if match is None or match.end() != end:
            return None
        token = match.group(1)
        key = self._keys.get(token)
        if key is None:
            key = self._keys[token] = _decode(token)
        return key if isinstance(key, str) else None

    def _lazy_members(self, frame: _Frame, end: int) -> None:
        """Decode and check the lazy frame's members from `upto` to `end` (after a comma, or its end)."""
        block = _decode("{" + self.text[frame.upto : end - 1] + "}")
        frame.upto = end
        if type(block) is not dict:
            frame.clean = False
            return
        for kept in frame.shape.accept(list(block.items())):
            if kept is None:
                frame.clean = False
            else:
                frame.members[kept[0]] = kept[1]

    def _lazy_built(self, closed: _Frame, end: int) -> Any:
        """A closed lazy frame's value, as `_built` gives a frame's: built from its members when a
        snapshot showed it (so most of them are checked already) and none was left out."""
        if closed.shown is _MISSING:
            return _MISSING
        self._lazy_members(closed, end)
        if not closed.clean:
            return _MISSING
        built = closed.shape.build(closed.members, None, _MISSING)
        if built.__dict__ != closed.shown.__dict__:  # its last members, settled here, show
            self.version += 1
        return built

    def _lazy_value(self, frame: _Frame) -> Any:
        """What a lazy frame shows: its finished members (decoded and checked once, a block at a time)
        and the one still open: a string (where strings show), a finished container, or an open list
        of its finished items and the string still arriving."""
        text, shape = self.text, frame.shape
        if frame.commit > frame.upto:
            self._lazy_members(frame, frame.commit)
        key: Any = None
        value = _MISSING
        in_string = self._open_at == self._pos and self._open_at >= frame.commit  # the text ends in a string
        if self._raw_depth == 1:
            if in_string:
                key = self._member_key(frame.commit, self._open_at)
                string = self._open_string(self._open_at) if key is not None else None
                if string is not None:
                    ok, value = shape.show_string(key, string)
                    value = value if ok else _MISSING
            elif text[frame.commit :].strip():
                try:
                    tail = from_json("{" + text[frame.commit :], allow_partial="trailing-strings")
                except ValueError:
                    tail = None
                if type(tail) is dict and len(tail) == 1:
                    key, raw = next(iter(tail.items()))
                    if type(raw) is str:  # finished, but no comma yet: shown where any string is
                        ok, value = shape.show_string(key, raw)
                        value = value if ok else _MISSING
                    elif type(raw) is list or type(raw) is dict:  # a container is finished when it closes
                        kept = shape.accept([(key, raw)])[0]
                        value = kept[1] if kept is not None else _MISSING
                    # a number or literal may still grow
        elif frame.opened == "[":
            key = self._member_key(frame.commit, frame.value_at)
            child = shape.child(key) if key is not None else RAW
            if type(child) is ListShape:
                if frame.item_commit > frame.items_upto:
                    block = _decode("[" + text[frame.items_upto : frame.item_commit - 1] + "]")
                    frame.items_upto = frame.item_commit
                    if type(block) is list:
                        frame.items.extend(kept[1] for kept in child.accept([(None, raw) for raw in block])
                                           if kept is not None)
                item = _MISSING
                if self._raw_depth == 2:
                    last: Any = None  # the last item, when it is a string
                    if in_string and self._open_at >= frame.item_commit:
                        last = self._open_string(self._open_at)
                    else:
                        rest = text[frame.item_commit :].strip()
                        if len(rest) > 1 and rest[0] == '"' and rest[-1] == '"':
                            last = _decode(rest)
                    if isinstance(last, str):
                        ok, shown = child.show_string(None, last)
                        item = shown if ok else _MISSING
                value = child.build(frame.items, None, item)
        return shape.build(frame.members, key, value)

    def _settle(self, frame: _Frame) -> None:
        """Decode and check the frame's finished members, keeping those that pass.

        `version` moves only if the eye would see a change: a member shown before
        (as an open container, or as the unfinished string) that is now different
        or gone, or a new member (a None in an object is no change: every field
        defaults to None).
        """
        text = self.text
        pending = frame.pending
        frame.pending = []
        if frame is self._shown_in and pending[0][3] is _MISSING:
            key, start, end, _, built = pending[0]
            pending[0] = (key, start, end, self.shown, built)
        shape = frame.shape
        if type(shape) is ItemsShape and shape.on_text is not None:
            # `Iterable[...]` items, their text as it is: nothing is decoded or kept here
            on_text = shape.on_text
            frame.clean = False
            for _, start, end, shown, _ in pending:  # (items are RAW containers or scalars: never built)
                on_text(text[start:end])
                if shown is not _MISSING:
                    self.version += 1
            return
        if frame.is_object and type(shape) is ModelShape:
            names, plain, plain_items = shape.names, shape.plain, shape.plain_items
            is_list, plain_list = False, None
        elif not frame.is_object and type(shape) is ListShape:
            is_list, plain_list = True, shape.plain  # None: items pydantic must check (unless built)
        else:
            self._settle_checked(frame, pending, False)
            return
        # the common case inline: members that need no check (what `accept` keeps as they are)
        members = frame.members
        visible = False
        for i, (key, start, end, shown, built) in enumerate(pending):
            if built is not _MISSING:
                if is_list:
                    members.append(built)
                else:
                    members[names.get(key, key)] = built
                visible = visible or shown is _MISSING
                continue
            if is_list and plain_list is None:
                self._settle_checked(frame, pending[i:], visible)
                return
            raw = _decode(text[start:end])
            if raw is _MISSING:
                frame.clean = False
                visible = visible or shown is not _MISSING
                continue
            if not is_list:
                name = names.get(key)
                if name is None:
                    frame.clean = False
                    visible = visible or shown is not _MISSING
                    continue
                if raw is None:
                    members[name] = raw
                    visible = visible or (shown is not _MISSING and raw is not shown and raw != shown)
                    continue
                if type(raw) is not plain.get(name) and not (
                        type(raw) is list and name in plain_items and all(type(x) is plain_items[name] for x in raw)):
                    self._settle_checked(frame, pending[i:], visible)
                    return
                members[name] = raw
            elif type(raw) is plain_list:
                members.append(raw)
            else:
                self._settle_checked(frame, pending[i:], visible)
                return
            visible = visible or shown is _MISSING or (raw is not shown and raw != shown)
        if visible:
            self.version += 1

    def _settle_checked(self, frame: _Frame, pending: list[tuple[Any, int, int, Any, Any]], visible: bool) -> None:
        """`_settle` for members the shape's `accept` must check (in one call, where it can)."""
        text = self.text
        # per member: (key, value, what was shown, whether `value` is checked already)
        decoded: list[tuple[Any, Any, Any, bool]] = []
        for key, start, end, shown, built in pending:
            if built is not _MISSING:
                # built from checked members: showing it changed nothing the container's own members
                # did not already (they moved `version` as they settled)
                decoded.append((key, built, _MISSING if shown is _MISSING else built, True))
                continue
            raw = _decode(text[start:end])
            if raw is not _MISSING:
                decoded.append((key, raw, shown, False))
            else:
                frame.clean = False
                if shown is not _MISSING:
                    visible = True
        if not decoded:
            if visible:
                self.version += 1
            return
        to_check = [(key, raw) for key, raw, _, ready in decoded if not ready]
        checked = iter(frame.shape.accept(to_check) if to_check else ())
        name_of = frame.shape.names if isinstance(frame.shape, ModelShape) else None
        for key, value, shown, ready in decoded:
            if ready:
                result: tuple[Any, Any] | None = (name_of.get(key, key) if name_of is not None else None, value)
            else:
                result = next(checked)
            if result is None:
                frame.clean = False
                visible = visible or shown is not _MISSING
                continue
            name, value = result
            if frame.is_object:
                frame.members[name] = value
                if shown is _MISSING and value is None:
                    continue
            else:
                frame.members.append(value)
            visible = visible or shown is _MISSING or (value is not shown and value != shown)
        if visible:
            self.version += 1

    def _end_member(self, frame: _Frame, at: int) -> None:
        """The member before a closing bracket at `at` has ended (a comma is handled inline in `feed`)."""
        start = frame.value_start
        if frame.value_done:
            frame.value_done = False
        elif start >= 0 and start < at and (not frame.is_object or frame.key is not None) \
                and not self.text[start:at].isspace() and frame.shape.keeps:
            frame.pending.append((frame.key if frame.is_object else frame.count, start, at, _MISSING, _MISSING))
            if frame.shape.eager:
                self._settle(frame)

    def _built(self, closed: _Frame) -> Any:
        """A closed container's value, built from the members it holds checked already; _MISSING
        when it must be decoded and checked as a whole by its parent.

        Only for a container a snapshot showed (so its members were checked as they finished)
        and none of whose members was left out: what the parent's check of the whole text would
        give (partial models have no validators), without decoding it again.
        """
        if closed.shown is _MISSING or not closed.shape.keeps:
            return _MISSING
        if closed.pending:
            self._settle(closed)
        if not closed.clean:
            return _MISSING
        return closed.shape.build(closed.members, None, _MISSING)

    def snapshot(self) -> Any:
        """What the text read so far shows: the open containers around their finished members."""
        if not self.stack:
            return _MISSING
        for frame in self.stack:
            if frame.pending:
                self._settle(frame)
        value = _MISSING
        top = self.stack[-1]
        if top.lazy:
            value = self._lazy_value(top)
            if top.shown is _MISSING or value.__dict__ != top.shown.__dict__:  # what `==` compares
                self.version += 1
            top.shown = value
            self.shown, self._shown_in, self._shown_key = _MISSING, None, None
            for frame in reversed(self.stack[:-1]):
                value = frame.shape.build(frame.members, frame.key if frame.is_object else frame.count, value)
                frame.shown = value
            return value
        if top.value_start >= 0 and not top.value_done and (not top.is_object or top.key is not None) \
                and top.shape.keeps:
            at = _SPACE.match(self.text, top.value_start).end()  # type: ignore[union-attr]  # \s* always matches
            if self.text.startswith('"', at):
                text = self._open_string(at) if at == self._open_at else None
                if text is None:
                    try:
                        text = from_json(self.text[at:], allow_partial="trailing-strings")
                    except ValueError:
                        text = None
                if isinstance(text, str):
                    ok, checked = top.shape.show_string(top.key if top.is_object else top.count, text)
                    if ok:
                        value = checked
        key = top.key if top.is_object else top.count
        if value is not _MISSING and (value != self.shown or top is not self._shown_in or key != self._shown_key):
            self.version += 1  # a new string, even one equal to the last shown (`["", "`)
        self.shown, self._shown_in, self._shown_key = value, top, key
        for frame in reversed(self.stack):
            value = frame.shape.build(frame.members, frame.key if frame.is_object else frame.count, value)
            frame.shown = value
        return value

    def _open_string(self, at: int) -> str | None:
        """The text so far of the string still arriving at `at`, decoding only what is new.

        The body is decoded up to a safe point (before the last escape, and before a surrogate
        pair's first half) and kept; only the rest is decoded again on the next snapshot, so a
        long string costs what its new characters cost. None: decode it whole instead.
        """
        text = self.text
        quote, start, done = self._open_decoded
        self._open_decoded = (-1, -1, "")  # `done` is then ours alone: CPython extends it in place
        if quote != at:
            start, done = at + 1, ""
        safe = self._open_scanned
        backslash = text.rfind("\\", max(start, safe - 12), safe)
        if backslash >= 0:  # stop before the last escape, and before the run of backslashes it ends
            while backslash > start and text[backslash - 1] == "\\":
                backslash -= 1
            if _HIGH_SURROGATE.match(text, max(start, backslash - 6), backslash):
                if backslash - 7 >= start and text[backslash - 7] == "\\":
                    return None  # an escaped backslash, or not: the whole decode tells
                backslash -= 6  # keep the two halves of a surrogate pair together
            safe = backslash
        try:
            if safe > start:
                done += from_json('"' + text[start:safe] + '"')
                start = safe
            tail = from_json('"' + text[start:], allow_partial="trailing-strings")
        except ValueError:
            return None
        self._open_decoded = (at, start, done)
        return done + tail if isinstance(tail, str) else None

    @property
    def json_text(self) -> str:
        """The top-level JSON value's text (the whole text until it is finished)."""
        if self.start < 0:
            return self.text
        return self.text[self.start : self.end] if self.done else self.text[self.start :]


# -- what a stream yields, per kind of response model -----------------------------------------
def cut_short(text: str) -> IncompleteOutputException:
    """The error of a stream that ended inside its JSON answer, whatever the handler reported."""
    return IncompleteOutputException(
        f"The stream ended before the JSON answer was complete ({len(text)} characters, the last "
        f"{text[-40:]!r}): the object is cut short, so it is not presented as complete. Retry the "
        "call, or raise max_tokens; `received` holds the text that arrived.",
        received=text,
    )


def is_unfinished_json(text: str) -> bool:
    """Whether `text` is the beginning of a JSON value, not the whole of one (nor malformed)."""
    try:
        from_json(text)
    except ValueError:
        try:
            from_json(text, allow_partial=True)
        except ValueError:
            return False  # malformed: the validation error says why, and the model is re-asked
        return bool(text.strip())
    return False


class StreamConsumer:
    """Turns one attempt's deltas into what the caller's loop yields.

    `offered`: the tool names a tools-mode request offered (None: not a tools mode). A delta
    that starts a call of any other tool makes the answer invalid (`ResponseParsingError`,
    re-asked): its arguments are never read as the response model. Checked where a delta
    starts or leaves the answer's index, never on the answer's own stream of fragments.
    """

    offered: Collection[str] | None = None

    def _check_offered(self, delta: StreamDelta) -> None:
        if self.offered is not None:
            check_calls((delta.name,), self.offered)

    def feed(self, delta: StreamDelta) -> list[Any]:
        """What to yield after `delta`."""
        raise NotImplementedError

    def finish(self) -> list[Any]:
        """What to yield once the stream ended cleanly.

        Raises:
            ValueError: the answer is invalid (pydantic's ValidationError): re-asked.
            IncompleteOutputException: the JSON stops mid-way: not re-asked.
        """
        raise NotImplementedError


class PartialConsumer(StreamConsumer):
    """Yields `Partial[Model]` snapshots as the object grows, then the validated `Model`.

    Only the first delta index is the answer (a second tool call is not part of it).
    """

    def __init__(self, spec: ResponseSpec, context: Mapping[str, Any] | None, strict: bool | None) -> None:
        self.model = spec.options.get("final", spec.model)
        self.context = context
        self.strict = strict
        partial = spec.options["partial"]
        self.cursor = JsonCursor(lambda char: ModelShape(partial, context) if char == "{" else RAW)
        self.index: int | None = None
        self.last = -1

    def feed(self, delta: StreamDelta) -> list[Any]:
        if self.index is None:
            self.index = delta.index
            self._check_offered(delta)
        elif delta.index != self.index:
            self._check_offered(delta)
            return []
        if not self.cursor.feed(delta.text):
            return []
        snapshot = self.cursor.snapshot()
        if snapshot is _MISSING or self.cursor.signature == self.last:
            return []  # nothing new to show
        self.last = self.cursor.signature
        return [snapshot]

    def finish(self) -> list[Any]:
        if self.cursor.start >= 0 and not self.cursor.done:
            raise cut_short(self.cursor.json_text)
        return [self.model.model_validate_json(self.cursor.json_text, context=self.context,
                                               strict=self.strict)]


def _plain_item_model(wrapper: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The item model of an `Iterable[...]` wrapper when validating `{key: [item]}` with the wrapper
    is validating `item` with that model: the field is a plain `list[Model]` (no constraints, no
    alias games on the item) and the wrapper has no validators and no config of its own."""
    field = wrapper.model_fields.get(key)
    decorators = wrapper.__pydantic_decorators__
    if field is None or field.metadata or wrapper.model_config or decorators.validators \
            or decorators.field_validators or decorators.root_validators or decorators.model_validators:
        return None
    annotation = field.annotation
    args = get_args(annotation)
    if get_origin(annotation) is not list or len(args) != 1:
        return None
    item = args[0]
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _no_text_path(text: str, **kwargs: Any) -> Any:
    raise AssertionError("items are handed over as text only with a plain item model, strictly")


class IterableConsumer(StreamConsumer):
    """Yields each item of an `Iterable[...]` answer as soon as it is finished and valid.

    Two layouts: the items as the `tasks` list of one object (tools and JSON
    modes; a bare top-level array is accepted too), or one tool call per item
    (parallel tools: a delta whose `name` is an item model's name).

    An item is validated by the item model's own validator when the wrapper adds
    nothing to it (`_plain_item_model`): with `strict`, straight from its JSON text
    (the cursor hands the text over undecoded), else from its decoded value. Only
    when that fails is it validated the way it always was, inside `{"tasks": [item]}`
    by the wrapper, so the error (located at `tasks.0...`), and whether the item is
    left out (text that is not JSON), stay what they were. A bad item's validators
    thus run twice.
    """

    def __init__(self, spec: ResponseSpec, context: Mapping[str, Any] | None, strict: bool | None) -> None:
        self.wrapper = spec.model
        self.context = context
        self.strict = strict
        self.key: str = spec.options.get("key", "tasks")
        self._around = (b"{" + to_json(self.key) + b":[", b"]}")  # what one item is validated inside
        self.by_name: dict[str, type[BaseModel]] = dict(spec.options.get("item_models", {}))
        self.item_model = _plain_item_model(self.wrapper, self.key)
        self.pending: list[Any] = []  # the items finished by the last piece: texts, or decoded values
        model = self.item_model
        self.texts = bool(strict) and model is not None
        # what `model.model_validate_json` calls, without its Python frame (a third of its cost)
        self._validate_text: Callable[..., Any] = model.__pydantic_validator__.validate_json \
            if self.texts and model is not None else _no_text_path
        self.yielded = 0
        items = ItemsShape(self.pending.append, self.pending.append if self.texts else None)
        wrapper = _ItemsWrapper(items, self.key)
        self.cursor = JsonCursor(lambda char: wrapper if char == "{" else items)
        self.calls: dict[int, tuple[str, list[str]]] = {}  # parallel tool calls by index
        self.open_call: int | None = None
        self.index: int | None = None

    def _item_text(self, text: str) -> Any:
        """A strict item from its JSON text (see the class docstring); _MISSING when it is not JSON."""
        try:
            return self._validate_text(text, strict=True, context=self.context)
        except ValidationError:
            raw = _decode(text)
            if raw is _MISSING:
                return _MISSING  # not JSON: left out, as the cursor leaves out what it cannot decode
            return self._item(raw, fast=False)

    def _item(self, raw: Any, fast: bool = True) -> Any:
        if fast and not self.strict and self.item_model is not None:
            try:
                return self.item_model.model_validate(raw, strict=self.strict, context=self.context)
            except ValidationError:
                pass  # the wrapper's validation below raises it again, located at `tasks.0...`
        if self.strict:
            # JSON strict, as for a whole answer: python strict would refuse "red" for an Enum. The
            # same JSON json.dumps would write, by pydantic_core's serializer (a tenth of the cost)
            try:
                text: Any = self._around[0] + to_json(raw, inf_nan_mode="constants") + self._around[1]
            except ValueError:  # a lone surrogate: only json.dumps writes it
                import json

                text = json.dumps({self.key: [raw]})
            wrapped = self.wrapper.model_validate_json(text, context=self.context, strict=True)
        else:
            wrapped = self.wrapper.model_validate({self.key: [raw]}, context=self.context, strict=self.strict)
        return getattr(wrapped, self.key)[0]

    def _finish_call(self, index: int, last: bool = False) -> Any:
        name, parts = self.calls.pop(index)
        model = self.by_name[name]
        text = "".join(parts)
        if last and is_unfinished_json(text):
            raise cut_short(text)
        return model.model_validate_json(text, context=self.context, strict=self.strict)

    def feed(self, delta: StreamDelta) -> list[Any]:
        if delta.index in self.calls or (delta.name in self.by_name and delta.index != self.index):
            out = []
            if self.open_call is not None and self.open_call != delta.index and self.open_call in self.calls:
                out.append(self._finish_call(self.open_call))
            if delta.index not in self.calls:
                self.calls[delta.index] = (str(delta.name), [])
            self.calls[delta.index][1].append(delta.text)
            self.open_call = delta.index
            self.yielded += len(out)
            return out
        if self.index is None:
            self.index = delta.index
            self._check_offered(delta)
        elif delta.index != self.index:
            self._check_offered(delta)
            return []
        pending = self.pending
        self.cursor.feed(delta.text)
        if not pending:
            return []
        if self.texts:
            out = [item for item in map(self._item_text, pending) if item is not _MISSING]
        else:
            out = [self._item(raw) for raw in pending]
        pending.clear()
        self.yielded += len(out)
        return out

    def finish(self) -> list[Any]:
        indexes = sorted(self.calls)
        out = [self._finish_call(index, last=index == indexes[-1]) for index in indexes]
        self.yielded += len(out)
        if self.index is None:
            if not self.yielded:
                raise ResponseParsingError(
                    "The stream ended without any item: the model sent no list and no tool call."
                )
            return out
        if self.cursor.start >= 0 and not self.cursor.done:
            raise cut_short(self.cursor.json_text)
        if not self.yielded:
            # nothing yielded: a misnamed list raises pydantic's ValidationError and is re-asked like
            # any invalid answer (an empty list is fine)
            text = self.cursor.json_text
            if text.lstrip().startswith("["):
                text = f'{{"{self.key}": {text}}}'
            self.wrapper.model_validate_json(text, context=self.context, strict=self.strict)
        return out


def consumer_for(spec: ResponseSpec, context: Mapping[str, Any] | None, strict: bool | None,
                 tools: bool = False) -> StreamConsumer:
    """The consumer of a streamed `spec` ("partial" or "iterable"); `tools`: the answer comes as tool
    calls, of the tool named after the requested model (or of an item model's, for an iterable)."""
    consumer: StreamConsumer
    if spec.kind == "partial":
        consumer = PartialConsumer(spec, context, strict)
    elif spec.kind == "iterable":
        consumer = IterableConsumer(spec, context, strict)
    else:
        name = getattr(spec.original, "__name__", repr(spec.original))
        raise ValueError(
            f"stream=True streams Partial[...] or Iterable[...] response models, got {name}. "
            f"Use client.create_partial(response_model={name}, ...) to stream it as it is written."
        )
    if tools:
        # a partial's tool is `Partial<Model>`, and a call named after `Model` itself (what earlier
        # releases offered) names the same schema; an iterable's items may come as their own calls
        offered = {tool_name(spec.model), *spec.options.get("item_models", ())}
        final = spec.options.get("final")
        if final is not None:
            offered.add(tool_name(final))
        consumer.offered = offered
    return consumer


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
