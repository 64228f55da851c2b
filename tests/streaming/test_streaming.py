"""Streaming end to end: the real `openai` SDK (sync and async) against the fake provider's SSE.

Partial objects grow, items arrive as they finish, every mode of the OpenAI
family streams, and a stream that breaks ends in a typed error carrying what
arrived: never a hang, never a truncated object presented as complete.
"""

from __future__ import annotations

import collections.abc
import json
import typing
from typing import Literal, Union

import pytest
from pydantic import BaseModel, field_validator

import instructor
from instructor import Mode
from instructor.core.streaming import StreamedResponse
from instructor.testing import FakeProvider, Reply, ToolCall

MESSAGES = [{"role": "user", "content": "Extract the order."}]


class Item(BaseModel):
    name: str
    qty: int


class Order(BaseModel):
    customer: str
    status: Literal["open", "closed"]
    items: list[Item]
    note: str | None = None


ORDER = {
    "customer": 'Ada "the Countess" Lovelace \\ é 😀 \u2028 tab\there',
    "status": "closed",
    "items": [{"name": "tea", "qty": 2}, {"name": "naïve cake", "qty": 1}],
    "note": "line1\nline2",
}
# ensure_ascii=True: unicode travels as \uXXXX escapes (emoji as a surrogate pair), so
# chunk_size=1 splits inside escapes, surrogate pairs and strings
ORDER_ASCII = json.dumps(ORDER, ensure_ascii=True)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, async_client: bool = False) -> typing.Any:
    return instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="test",
                                    mode=mode, async_client=async_client, max_retries=0)


def order_reply(mode: Mode, text: str = ORDER_ASCII, **kw: typing.Any) -> Reply:
    if mode in (Mode.TOOLS, Mode.TOOLS_STRICT, Mode.PARALLEL_TOOLS):
        return Reply(tool_calls=[ToolCall("Order", text)], **kw)
    if mode is Mode.MD_JSON:
        return Reply.text(f"Here is the order:\n```json\n{text}\n```\nAnything else?", **kw)
    return Reply.text(text, **kw)


def assert_grows(partials: list[typing.Any]) -> None:
    """Every partial is a Partial[Order]; strings only grow; the Literal is never half-typed."""
    partial_cls = instructor.Partial[Order]
    assert all(isinstance(p, partial_cls) for p in partials)
    customers = [p.customer for p in partials if p.customer is not None]
    assert customers, "the customer string was never shown while streaming"
    for before, after in zip(customers, customers[1:], strict=False):
        assert after.startswith(before)
    assert customers[-1] == ORDER["customer"]
    assert {p.status for p in partials} <= {None, "closed"}
    counts = [len(p.items) for p in partials if p.items is not None]
    assert counts == sorted(counts)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA])
def test_create_partial_yields_growing_partials_then_the_valid_model(fake: FakeProvider, mode: Mode) -> None:
    fake.add(order_reply(mode, chunk_size=1))
    client = client_for(fake, mode)
    out = list(client.create_partial(response_model=Order, messages=MESSAGES))
    final = out[-1]
    assert type(final) is Order
    assert final == Order.model_validate(ORDER)
    assert len(out) > 50
    assert_grows(out[:-1])
    body = fake.requests[-1].json
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_partial_as_response_model_of_create(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=7))
    client = client_for(fake)
    stream = client.create(response_model=instructor.Partial[Order], messages=MESSAGES)
    assert isinstance(stream, collections.abc.Iterator)
    out = list(stream)
    assert out[-1] == Order.model_validate(ORDER)
    assert_grows(out[:-1])


