"""The provider-independent streaming machinery, fed directly: `JsonCursor`, consumers, the fence filter.

Hypothesis cuts JSON texts at arbitrary places (inside strings, escapes,
surrogate pairs, numbers, keys) and checks what every snapshot shows against
the finished object.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, model_validator

from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
from instructor.core.json_text import JsonTextFilter
from instructor.core.mode_registry import StreamDelta
from instructor.core.streaming import (
    IterableConsumer,
    JsonCursor,
    ModelShape,
    PartialConsumer,
    StreamedResponse,
    stream_failure,
)
from instructor.dsl.iterable import iterable_spec
from instructor.dsl.partial import partial_model, partial_spec


class Color(str, Enum):
    RED = "red"
    GREEN = "green"


class Leaf(BaseModel):
    label: str
    weight: float
    tags: list[str] = []


class Node(BaseModel):
    title: str
    kind: Literal["alpha", "beta"]
    color: Color
    count: int
    ok: bool
    maybe: str | None = None
    leaves: list[Leaf]
    grid: list[list[int]] = []
    extra: dict[str, Any] = {}
    alias_field: str = Field(default="", alias="aliasField")


class _WaitsForTheEnd(BaseModel):
    """A `mode="before"` model validator (that changes nothing): no field of a model built on this is
    checked as it closes (`instructor.core.streaming.early`), so an invalid member reaches the
    partials' own handling of it, and the final validation."""

    @model_validator(mode="before")
    @classmethod
    def _as_it_is(cls, data: Any) -> Any:
        return data


class LeafWaits(_WaitsForTheEnd, Leaf):
    pass


class NodeWaits(_WaitsForTheEnd, Node):
    pass


text_st = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
leaf_st = st.fixed_dictionaries({
    "label": text_st,
    "weight": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "tags": st.lists(text_st, max_size=3),
})
node_st = st.fixed_dictionaries({
    "title": text_st,
    "kind": st.sampled_from(["alpha", "beta"]),
    "color": st.sampled_from(["red", "green"]),
    "count": st.integers(-10**12, 10**12),
    "ok": st.booleans(),
    "maybe": st.none() | text_st,
    "leaves": st.lists(leaf_st, max_size=4),
    "grid": st.lists(st.lists(st.integers(0, 999), max_size=3), max_size=3),
    "extra": st.dictionaries(st.text(max_size=4), st.integers() | text_st, max_size=2),
    "aliasField": text_st,
})


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(text[last:point])
        last = point
    pieces.append(text[last:])
    return pieces


def consistent(shown: Any, final: Any) -> None:
    """What a snapshot shows is the final value, or a prefix of it (strings, lists, objects)."""
    if shown is None:
        return
    if isinstance(shown, BaseModel):
        for name in type(shown).model_fields:
            consistent(getattr(shown, name), getattr(final, name))
    elif isinstance(shown, list):
        assert len(shown) <= len(final)
        for a, b in zip(shown, final, strict=False):
            consistent(a, b)
    elif isinstance(shown, str) and not isinstance(shown, Enum):
        assert final.startswith(shown) if isinstance(final, str) else shown == final
    else:
        assert shown == final


@settings(max_examples=150, deadline=None)
@given(node=node_st, cuts=st.lists(st.integers(0, 10**6), max_size=40), ascii_only=st.booleans(),
       indent=st.sampled_from([None, 2]))
def test_snapshots_are_prefixes_of_the_final_object(node: dict[str, Any], cuts: list[int], ascii_only: bool,
                                                    indent: int | None) -> None:
    text = json.dumps(node, ensure_ascii=ascii_only, indent=indent)
    final = Node.model_validate_json(text)
    consumer = PartialConsumer(partial_spec(Node), None, None)
    partial_cls = partial_model(Node)
    last: Any = None
    for piece in split(text, cuts):
        out = consumer.feed(StreamDelta(piece))
        for shown in out:
            assert isinstance(shown, partial_cls)
            assert shown.kind in (None, final.kind)  # a Literal is never half-typed
            assert shown.color in (None, final.color)  # nor an enum
            consistent(shown, final)
            assert last is None or shown != last  # nothing is yielded twice
            last = shown
        if not out and last is not None and not consumer.cursor.done:
            assert consumer.cursor.snapshot() == last  # nor is a change missed
    assert consumer.cursor.done
    assert consumer.finish() == [final]


