"""The per-chunk path of a stream: `ReadStream` / `AsyncReadStream`, the client driving a handler's
`ChunkReader`, the iterable items' fast validation and its fallback, and the shared empty usage.

End to end through the real openai SDK against the fake provider; `ReadStream` is driven with small
`ChunkReader`s written here (the protocol a handler implements), nothing of instructor is mocked.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Union

import pytest
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

import instructor
from instructor import Mode
from instructor.core.mode_registry import (
    NO_USAGE,
    AsyncReadStream,
    ReadStream,
    StreamDelta,
    aread_stream,
    read_stream,
)
from instructor.core.response_model import ResponseSpec
from instructor.core.streaming import IterableConsumer, StreamedResponse
from instructor.dsl.iterable import IterableModel, iterable_spec
from instructor.formats.openai_chat import ToolsHandler
from instructor.testing import FakeProvider, Reply, ToolCall

MESSAGES = [{"role": "user", "content": "List them."}]


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, async_client: bool = False) -> Any:
    return instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="test",
                                    mode=mode, async_client=async_client, max_retries=0)


# -- ReadStream: the deltas of every chunk, then reader.end() once ----------------------------
class Reader:
    """A ChunkReader: a chunk is a list of texts (or an exception to raise); `end` may raise too."""

    def __init__(self, as_generator: bool = False, end_error: BaseException | None = None) -> None:
        self.as_generator = as_generator
        self.end_error = end_error
        self.ends = 0
        self.fed: list[Any] = []

    def feed(self, chunk: Any) -> Iterable[StreamDelta]:
        self.fed.append(chunk)
        if isinstance(chunk, BaseException):
            raise chunk
        deltas = [StreamDelta(text, i) for i, text in enumerate(chunk)]
        return iter(deltas) if self.as_generator else deltas

    def end(self) -> None:
        self.ends += 1
        if self.end_error is not None:
            raise self.end_error


CHUNKS = [["a"], [], ["b", "c"], ["d"], []]


@pytest.mark.parametrize("as_generator", [False, True])
def test_read_stream_yields_every_delta_in_order_then_ends_once(as_generator: bool) -> None:
    reader = Reader(as_generator)
    stream = ReadStream(CHUNKS, reader)
    assert iter(stream) is stream
    assert [(d.text, d.index) for d in stream] == [("a", 0), ("b", 0), ("c", 1), ("d", 0)]
    assert reader.ends == 1
    assert list(stream) == [] and next(stream, None) is None
    assert reader.ends == 1  # exhausted: end() is not called again


def test_read_stream_ends_before_raising_stop_iteration() -> None:
    reader = Reader()
    stream = ReadStream([["a"]], reader)
    assert next(stream).text == "a"
    assert reader.ends == 0  # the last chunk's deltas come before the end
    with pytest.raises(StopIteration):
        next(stream)
    assert reader.ends == 1


def test_read_stream_of_no_chunks_still_ends() -> None:
    reader = Reader(end_error=instructor.IncompleteOutputException("no finish reason"))
    with pytest.raises(instructor.IncompleteOutputException, match="no finish reason"):
        list(ReadStream([], reader))
    assert reader.ends == 1


def test_an_error_from_feed_propagates_as_it_is_and_ends_the_stream() -> None:
    error = ValueError("unreadable chunk")
    reader = Reader()
    stream = ReadStream([["a"], error, ["never read"]], reader)
    assert next(stream).text == "a"
    with pytest.raises(ValueError) as info:
        next(stream)
    assert info.value is error
    assert list(stream) == []  # over, like a generator that raised
    assert reader.ends == 0 and reader.fed == [["a"], error]


def test_an_error_from_end_propagates_once() -> None:
    error = instructor.IncompleteOutputException("cut")
    reader = Reader(end_error=error)
    stream = ReadStream([["a"], ["b"]], reader)
    got = []
    with pytest.raises(instructor.IncompleteOutputException) as info:
        for delta in stream:
            got.append(delta.text)
    assert info.value is error and got == ["a", "b"]
    assert list(stream) == [] and reader.ends == 1


def test_an_error_from_the_stream_itself_propagates() -> None:
    def chunks() -> Iterator[list[str]]:
        yield ["a"]
        raise ConnectionError("dropped")

    reader = Reader()
    stream = ReadStream(chunks(), reader)
    with pytest.raises(ConnectionError, match="dropped"):
        list(stream)
    assert reader.ends == 0


def test_stop_iteration_from_a_reader_is_an_error_not_a_silent_end() -> None:
    class Stopping(Reader):
        def feed(self, chunk: Any) -> list[StreamDelta]:
            raise StopIteration

    reader = Stopping()
    with pytest.raises(RuntimeError, match="StopIteration"):
        list(ReadStream([["a"]], reader))
    assert reader.ends == 0


def test_close_ends_it_early_without_end_and_closes_an_open_feed_generator() -> None:
    closed = []

    class GeneratorReader(Reader):
        def feed(self, chunk: Any) -> Iterator[StreamDelta]:
            try:
                for text in chunk:
                    yield StreamDelta(text)
            finally:
                closed.append(chunk)

    reader = GeneratorReader()
    stream = ReadStream([["a", "b"], ["c"]], reader)
    assert next(stream).text == "a"
    stream.close()
    assert closed == [["a", "b"]]
    assert list(stream) == [] and reader.ends == 0


def test_the_old_names_still_build_the_iterators() -> None:
    assert read_stream is ReadStream and aread_stream is AsyncReadStream
    stream = read_stream([["x"]], Reader())
    assert [d.text for d in stream] == ["x"]


async def achunks(*chunks: Any) -> AsyncIterator[Any]:
    for chunk in chunks:
        if isinstance(chunk, BaseException):
            raise chunk
        yield chunk


@pytest.mark.parametrize("as_generator", [False, True])
async def test_async_read_stream_yields_every_delta_then_ends_once(as_generator: bool) -> None:
    reader = Reader(as_generator)
    stream = AsyncReadStream(achunks(*CHUNKS), reader)
    assert stream.__aiter__() is stream
    assert [d.text async for d in stream] == ["a", "b", "c", "d"]
    assert reader.ends == 1
    assert [d async for d in stream] == [] and reader.ends == 1


async def test_async_read_stream_errors_from_feed_end_and_stream_propagate() -> None:
    error = ValueError("bad chunk")
    reader = Reader()
    stream = AsyncReadStream(achunks(["a"], error), reader)
    with pytest.raises(ValueError) as info:
        [d async for d in stream]
    assert info.value is error and reader.ends == 0
    assert [d async for d in stream] == []

    cut = instructor.IncompleteOutputException("cut")
    reader = Reader(end_error=cut)
    with pytest.raises(instructor.IncompleteOutputException) as end_info:
        [d async for d in AsyncReadStream(achunks(["a"]), reader)]
    assert end_info.value is cut and reader.ends == 1

    reader = Reader()
    with pytest.raises(ConnectionError):
        [d async for d in AsyncReadStream(achunks(["a"], ConnectionError("dropped")), reader)]
    assert reader.ends == 0


async def test_async_read_stream_aclose_ends_it_without_end() -> None:
    reader = Reader()
    stream = AsyncReadStream(achunks(["a", "b"], ["c"]), reader)
    assert (await stream.__anext__()).text == "a"
    await stream.aclose()
    assert [d async for d in stream] == [] and reader.ends == 0


# -- a handler that reads the stream itself still works (the client does not drive it) --------
class _OwnLoopTools(ToolsHandler):
    """A plugin-style handler whose `iter_stream` is its own generator around `read_stream`."""

    def iter_stream(self, stream: Any) -> Iterator[StreamDelta]:
        yield from super().iter_stream(stream)

    async def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:  # type: ignore[override]
        async for delta in super().aiter_stream(stream):
            yield delta


class Task(BaseModel):
    id: int
    title: str


TASKS = [{"id": i, "title": f"task {i}"} for i in range(5)]


@pytest.mark.parametrize("async_client", [False, True])
async def test_a_handler_with_its_own_generator_streams_and_records_like_a_built_in(
        fake: FakeProvider, async_client: bool) -> None:
    instructor.register_handler(Mode.TOOLS, _OwnLoopTools(Mode.TOOLS), provider="glue-own-loop", replace=True)
    responses: dict[str, StreamedResponse] = {}
    for name in ("openai", "glue-own-loop"):
        fake.add(Reply.tool("IterableTask", {"tasks": TASKS}, chunk_size=7))
        sdk_client = client_for(fake, async_client=async_client)
        client = type(sdk_client)(client=sdk_client.client, create=sdk_client.create_fn, mode=Mode.TOOLS,
                                  provider=name, model="gpt-4o-mini")
        client.on("completion:response", lambda response, name=name: responses.__setitem__(name, response))
        if async_client:
            got = [t async for t in client.create_iterable(response_model=Task, messages=MESSAGES)]
        else:
            got = list(client.create_iterable(response_model=Task, messages=MESSAGES))
        assert [t.model_dump() for t in got] == TASKS
    driven, own = responses["openai"], responses["glue-own-loop"]
    assert own.count == driven.count and len(own.chunks) == len(driven.chunks) < driven.count
    assert own.texts == driven.texts and own.usage == driven.usage and own.usage["total_tokens"] > 0


# -- Iterable items: the item model's own validation, the wrapper's on failure ----------------
def wrapper_error(item_type: Any, item_json: str, strict: bool | None) -> list[dict[str, Any]]:
    """The errors of validating one item inside its wrapper: what a bad item always raised."""
    wrapper = IterableModel(item_type)
    try:
        if strict:
            wrapper.model_validate_json('{"tasks": [' + item_json + "]}", strict=True)
        else:
            import json

            wrapper.model_validate({"tasks": [json.loads(item_json)]}, strict=strict)
    except ValidationError as exc:
        return exc.errors(include_url=False)
    raise AssertionError("the item is valid")


@pytest.mark.parametrize("strict", [True, False])
def test_a_bad_item_raises_the_wrapper_error_located_in_the_list(fake: FakeProvider, strict: bool) -> None:
    bad = '{"id": "seven", "title": "x"}'
    fake.add(Reply(tool_calls=[ToolCall("IterableTask", '{"tasks": [{"id": 1, "title": "a"}, ' + bad + "]}")],
                   chunk_size=5))
    got: list[Task] = []
    with pytest.raises(instructor.InstructorRetryException) as info:
        for task in client_for(fake).create_iterable(response_model=Task, messages=MESSAGES, strict=strict,
                                                     max_retries=0):
            got.append(task)
    assert got == [Task(id=1, title="a")]
    cause = info.value.__cause__
    assert isinstance(cause, ValidationError)
    errors = cause.errors(include_url=False)
    assert errors == wrapper_error(Task, bad, strict)
    assert errors[0]["loc"] == ("tasks", 0, "id")


class Counted(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def no_digits(cls, value: str, info: Any) -> str:
        info.context["calls"].append(value)
        if any(ch.isdigit() for ch in value):
            raise ValueError("names have no digits")
        return value


@pytest.mark.parametrize("strict", [True, False])
def test_item_validators_run_once_per_good_item_and_twice_on_a_bad_one(fake: FakeProvider, strict: bool) -> None:
    fake.add(Reply.tool("IterableCounted", {"tasks": [{"name": "ann"}, {"name": "bob"}, {"name": "r2d2"}]},
                        chunk_size=3))
    calls: list[str] = []
    got = []
    with pytest.raises(instructor.InstructorRetryException, match="names have no digits") as info:
        for item in client_for(fake).create_iterable(response_model=Counted, messages=MESSAGES, strict=strict,
                                                      context={"calls": calls}, max_retries=0):
            got.append(item.name)
    assert got == ["ann", "bob"]
    assert calls == ["ann", "bob", "r2d2", "r2d2"]  # the fast path, then the wrapper's (documented)
    assert info.value.__cause__.errors()[0]["loc"] == ("tasks", 0, "name")  # type: ignore[union-attr]


class Weather(BaseModel):
    city: str


class Search(BaseModel):
    query: str


def test_union_items_take_the_wrapper_path(fake: FakeProvider) -> None:
    items = [{"city": "Paris"}, {"query": "news"}]
    fake.add(Reply.tool("IterableWeatherSearch", {"tasks": items}, chunk_size=4))
    union = Union[Weather, Search]  # noqa: UP007
    assert IterableConsumer(iterable_spec(union), None, True).item_model is None
    out = list(client_for(fake).create_iterable(response_model=union, messages=MESSAGES))
    assert out == [Weather(city="Paris"), Search(query="news")]

    bad = '{"town": "Paris"}'
    fake.add(Reply(tool_calls=[ToolCall("IterableWeatherSearch", '{"tasks": [' + bad + "]}")], chunk_size=4))
    with pytest.raises(instructor.InstructorRetryException) as info:
        list(client_for(fake).create_iterable(response_model=union, messages=MESSAGES, max_retries=0))
    assert info.value.__cause__.errors(include_url=False) == wrapper_error(union, bad, True)  # type: ignore[union-attr]


def test_the_fast_path_is_only_for_a_wrapper_that_adds_nothing_to_its_items() -> None:
    def spec_of(wrapper: type[BaseModel]) -> Any:
        return ResponseSpec(model=wrapper, unwrap=list, original=wrapper,
                                                           kind="iterable", options={"key": "tasks"})

    assert IterableConsumer(iterable_spec(Task), None, True).item_model is Task
    assert IterableConsumer(iterable_spec(Task), None, True).texts
    assert not IterableConsumer(iterable_spec(Task), None, False).texts  # lax: from the decoded value
    constrained = create_model("Constrained", tasks=(list[Task], Field(min_length=2)))
    assert IterableConsumer(spec_of(constrained), None, True).item_model is None

    class Checked(BaseModel):
        tasks: list[Task]

        @model_validator(mode="after")
        def check(self) -> Checked:
            return self

    assert IterableConsumer(spec_of(Checked), None, True).item_model is None
    annotated = create_model("AnnotatedItems", tasks=(list[typing.Annotated[Task, Field(description="x")]], ...))
    assert IterableConsumer(spec_of(annotated), None, True).item_model is None


def test_a_constrained_wrapper_still_applies_its_constraint_to_each_item(fake: FakeProvider) -> None:
    constrained = create_model("AtLeastTwo", tasks=(list[Task], Field(min_length=2)))
    spec = ResponseSpec(model=constrained, unwrap=list, original=constrained,
                                                       kind="iterable", options={"key": "tasks"})
    consumer = IterableConsumer(spec, None, True)
    with pytest.raises(ValidationError, match="at least 2 items"):
        consumer.feed(StreamDelta('{"tasks": [{"id": 1, "title": "a"}, '))


def test_an_item_that_is_not_json_is_left_out_as_before() -> None:
    consumer = IterableConsumer(iterable_spec(Task), None, True)
    out = consumer.feed(StreamDelta('{"tasks": [{"id": 1, "title": "a"}, {"id": 2, title: b}, '
                                    '{"id": 3, "title": "c"}]}'))
    assert out == [Task(id=1, title="a"), Task(id=3, title="c")]
    assert consumer.finish() == []


def test_strict_items_from_text_equal_the_wrapper_validation() -> None:
    class Kinds(BaseModel):
        n: float
        s: str
        big: int
        tags: list[str]

    text = ('{"tasks": [{"n": 1e2, "s": "caf\\u00e9 \\ud83d\\ude00 \\"q\\"", "big": 123456789012345678901234567890,'
            ' "tags": []}, {"n": -0.5, "s": "", "big": -0, "tags": ["a", "b"]}]}')
    consumer = IterableConsumer(iterable_spec(Kinds), None, True)
    out = consumer.feed(StreamDelta(text))
    assert out == list(IterableModel(Kinds).model_validate_json(text, strict=True).tasks)  # type: ignore[attr-defined]


# -- usage: a chunk without usage gets a shared, read-only empty mapping ----------------------
def test_usage_of_a_chunk_without_usage_is_one_shared_read_only_empty_mapping(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableTask", {"tasks": TASKS}, chunk_size=9))
    streamed: list[StreamedResponse] = []
    client = client_for(fake)
    client.on("completion:response", streamed.append)
    assert len(list(client.create_iterable(response_model=Task, messages=MESSAGES, keep_chunks=True))) == len(TASKS)
    response = streamed[0]
    handler = instructor.get_handler(Mode.TOOLS, provider="openai")
    without = [c for c in response.chunks if c.usage is None]
    assert without, "the stream had chunks without usage"
    assert all(handler.usage(c) is NO_USAGE for c in without)
    assert response.usage["total_tokens"] > 0 and response.usage is not NO_USAGE
    assert dict(NO_USAGE) == {}  # nothing was added to the shared mapping by the stream's accounting
    with pytest.raises(TypeError):
        NO_USAGE["prompt_tokens"] = 1  # type: ignore[index]


# -- the stream loop: what a caller throws in at a yield is the caller's own -------------------
def test_an_exception_thrown_in_by_the_caller_is_not_a_broken_stream(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableTask", {"tasks": TASKS}, chunk_size=9))
    stream = client_for(fake).create_iterable(response_model=Task, messages=MESSAGES)
    assert next(stream) == Task(**TASKS[0])
    error = KeyError("the caller's own")
    with pytest.raises(instructor.InstructorRetryException) as info:
        stream.throw(error)
    assert info.value.__cause__ is error
    assert not isinstance(info.value, instructor.IncompleteOutputException)
    assert info.value.failed_attempts == []