def test_final_object_carries_the_streamed_response_with_usage(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=50, usage=(40, 60)))
    seen: list[typing.Any] = []
    client = client_for(fake)
    client.on("completion:response", seen.append)
    final = list(client.create_partial(response_model=Order, messages=MESSAGES))[-1]
    raw = final._raw_response
    assert isinstance(raw, StreamedResponse)
    assert raw.usage == {"prompt_tokens": 40, "completion_tokens": 60, "total_tokens": 100}
    assert raw.texts == {0: ORDER_ASCII}
    assert raw.names == {0: "Order"}
    assert list(raw.ids) == [0] and str(raw.ids[0]).startswith("call_")  # the fake's call id
    assert raw.id and raw.id.startswith("chatcmpl-") and raw.model == "gpt-4o-mini"
    assert raw.finish_reason == "tool_calls"
    assert raw.chunks == [] and raw.count > 3  # counted, not kept
    assert seen == [raw]


def test_keep_chunks_keeps_every_sdk_chunk_of_the_stream(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=20, usage=(40, 60)))
    final = list(client_for(fake).create_partial(response_model=Order, messages=MESSAGES, keep_chunks=True))[-1]
    raw = final._raw_response
    assert "keep_chunks" not in fake.requests[0].json  # ours, never sent
    assert len(raw.chunks) == raw.count and all(c.object == "chat.completion.chunk" for c in raw.chunks)
    # the role chunk, the call's opening (id and name), every piece of the arguments, the finish reason, the usage
    assert raw.count == 4 + -(-len(ORDER_ASCII) // 20)
    assert raw.chunks[-1].usage.total_tokens == 100 and raw.chunks[-2].choices[0].finish_reason == "tool_calls"
    assert raw.texts == {0: ORDER_ASCII}
    assert f"chunks={raw.count}" in repr(raw)


def test_caller_stream_options_are_kept(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS))
    client = client_for(fake)
    list(client.create_partial(response_model=Order, messages=MESSAGES, stream_options={"include_usage": False}))
    assert fake.requests[-1].json["stream_options"] == {"include_usage": False}


async def test_async_create_partial(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=2))
    client = client_for(fake, async_client=True)
    out = [p async for p in client.create_partial(response_model=Order, messages=MESSAGES)]
    assert out[-1] == Order.model_validate(ORDER)
    assert_grows(out[:-1])


@pytest.mark.parametrize("mode", [Mode.JSON, Mode.MD_JSON])
async def test_async_create_with_partial_returns_an_async_iterator(fake: FakeProvider, mode: Mode) -> None:
    fake.add(order_reply(mode, chunk_size=3))
    client = client_for(fake, mode, async_client=True)
    stream = await client.create(response_model=instructor.Partial[Order], messages=MESSAGES)
    out = [p async for p in stream]
    assert out[-1] == Order.model_validate(ORDER)
    assert_grows(out[:-1])


def test_breaking_out_early_closes_the_stream(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=1))
    fake.add(order_reply(Mode.TOOLS, chunk_size=1))
    client = client_for(fake)
    stream = client.create_partial(response_model=Order, messages=MESSAGES)
    first = next(stream)
    assert isinstance(first, instructor.Partial[Order])
    stream.close()
    # the connection is usable again: a second call goes through
    assert list(client.create_partial(response_model=Order, messages=MESSAGES))[-1].status == "closed"


# -- Iterable ----------------------------------------------------------------------------------
USERS = [{"name": "Jason", "age": 25}, {"name": "Sarah \"S\" Connor", "age": 32}, {"name": "é", "age": 1}]


class User(BaseModel):
    name: str
    age: int


@pytest.mark.parametrize("iterable", [typing.Iterable, collections.abc.Iterable])
def test_iterable_streams_each_item(fake: FakeProvider, iterable: typing.Any) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": USERS}, chunk_size=1))
    client = client_for(fake)
    stream = client.create(response_model=iterable[User], messages=MESSAGES, stream=True)
    assert isinstance(stream, collections.abc.Iterator)
    assert [u.model_dump() for u in stream] == USERS
    assert fake.requests[-1].json["tool_choice"]["function"]["name"] == "IterableUser"