@settings(max_examples=100, deadline=None)
@given(nodes=st.lists(node_st, max_size=4), cuts=st.lists(st.integers(0, 10**6), max_size=30),
       bare=st.booleans())
def test_iterable_items_arrive_complete_and_in_order(nodes: list[dict[str, Any]], cuts: list[int],
                                                     bare: bool) -> None:
    text = json.dumps(nodes if bare else {"tasks": nodes})
    consumer = IterableConsumer(iterable_spec(Node), None, None)
    out: list[Any] = []
    for piece in split(text, cuts):
        out += consumer.feed(StreamDelta(piece))
    out += consumer.finish()
    assert out == [Node.model_validate(n) for n in nodes]


long_leaf_st = leaf_st | st.fixed_dictionaries({  # longer than an item matched again (`_CUT_ITEM`)
    "label": st.just('{[" ]},\\' * 300), "weight": st.just(0.5), "tags": st.just(["]"])})


@settings(max_examples=100, deadline=None)
@given(data=st.data(), cuts=st.lists(st.integers(0, 10**6), max_size=40), bare=st.booleans())
@pytest.mark.parametrize(("model", "items_st"), [(Leaf, long_leaf_st), (Node, node_st)])
def test_strict_items_are_yielded_with_the_piece_that_closes_them(
        model: type[BaseModel], items_st: Any, data: Any, cuts: list[int], bare: bool) -> None:
    """strict=True hands each item over as its JSON text, read whole (flat, long and deep items alike):
    cut anywhere, an item comes out with the piece that holds its closing bracket, not later."""
    items = data.draw(st.lists(items_st, max_size=5))
    texts = [json.dumps(item) for item in items]
    opening = "[" if bare else '{"tasks": ['
    ends, at = [], len(opening)
    for i, item_text in enumerate(texts):
        at += (2 if i else 0) + len(item_text)
        ends.append(at)
    text = opening + ", ".join(texts) + ("]" if bare else "]}")
    consumer = IterableConsumer(iterable_spec(model), None, True)
    assert consumer.cursor.root("[").items_text  # what is under test: items read whole, as text
    out: list[Any] = []
    fed = 0
    for piece in split(text, cuts):
        out += consumer.feed(StreamDelta(piece))
        fed += len(piece)
        assert len(out) == sum(end <= fed for end in ends)
    out += consumer.finish()
    assert out == [model.model_validate(item) for item in items]


@pytest.mark.parametrize(("opening", "then", "shown"), [
    ('{"tags": ["', '", "', {"tags": ["", ""]}),  # a list's next item
    ('{"first": "', '", "last": "', {"first": "", "last": ""}),  # an object's next field
])
def test_a_new_string_equal_to_the_last_one_shown_is_still_shown(opening: str, then: str,
                                                                 shown: dict[str, Any]) -> None:
    """`["", "` shows a second empty string: the same text as the one shown before, in another
    member (hypothesis found it: the change was missed when only the text was compared)."""
    class Names(BaseModel):
        tags: list[str] = []
        first: str = ""
        last: str = ""

    consumer = PartialConsumer(partial_spec(Names), None, None)
    assert len(consumer.feed(StreamDelta(opening))) == 1
    [second] = consumer.feed(StreamDelta(then))
    assert second.model_dump(exclude_none=True) == shown


@pytest.mark.parametrize("wrong", ['[1, {"a": 2}]', '{"a": "b"}'])
def test_a_container_of_the_wrong_kind_is_left_out_and_the_end_says_why(wrong: str) -> None:
    """An array where an object belongs (or an object for a list) shows nothing of itself while
    the stream goes on; the final validation names it (and the client re-asks)."""
    from pydantic import ValidationError

    class Inner(BaseModel):
        a: int

    class Outer(_WaitsForTheEnd):
        name: str = ""
        inner: Inner | None = None
        items: list[int] = []

    field = "inner" if wrong.startswith("[") else "items"
    text = '{"name": "x", "' + field + '": ' + wrong + ', "name": "y"}'
    consumer = PartialConsumer(partial_spec(Outer), None, None)
    shown = [s for char in text for s in consumer.feed(StreamDelta(char))]
    assert shown and all(getattr(s, field) is None for s in shown)
    assert shown[-1].name == "y"
    with pytest.raises(ValidationError, match=field):
        consumer.finish()


def test_an_item_is_yielded_as_soon_as_it_closes() -> None:
    text = json.dumps({"tasks": [{"label": "a", "weight": 1.0}, {"label": "b", "weight": 2.0}]})
    consumer = IterableConsumer(iterable_spec(Leaf), None, None)
    first_close = text.index("}") + 1
    assert consumer.feed(StreamDelta(text[: first_close - 1])) == []
    assert consumer.feed(StreamDelta(text[first_close - 1 : first_close])) == [Leaf(label="a", weight=1.0)]
    assert consumer.feed(StreamDelta(text[first_close:])) == [Leaf(label="b", weight=2.0)]
    assert consumer.finish() == []


def test_parallel_calls_are_yielded_when_the_next_one_starts() -> None:
    class A(BaseModel):
        x: int

    class B(BaseModel):
        y: str

    consumer = IterableConsumer(iterable_spec(A | B), None, None)
    assert consumer.feed(StreamDelta('{"x"', 0, "A")) == []
    assert consumer.feed(StreamDelta(": 1}", 0)) == []
    assert consumer.feed(StreamDelta('{"y": ', 1, "B")) == [A(x=1)]
    assert consumer.feed(StreamDelta('"z"}', 1)) == []
    assert consumer.finish() == [B(y="z")]


def test_partial_strings_show_only_where_the_field_accepts_them() -> None:
    cursor = JsonCursor(lambda ch: ModelShape(partial_model(Node), None))
    cursor.feed('{"title": "Hel')
    assert cursor.snapshot().title == "Hel"
    cursor.feed('lo", "kind": "alp')
    assert cursor.snapshot().kind is None
    cursor.feed("ha")
    assert cursor.snapshot().kind is None  # "alpha" validates, but could still grow into "alphabet"
    cursor.feed('", "count": 12')
    assert cursor.snapshot().count is None  # a number is shown once it cannot grow any more
    cursor.feed("3,")
    shown = cursor.snapshot()
    assert (shown.title, shown.kind, shown.count) == ("Hello", "alpha", 123)


def test_text_around_the_json_is_ignored() -> None:
    cursor = JsonCursor(lambda ch: ModelShape(partial_model(Leaf), None))
    for piece in ['Sure, "here" it is: {"lab', 'el": "x", "weight": 1}', " and {more} text"]:
        cursor.feed(piece)
    assert cursor.done
    assert cursor.json_text == '{"label": "x", "weight": 1}'


def test_invalid_members_are_left_out_while_partial() -> None:
    consumer = PartialConsumer(partial_spec(LeafWaits), None, None)
    shown = consumer.feed(StreamDelta('{"label": "x", "weight": "heavy", "tags": [1, "a"'))
    assert shown[-1].weight is None
    assert shown[-1].tags == ["a"]  # the open list shows its valid items
    shown = consumer.feed(StreamDelta("]"))
    assert shown[-1].tags is None  # once closed, the list is checked whole, and it is invalid
    consumer.feed(StreamDelta("}"))
    with pytest.raises(ValueError):
        consumer.finish()  # the final validation reports what the partials left out