def test_iterable_without_stream_returns_the_list(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": USERS}))
    client = client_for(fake)
    users = client.create(response_model=typing.Iterable[User], messages=MESSAGES)
    assert users == [User(**u) for u in USERS]
    assert "stream" not in fake.requests[-1].json


@pytest.mark.parametrize("mode", [Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA])
def test_create_iterable_in_json_modes(fake: FakeProvider, mode: Mode) -> None:
    text = json.dumps({"tasks": USERS})
    fake.add(Reply.text(f"```json\n{text}\n```" if mode is Mode.MD_JSON else text, chunk_size=2))
    client = client_for(fake, mode)
    assert [u.model_dump() for u in client.create_iterable(response_model=User, messages=MESSAGES)] == USERS


def test_create_iterable_accepts_a_bare_array(fake: FakeProvider) -> None:
    fake.add(Reply.text(json.dumps(USERS), chunk_size=4))
    client = client_for(fake, Mode.JSON)
    assert [u.name for u in client.create_iterable(response_model=User, messages=MESSAGES)] == [
        u["name"] for u in USERS
    ]


async def test_async_create_iterable(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": USERS}, chunk_size=3))
    client = client_for(fake, async_client=True)
    assert [u.model_dump() async for u in client.create_iterable(response_model=User, messages=MESSAGES)] == USERS


async def test_async_create_with_iterable_and_stream(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": USERS}, chunk_size=3))
    client = client_for(fake, async_client=True)
    stream = await client.create(response_model=typing.Iterable[User], stream=True, messages=MESSAGES)
    assert [u.name async for u in stream] == [u["name"] for u in USERS]


class Weather(BaseModel):
    city: str


class Search(BaseModel):
    query: str


def parallel_reply(**kw: typing.Any) -> Reply:
    return Reply.tools(("Weather", {"city": "Paris"}), ("Search", {"query": "news \"today\""}),
                       ("Weather", {"city": "Tōkyō"}), **kw)


def test_parallel_tools_stream_union_items(fake: FakeProvider) -> None:
    fake.add(parallel_reply(chunk_size=2))
    client = client_for(fake, Mode.PARALLEL_TOOLS)
    out = list(client.create_iterable(response_model=Union[Weather, Search], messages=MESSAGES))  # noqa: UP007
    assert out == [Weather(city="Paris"), Search(query='news "today"'), Weather(city="Tōkyō")]
    body = fake.requests[-1].json
    assert sorted(t["function"]["name"] for t in body["tools"]) == ["Search", "Weather"]
    assert body["tool_choice"] == "auto"


def test_parallel_tools_iterable_without_stream(fake: FakeProvider) -> None:
    fake.add(parallel_reply())
    client = client_for(fake, Mode.PARALLEL_TOOLS)
    out = client.create(response_model=typing.Iterable[Weather | Search], messages=MESSAGES)
    assert out == [Weather(city="Paris"), Search(query='news "today"'), Weather(city="Tōkyō")]


async def test_async_parallel_tools_stream(fake: FakeProvider) -> None:
    fake.add(parallel_reply(chunk_size=1))
    client = client_for(fake, Mode.PARALLEL_TOOLS, async_client=True)
    out = [x async for x in client.create_iterable(response_model=Weather | Search,
                                                                messages=MESSAGES)]
    assert [type(x).__name__ for x in out] == ["Weather", "Search", "Weather"]


# -- broken streams: typed errors carrying what arrived ---------------------------------------
@pytest.mark.timeout(20)
@pytest.mark.parametrize("async_client", [False, True])
async def test_dropped_connection_is_incomplete_output(fake: FakeProvider, async_client: bool) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=5, cut_stream_after=12))
    client = client_for(fake, async_client=async_client)
    seen: list[typing.Any] = []
    with pytest.raises(instructor.IncompleteOutputException) as info:
        if async_client:
            async for p in client.create_partial(response_model=Order, messages=MESSAGES):
                seen.append(p)
        else:
            for p in client.create_partial(response_model=Order, messages=MESSAGES):
                seen.append(p)
    error = info.value
    assert error.received and ORDER_ASCII.startswith(error.received)
    assert len(error.received) < len(ORDER_ASCII)
    assert isinstance(error.last_completion, StreamedResponse)
    assert error.__cause__ is not None
    assert "broke off" in str(error)
    assert all(not isinstance(p, Order) for p in seen)  # nothing presented as complete


@pytest.mark.timeout(20)
@pytest.mark.parametrize("async_client", [False, True])
async def test_length_finish_reason_is_incomplete_output(fake: FakeProvider, async_client: bool) -> None:
    fake.add(order_reply(Mode.JSON, text=ORDER_ASCII[:40], stop="length"))
    client = client_for(fake, Mode.JSON, async_client=async_client)
    with pytest.raises(instructor.IncompleteOutputException) as info:
        if async_client:
            async for _ in client.create_partial(response_model=Order, messages=MESSAGES):
                pass
        else:
            for _ in client.create_partial(response_model=Order, messages=MESSAGES):
                pass
    assert info.value.received == ORDER_ASCII[:40]
    assert "finish_reason='length'" in str(info.value)
    assert info.value.__cause__ is None  # raised by the handler itself: nothing to chain


@pytest.mark.timeout(20)
def test_stream_without_finish_reason_is_incomplete_output(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, stop="none"))
    client = client_for(fake)
    with pytest.raises(instructor.IncompleteOutputException) as info:
        list(client.create_partial(response_model=Order, messages=MESSAGES))
    assert info.value.received == ORDER_ASCII
    assert "without a finish reason" in str(info.value)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("async_client", [False, True])