@pytest.mark.parametrize("text", [
    '{"title": "t", "leaves": [{"label": "a", "weight": 1.5, "tags": ["x", "y"]}, {"label": "b", "weight": 2}]}',
    '{"leaves": [{"label": "a", "weight": "heavy"}, {"label": "b", "weight": 2, "tags": [1]}], "count": 3}',
    '{"extra": {"k": [1, {"deep": [2]}]}, "grid": [[1], [], [2, 3]], "leaves": [{}, {"label": "\\"]}"}]}',
])
def test_a_container_read_in_one_piece_shows_what_it_shows_read_character_by_character(text: str) -> None:
    """A container that opens and closes within one piece is stepped over and decoded whole by its
    parent; read character by character, it is built from its members. Both show the same."""
    text = text[:-1]  # the top-level object still open, so that it is shown
    whole = PartialConsumer(partial_spec(NodeWaits), None, None)
    by_char = PartialConsumer(partial_spec(NodeWaits), None, None)
    shown_whole = whole.feed(StreamDelta(text))
    shown_by_char = [shown for char in text for shown in by_char.feed(StreamDelta(char))]
    assert shown_whole[-1] == shown_by_char[-1]
    assert shown_whole[-1].model_fields_set == shown_by_char[-1].model_fields_set


@pytest.mark.parametrize(("model", "second"), [
    (Node, {"leaves": [{"label": "c", "weight": 3, "tags": ["y", "z"]}, {"label": "d", "weight": 4.5}], "title": "two"}),
    (NodeWaits, {"leaves": [{"label": "c", "weight": "heavy"}, {"label": "d", "weight": 3, "tags": ["y", 1]}], "title": "two"}),
])
def test_streams_of_one_model_read_side_by_side_show_what_each_shows_alone(
        model: type[BaseModel], second: dict[str, Any]) -> None:
    """The shapes of a partial model are built once and shared by all its streams (with this call's
    early checks, `Node`; without, `NodeWaits`): they keep nothing of one stream."""
    first = {"title": "one", "leaves": [{"label": "a", "weight": 1.5, "tags": ["x"]}, {"label": "b", "weight": 2}]}
    texts = [json.dumps(first), json.dumps(second)]

    def pieces(text: str) -> list[str]:
        return [text[i : i + 7] for i in range(0, len(text), 7)]

    def alone(text: str) -> list[Any]:
        consumer = PartialConsumer(partial_spec(model), None, None)
        return [(shown, shown.model_fields_set) for piece in pieces(text) for shown in consumer.feed(StreamDelta(piece))]

    expected = [alone(text) for text in texts]
    consumers = [PartialConsumer(partial_spec(model), None, None) for _ in texts]
    got: list[list[Any]] = [[], []]
    for i in range(max(len(pieces(text)) for text in texts)):
        for n, text in enumerate(texts):
            if i < len(pieces(text)):
                got[n] += [(shown, shown.model_fields_set) for shown in consumers[n].feed(StreamDelta(pieces(text)[i]))]
    assert all(expected) and got == expected


def test_json_that_stops_mid_way_is_incomplete_not_invalid() -> None:
    consumer = PartialConsumer(partial_spec(Leaf), None, None)
    consumer.feed(StreamDelta('{"label": "x", "weight": 1'))
    with pytest.raises(IncompleteOutputException) as info:
        consumer.finish()
    assert info.value.received == '{"label": "x", "weight": 1'
    items = IterableConsumer(iterable_spec(Leaf), None, None)
    assert items.feed(StreamDelta('{"label": "a", "weight": 1}', 0, "Leaf")) == []
    assert items.feed(StreamDelta('{"label": "b", "wei', 1, "Leaf")) == [Leaf(label="a", weight=1)]
    with pytest.raises(IncompleteOutputException):
        items.finish()


def test_nothing_is_shown_before_the_json_starts() -> None:
    consumer = PartialConsumer(partial_spec(Leaf), None, None)
    assert consumer.feed(StreamDelta("Let me think")) == []


def test_a_second_tool_call_is_not_part_of_a_partial() -> None:
    consumer = PartialConsumer(partial_spec(Leaf), None, None)
    consumer.feed(StreamDelta('{"label": "x", "weight": 1}', 0, "Leaf"))
    assert consumer.feed(StreamDelta('{"label": "other"', 1, "Leaf")) == []
    assert consumer.finish() == [Leaf(label="x", weight=1)]


FENCED = 'Here you go:\n```json\n{"a": "tick ` and ``", "b": [1, 2]}\n```\nDone!'


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_json_text_filter_strips_fences_split_anywhere(size: int) -> None:
    text_filter = JsonTextFilter()
    out = "".join(text_filter.feed(FENCED[i : i + size]) for i in range(0, len(FENCED), size))
    assert json.loads(out) == {"a": "tick ` and ``", "b": [1, 2]}


def test_json_text_filter_passes_plain_json_and_drops_prose() -> None:
    text_filter = JsonTextFilter()
    assert text_filter.feed('{"a": 1}') == '{"a": 1}'
    text_filter = JsonTextFilter()
    assert text_filter.feed("Sure: ") == ""
    assert text_filter.feed('[1, 2]') == "[1, 2]"


def test_streamed_response_keeps_text_usage_and_names() -> None:
    response = StreamedResponse()
    response.add_chunk("c1", {"prompt_tokens": 3})
    response.add_chunk("c2", {"prompt_tokens": 3, "completion_tokens": 9})
    response.add_delta(StreamDelta('{"a"', 0, "A"))
    response.add_delta(StreamDelta(": 1}", 0))
    response.add_delta(StreamDelta("{}", 1, "B"))
    assert response.usage == {"prompt_tokens": 3, "completion_tokens": 9}
    assert response.texts == {0: '{"a": 1}', 1: "{}"}
    assert response.names == {0: "A", 1: "B"}
    assert response.text == '{"a": 1}{}'
    assert "chunks=2" in repr(response)


def test_stream_failure_types() -> None:
    response = StreamedResponse()
    response.add_delta(StreamDelta('{"a": 1'))
    dropped = stream_failure(ConnectionError("peer closed"), response)
    assert isinstance(dropped, IncompleteOutputException)
    assert dropped.received == '{"a": 1' and dropped.__cause__ is not None
    bad = stream_failure(json.JSONDecodeError("bad", "x", 0), response)
    assert isinstance(bad, ResponseParsingError) and bad.raw_response is response
    own = IncompleteOutputException("length")
    assert stream_failure(own, response) is own and own.received == '{"a": 1'


def test_snapshots_behave_like_ordinary_model_instances() -> None:
    """Snapshots skip validation (their values are checked already) but are whole pydantic objects."""
    consumer = PartialConsumer(partial_spec(Node), None, None)
    shown = consumer.feed(StreamDelta('{"title": "T", "leaves": [{"label": "a", "weight": 1.5}, {"label": "b'))[-1]
    partial = partial_model(Node)
    assert shown.model_fields_set == {"title", "leaves"}
    assert shown.model_dump(by_alias=True)["aliasField"] is None
    assert shown.leaves[1].model_dump() == {"label": "b", "weight": None, "tags": None}
    assert shown == partial.model_validate(shown.model_dump(by_alias=True))
    assert shown.model_copy(update={"title": "U"}).title == "U"
    assert "title='T'" in repr(shown)
    assert json.loads(shown.model_dump_json())["leaves"][0] == {"label": "a", "weight": 1.5, "tags": None}


class Essay(BaseModel):
    title: str
    body: str


ESCAPES = 'plain "quoted" back\\slash \\\\u0041 tab\t new\nline é ☕ 😀 \U0001f680 end '


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13, 64])
@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_a_long_string_is_shown_growing_through_every_escape(size: int, ascii_only: bool) -> None:
    """The open string is decoded incrementally (only its new characters): every cut, inside an
    escape, between a backslash and what it escapes, or between the halves of a surrogate pair,
    shows a prefix of the final text, and the last snapshot shows all of it."""
    body = ESCAPES * 8
    text = json.dumps({"title": "t", "body": body}, ensure_ascii=ascii_only)
    cursor = JsonCursor(lambda ch: ModelShape(partial_model(Essay), None))
    longest = ""
    text = text[: -len('"}')]  # up to the end of the body: the string never closes here
    for i in range(0, len(text), size):
        cursor.feed(text[i : i + size])
        shown = cursor.snapshot().body or ""
        assert body.startswith(shown), (i, shown[-20:])
        assert len(shown) >= len(longest) - 1  # never shrinks (but for a half-arrived escape)
        longest = max(longest, shown, key=len)
    assert cursor.snapshot().body == body  # every character shows, the last escape too
    assert len(longest) >= len(body) - 1
    cursor.feed('"')
    assert cursor.snapshot().body == body