async def test_malformed_chunk_is_a_parsing_error(fake: FakeProvider, async_client: bool) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=4, malformed_event_at=8))
    client = client_for(fake, async_client=async_client)
    with pytest.raises(instructor.InstructorRetryException) as info:  # not re-asked: wrapped, the cause typed
        if async_client:
            async for _ in client.create_iterable(response_model=Order, messages=MESSAGES):
                pass
        else:
            list(client.create_iterable(response_model=Order, messages=MESSAGES))
    error = info.value.__cause__
    assert isinstance(error, instructor.ResponseParsingError) and len(fake.requests) == 1
    assert ORDER_ASCII.startswith(error.received)  # type: ignore[attr-defined]
    assert isinstance(error.__cause__, ValueError)
    assert "malformed" in str(error)


@pytest.mark.timeout(20)
def test_refusal_while_streaming(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="I can't help with that.", stop="stop"))
    client = client_for(fake)
    with pytest.raises(instructor.InstructorRetryException, match="refused to answer: I can't help with that."):
        list(client.create_partial(response_model=Order, messages=MESSAGES))
    assert len(fake.requests) == 1


@pytest.mark.timeout(20)
@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.PARALLEL_TOOLS])
def test_json_cut_short_under_a_clean_finish_is_incomplete_not_reasked(fake: FakeProvider, mode: Mode) -> None:
    """Whatever the finish reason says, a JSON answer that stops mid-way is not a complete answer."""
    text = json.dumps({"tasks": USERS})
    if mode is Mode.PARALLEL_TOOLS:
        fake.add(Reply(tool_calls=[ToolCall("User", USERS[0]), ToolCall("User", json.dumps(USERS[1])[:-6])],
                       stop="tool_calls"))
    else:
        fake.add(Reply.tool("IterableUser", text[:-10], stop="tool_calls"))
    fake.add(Reply.tool("IterableUser", {"tasks": USERS}))
    client = client_for(fake, mode)
    out: list[User] = []
    with pytest.raises(instructor.IncompleteOutputException) as info:
        for user in client.create_iterable(response_model=User, messages=MESSAGES, max_retries=1):
            out.append(user)
    assert out[0].name == USERS[0]["name"]  # the complete items came through
    assert info.value.received and "ended before the JSON answer was complete" in str(info.value)
    assert len(fake.requests) == 1  # not re-asked