def test_a_long_open_string_is_scanned_once() -> None:
    """Each piece of a long string is looked at as it arrives, not again on every later piece."""
    cursor = JsonCursor(lambda ch: ModelShape(partial_model(Essay), None))
    cursor.feed('{"title": "t", "body": "')
    for _ in range(200):
        assert cursor.feed("abc " * 25)
        scanned = cursor._open_scanned
        assert scanned == len(cursor.text)  # the scan reached the end of what arrived
    assert cursor.snapshot().body == "abc " * 25 * 200
    cursor.feed('", "title": "u')
    shown = cursor.snapshot()
    assert (shown.body, shown.title) == ("abc " * 25 * 200, "u")


def test_an_item_cut_anywhere_shows_what_has_finished_and_the_string_still_arriving() -> None:
    """Items of a list (flat objects below the root) are read lazily, comma to comma: what they show
    is what an item read token by token shows."""
    cursor = JsonCursor(lambda ch: ModelShape(partial_model(Node), None))
    steps = [
        ('{"leaves": [{"label": "pa', ("pa", None, None)),
        ('per", "weight": 2', ("paper", None, None)),  # a number shows once it cannot grow
        ('5, "tags": ["a,]', ("paper", 25.0, ["a,]"])),  # a bracket in a string is no bracket
        ('", "b"', ("paper", 25.0, ["a,]", "b"])),
        (", 3", ("paper", 25.0, ["a,]", "b"])),  # an invalid item of an open list is left out
        ('], "zzz": {"deep": [1', ("paper", 25.0, None)),  # closed, the list is checked whole
    ]
    for piece, (label, weight, tags) in steps:
        cursor.feed(piece)
        leaf = cursor.snapshot().leaves[-1]
        assert (leaf.label, leaf.weight, leaf.tags) == (label, weight, tags), piece
    cursor.feed("]}}, {")  # closed, the item is checked whole: its tags hold a 3, so it is left out
    assert [leaf.label for leaf in cursor.snapshot().leaves] == [None]  # and the next one opens


# every name the single-module `instructor.core.streaming` had, by the module of the package defining it now
STREAMING_NAMES = {
    "response": ["EACH_DELTA", "StreamedResponse", "arecord_chunks", "no_record", "record_chunks", "stream_failure"],
    "shapes": ["RAW", "ItemsShape", "ListShape", "ModelShape", "Shape", "shape_of"],
    "cursor": ["JsonCursor"],
    "consumers": ["IterableConsumer", "PartialConsumer", "StreamConsumer", "consumer_for", "cut_short",
                  "is_unfinished_json"],
}


@pytest.mark.parametrize("module, name", [(m, n) for m, names in STREAMING_NAMES.items() for n in names])
def test_streaming_package_keeps_every_name(module: str, name: str) -> None:
    import importlib

    import instructor.core.streaming as streaming

    assert getattr(streaming, name) is getattr(importlib.import_module(f"instructor.core.streaming.{module}"), name)
    assert name in dir(streaming)


def test_streaming_package_names_an_unknown_attribute() -> None:
    import instructor.core.streaming as streaming

    with pytest.raises(AttributeError, match="has no attribute 'JsonCursour'"):
        streaming.JsonCursour  # noqa: B018
    assert sorted(streaming.__all__) == sorted([  # `from instructor.core.streaming import *`, as before
        "IterableConsumer", "JsonCursor", "ModelShape", "PartialConsumer", "StreamConsumer", "StreamedResponse",
        "consumer_for", "record_chunks", "stream_failure"])