@pytest.mark.timeout(20)
def test_partial_cut_short_under_a_clean_finish_is_incomplete(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.JSON, text=ORDER_ASCII[:-20], stop="stop"))
    client = client_for(fake, Mode.JSON)
    with pytest.raises(instructor.IncompleteOutputException) as info:
        list(client.create_partial(response_model=Order, messages=MESSAGES, max_retries=2))
    assert info.value.received == ORDER_ASCII[:-20]
    assert isinstance(info.value.last_completion, StreamedResponse)
    assert len(fake.requests) == 1


# -- validation of the final object goes through retry / re-ask -------------------------------
class StrictOrder(Order):
    @field_validator("customer")
    @classmethod
    def no_digits(cls, value: str) -> str:
        if any(ch.isdigit() for ch in value):
            raise ValueError("customer names have no digits")
        return value


def test_invalid_final_object_is_reasked(fake: FakeProvider) -> None:
    bad = json.dumps({**ORDER, "customer": "R2D2"})
    fake.add(Reply(tool_calls=[ToolCall("StrictOrder", bad, id="call_bad")], chunk_size=9),
             Reply(tool_calls=[ToolCall("StrictOrder", ORDER_ASCII)], chunk_size=9))
    client = client_for(fake)
    out = list(client.create_partial(response_model=StrictOrder, messages=MESSAGES, max_retries=1))
    assert out[-1] == StrictOrder.model_validate(ORDER)
    assert any(p.customer == "R2D2" for p in out[:-1])  # the first attempt's partials were shown
    reask = fake.requests[1].json["messages"]
    assert reask[-2]["role"] == "assistant"
    assert reask[-2]["tool_calls"][0]["id"] == "call_bad"
    assert reask[-2]["tool_calls"][0]["function"] == {"name": "StrictOrder", "arguments": bad}
    assert reask[-1]["role"] == "tool" and reask[-1]["tool_call_id"] == "call_bad"
    assert "customer names have no digits" in reask[-1]["content"]


def test_invalid_final_object_without_retries_raises(fake: FakeProvider) -> None:
    fake.add(Reply(tool_calls=[ToolCall("StrictOrder", json.dumps({**ORDER, "customer": "C3PO"}))],
                   usage=(5, 5)))
    client = client_for(fake)
    with pytest.raises(instructor.InstructorRetryException) as info:
        list(client.create_partial(response_model=StrictOrder, messages=MESSAGES, max_retries=0))
    assert info.value.n_attempts == 1
    assert isinstance(info.value.last_completion, StreamedResponse)
    assert info.value.total_usage.total_tokens == 10


def test_json_mode_reask_carries_the_streamed_text(fake: FakeProvider) -> None:
    bad = json.dumps({**ORDER, "status": "lost"})
    fake.add(Reply.text(bad), Reply.text(ORDER_ASCII))
    client = client_for(fake, Mode.JSON)
    final = list(client.create_partial(response_model=Order, messages=MESSAGES, max_retries=1))[-1]
    assert final.status == "closed"
    reask = fake.requests[1].json["messages"]
    # `status` closed invalid, so the stream was cut there: the answer sent back is what had arrived
    echoed = reask[-2]["content"]
    assert reask[-2]["role"] == "assistant" and bad.startswith(echoed) and '"status": "lost"' in echoed
    assert len(echoed) < len(bad) - 50
    assert "status" in reask[-1]["content"]


def test_tenacity_retrying_with_streams(fake: FakeProvider) -> None:
    from tenacity import Retrying, stop_after_attempt

    fake.add(Reply.tool("StrictOrder", {**ORDER, "customer": "B1"}), Reply.tool("StrictOrder", ORDER))
    client = client_for(fake)
    out = list(client.create_partial(response_model=StrictOrder, messages=MESSAGES,
                                     max_retries=Retrying(stop=stop_after_attempt(2))))
    assert out[-1].customer == ORDER["customer"]


async def test_async_reask(fake: FakeProvider) -> None:
    fake.add(Reply.tool("StrictOrder", {**ORDER, "customer": "B1"}), Reply.tool("StrictOrder", ORDER))
    client = client_for(fake, async_client=True)
    out = [p async for p in client.create_partial(response_model=StrictOrder, messages=MESSAGES, max_retries=1)]
    assert type(out[-1]) is StrictOrder


# -- misuse gets a clear error -----------------------------------------------------------------
def test_stream_true_with_a_plain_model_says_what_to_use(fake: FakeProvider) -> None:
    client = client_for(fake)
    with pytest.raises(ValueError, match=r"create_partial\(response_model=Order"):
        client.create(response_model=Order, messages=MESSAGES, stream=True)


def test_partial_with_stream_false_is_refused(fake: FakeProvider) -> None:
    client = client_for(fake)
    with pytest.raises(ValueError, match="Partial\\[...\\] always streams"):
        client.create(response_model=instructor.Partial[Order], messages=MESSAGES, stream=False)


def test_create_with_completion_refuses_streams(fake: FakeProvider) -> None:
    client = client_for(fake)
    with pytest.raises(ValueError, match="create_partial"):
        client.create_with_completion(response_model=instructor.Partial[Order], messages=MESSAGES)


def test_response_model_none_with_stream_passes_the_sdk_stream_through(fake: FakeProvider) -> None:
    fake.add(Reply.text("hello"))
    client = client_for(fake)
    chunks = list(client.create(messages=MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "hello"


# -- Maybe and citations through a real call ---------------------------------------------------
def test_maybe_end_to_end(fake: FakeProvider) -> None:
    fake.add(Reply.tool("MaybeUser", {"result": None, "error": True, "message": "no user in the text"}))
    client = client_for(fake)
    found = client.create(response_model=instructor.Maybe[User], messages=MESSAGES)
    assert not found and found.error and found.message == "no user in the text"
    assert fake.requests[-1].json["tools"][0]["function"]["name"] == "MaybeUser"


class Fact(instructor.CitationMixin):
    fact: str


def test_citations_checked_against_the_context(fake: FakeProvider) -> None:
    source = "Jason is 25 years old.\nHe lives in   Toronto."
    fake.add(Reply.tool("Fact", {"fact": "Jason lives in Toronto",
                                 "substring_quotes": ["He lives in Toronto", "Jason is 25", "He owns a boat"]}))
    client = client_for(fake)
    fact = client.create(response_model=Fact, messages=MESSAGES, validation_context={"context": source})
    assert fact.substring_quotes == ["He lives in   Toronto", "Jason is 25"]


def test_citations_in_a_partial_stream(fake: FakeProvider) -> None:
    source = "The sky is blue."
    fake.add(Reply.tool("Fact", {"fact": "blue sky", "substring_quotes": ["the SKY is blue", "grass"]},
                        chunk_size=3))
    client = client_for(fake)
    out = list(client.create_partial(response_model=Fact, messages=MESSAGES, context={"context": source}))
    assert out[-1].substring_quotes == ["The sky is blue"]


async def test_async_breaking_out_early_closes_the_stream(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, chunk_size=1), order_reply(Mode.TOOLS, chunk_size=50))
    client = client_for(fake, async_client=True)
    stream = client.create_partial(response_model=Order, messages=MESSAGES)
    async for first in stream:
        assert isinstance(first, instructor.Partial[Order])
        break
    await stream.aclose()  # type: ignore[attr-defined]
    out = [p async for p in client.create_partial(response_model=Order, messages=MESSAGES)]
    assert out[-1] == Order.model_validate(ORDER)


def test_hooks_see_the_stream_request_and_response(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS))
    kwargs_seen: list[dict[str, typing.Any]] = []
    responses: list[typing.Any] = []
    client = client_for(fake)
    client.on("completion:kwargs", lambda **kw: kwargs_seen.append(kw))
    client.on("completion:response", responses.append)
    list(client.create_iterable(response_model=Order, messages=MESSAGES))
    assert kwargs_seen[0]["stream"] is True
    assert len(responses) == 1 and isinstance(responses[0], StreamedResponse)


@pytest.mark.timeout(20)
def test_broken_stream_fires_the_error_hook(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, cut_stream_after=6))
    errors: list[BaseException] = []
    client = client_for(fake)
    client.on("completion:error", errors.append)
    with pytest.raises(instructor.IncompleteOutputException):
        list(client.create_partial(response_model=Order, messages=MESSAGES))
    assert len(errors) == 1 and isinstance(errors[0], instructor.IncompleteOutputException)


@pytest.mark.timeout(20)
def test_content_filter_is_a_parsing_error(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, text=ORDER_ASCII[:30], stop="content_filter"))
    client = client_for(fake)
    with pytest.raises(instructor.InstructorRetryException, match="content filter") as info:
        list(client.create_partial(response_model=Order, messages=MESSAGES))
    cause = info.value.__cause__
    assert isinstance(cause, instructor.ResponseParsingError)
    assert cause.received == ORDER_ASCII[:30]  # type: ignore[attr-defined]
    assert isinstance(cause.raw_response, StreamedResponse)


@pytest.mark.timeout(20)
def test_length_error_carries_the_streamed_response(fake: FakeProvider) -> None:
    fake.add(order_reply(Mode.TOOLS, text=ORDER_ASCII[:25], stop="length"))
    client = client_for(fake)
    with pytest.raises(instructor.IncompleteOutputException) as info:
        list(client.create_partial(response_model=Order, messages=MESSAGES))
    raw = info.value.last_completion
    assert isinstance(raw, StreamedResponse) and raw.finish_reason == "length" and raw.chunks == []


def test_parallel_tools_invalid_item_is_reasked_with_every_call(fake: FakeProvider) -> None:
    fake.add(
        Reply(tool_calls=[ToolCall("Weather", {"city": "Paris"}, id="call_a"),
                          ToolCall("Weather", {"town": "Lyon"}, id="call_b")], chunk_size=5),
        Reply.tools(("Weather", {"city": "Lyon"})),
    )
    client = client_for(fake, Mode.PARALLEL_TOOLS)
    out = list(client.create_iterable(response_model=Weather, messages=MESSAGES, max_retries=1))
    assert out == [Weather(city="Paris"), Weather(city="Lyon")]
    reask = fake.requests[1].json["messages"]
    assistant = next(m for m in reask if m["role"] == "assistant")
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_a", "call_b"]
    assert [m["tool_call_id"] for m in reask if m["role"] == "tool"] == ["call_a", "call_b"]
    assert "city" in reask[-1]["content"]


class Snippet(BaseModel):
    language: str
    code: str


SNIPPET = {"language": "python", "code": "```python\nprint([1, 2])\n```"}


@pytest.mark.parametrize("chunk_size", [1, 4])
def test_md_json_stream_keeps_a_fence_inside_a_string(fake: FakeProvider, chunk_size: int) -> None:
    # the answer's own fence closes after the JSON, not at the ``` inside its "code" string
    fake.add(Reply.text(f"Here it is:\n```json\n{json.dumps(SNIPPET)}\n```\nDone.", chunk_size=chunk_size))
    out = list(client_for(fake, Mode.MD_JSON).create_partial(response_model=Snippet, messages=MESSAGES))
    assert out[-1] == Snippet(**SNIPPET)


def test_md_json_stream_reads_a_fence_on_one_line(fake: FakeProvider) -> None:
    fake.add(Reply.text(f"```json {json.dumps(USERS[0])}```", chunk_size=2))
    out = list(client_for(fake, Mode.MD_JSON).create_partial(response_model=User, messages=MESSAGES))
    assert out[-1] == User(**USERS[0])
