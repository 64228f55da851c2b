"""Anthropic streaming: `create_partial` / `create_iterable` over the real SDK's SSE stream.

The fake provider sends Anthropic's events (message_start, content_block_* with
input_json_delta / text_delta / thinking_delta, message_delta, message_stop) in
3-character fragments, so strings and escapes split at awkward places.
"""

from __future__ import annotations

import json

import anthropic
import pytest
from pydantic import BaseModel

import instructor
from instructor import (
    IncompleteOutputException,
    InstructorRetryException,
    Mode,
    ResponseParsingError,
)
from instructor.core.handler import REASK_JSON_ANSWER
from instructor.testing import FakeProvider, Reply

MODEL = "claude-sonnet-4-6"
MESSAGES = [{"role": "user", "content": "Jason is 25, Sarah is 30"}]
JASON, SARAH = {"name": "Jason \"J\" Liu", "age": 25}, {"name": "Sarah", "age": 30}


class User(BaseModel):
    name: str
    age: int


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> instructor.Instructor:
    return instructor.from_provider(f"anthropic/{MODEL}", base_url=fake.anthropic_base_url, api_key="k",
                                    mode=mode, max_retries=0)


def aclient_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> instructor.AsyncInstructor:
    return instructor.from_provider(f"anthropic/{MODEL}", base_url=fake.anthropic_base_url, api_key="k",
                                    mode=mode, max_retries=0, async_client=True)


def user_reply(mode: Mode, user: dict) -> Reply:
    if mode is Mode.JSON:
        return Reply.text(f"Sure!\n```json\n{json.dumps(user)}\n```\nAnything else?")
    if mode is Mode.TOOLS:
        return Reply.tool("User", user, thinking="Two people are named; the first is Jason.")
    return Reply.tool("User", user)


def items_reply(mode: Mode) -> Reply:
    if mode is Mode.PARALLEL_TOOLS:
        return Reply.tools(("User", JASON), ("User", SARAH))
    if mode is Mode.JSON:
        return Reply.text("```json\n" + json.dumps({"tasks": [JASON, SARAH]}) + "\n```")
    return Reply.tool("IterableUser", {"tasks": [JASON, SARAH]})


PARTIAL_MODES = [Mode.TOOLS, Mode.JSON, Mode.TOOLS]
ITERABLE_MODES = [Mode.TOOLS, Mode.PARALLEL_TOOLS, Mode.JSON,
                  Mode.TOOLS]


def check_partials(objects: list, fake: FakeProvider) -> None:
    assert len(objects) > 5
    names = [o.name for o in objects if o.name]
    assert all(JASON["name"].startswith(n) for n in names)  # every snapshot a prefix of the answer
    assert objects[-1] == User(**JASON) and type(objects[-1]) is User
    assert objects[-1]._raw_response.usage == {"input_tokens": 11, "output_tokens": 7}
    assert fake.requests[0].json["stream"] is True


@pytest.mark.parametrize("mode", PARTIAL_MODES)
def test_create_partial(fake: FakeProvider, mode: Mode) -> None:
    fake.add(user_reply(mode, JASON))
    check_partials(list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES)), fake)


@pytest.mark.parametrize("mode", PARTIAL_MODES)
async def test_create_partial_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(user_reply(mode, JASON))
    stream = aclient_for(fake, mode).create_partial(response_model=User, messages=MESSAGES)
    check_partials([o async for o in stream], fake)


@pytest.mark.parametrize("mode", ITERABLE_MODES)
def test_create_iterable(fake: FakeProvider, mode: Mode) -> None:
    fake.add(items_reply(mode))
    users = list(client_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES))
    assert users == [User(**JASON), User(**SARAH)]


@pytest.mark.parametrize("mode", ITERABLE_MODES)
async def test_create_iterable_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(items_reply(mode))
    stream = aclient_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES)
    assert [u async for u in stream] == [User(**JASON), User(**SARAH)]


def test_items_arrive_before_the_stream_ends(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [JASON, SARAH]}))
    stream = client_for(fake).create_iterable(response_model=User, messages=MESSAGES)
    first = next(iter(stream))
    assert first == User(**JASON)
    assert fake.requests and fake.requests[0].json["tool_choice"] == {"type": "tool", "name": "IterableUser",
                                                                           "disable_parallel_tool_use": True}


# -- stream ends and errors ------------------------------------------------------------------
@pytest.mark.parametrize("mode", PARTIAL_MODES)
def test_max_tokens_in_a_stream_is_incomplete_output(fake: FakeProvider, mode: Mode) -> None:
    reply = user_reply(mode, JASON)
    reply.stop = "length"
    fake.add(reply)
    with pytest.raises(IncompleteOutputException, match="stop_reason='max_tokens'") as info:
        list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert "Jason" in (info.value.received or "")


def test_a_dropped_stream_is_incomplete_output(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON, cut_stream_after=8))
    with pytest.raises(IncompleteOutputException):
        list(client_for(fake).create_partial(response_model=User, messages=MESSAGES))


async def test_a_refusal_in_a_stream_is_a_parsing_error(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="I can't help with that.", stop="refusal"))
    with pytest.raises(InstructorRetryException, match="refused") as info:
        [u async for u in aclient_for(fake).create_partial(response_model=User, messages=MESSAGES)]
    assert isinstance(info.value.__cause__, ResponseParsingError) and len(fake.requests) == 1


def test_events_that_stop_before_the_stop_reason_are_incomplete(fake: FakeProvider) -> None:
    """The handler itself: real SDK events, cut before message_delta, end without a stop signal."""
    fake.add(Reply.tool("User", JASON))
    sdk = anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url)
    events = list(sdk.messages.create(model=MODEL, max_tokens=100, messages=MESSAGES, stream=True))
    assert [e.type for e in events[-2:]] == ["message_delta", "message_stop"]
    handler = instructor.get_handler(Mode.TOOLS, provider="anthropic")
    deltas = list(handler.iter_stream(events))  # whole: ends cleanly
    assert json.loads("".join(d.text for d in deltas)) == JASON
    with pytest.raises(IncompleteOutputException, match="ended before its stop_reason"):
        list(handler.iter_stream(events[:-2]))


# -- re-asking a streamed answer -------------------------------------------------------------
def test_a_streamed_answer_is_reasked_with_a_tool_result(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "old"}, thinking="Hmm."), user_reply(
        Mode.TOOLS, JASON))
    client = client_for(fake, Mode.TOOLS)
    objects = list(client.create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert objects[-1] == User(**JASON)
    retry = fake.requests[1].json["messages"]
    thinking, tool_use = retry[1]["content"]
    assert thinking == {"type": "thinking", "thinking": "Hmm.", "signature": "fake-signature"}
    assert tool_use["type"] == "tool_use" and tool_use["input"] == {"name": "Jason", "age": "old"}
    result = retry[2]["content"][0]
    assert result["tool_use_id"] == tool_use["id"] and result["is_error"] and "age" in result["content"]


async def test_a_streamed_json_answer_is_reasked_async(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), user_reply(Mode.JSON, JASON))
    stream = aclient_for(fake, Mode.JSON).create_partial(response_model=User, messages=MESSAGES,
                                                                   max_retries=1)
    assert [o async for o in stream][-1] == User(**JASON)
    retry = fake.requests[1].json["messages"]
    assert len(retry) == 2 and retry[1]["role"] == "user"  # no assistant echo (§1.5)
    assert retry[1]["content"].endswith(REASK_JSON_ANSWER.split("{error}")[1].format(text='{"name": "Jason"}'))


def test_json_stream_keeps_a_fence_inside_a_string(fake: FakeProvider) -> None:
    class Snippet(BaseModel):
        language: str
        code: str

    snippet = {"language": "python", "code": "```python\nprint([1, 2])\n```"}
    fake.add(Reply.text(f"Sure:\n```json\n{json.dumps(snippet)}\n```\nMore?", chunk_size=2))
    out = list(client_for(fake, Mode.JSON).create_partial(response_model=Snippet, messages=MESSAGES))
    assert out[-1] == Snippet(**snippet)


def test_json_cut_short_inside_its_fence_ends_at_the_fence(fake: FakeProvider) -> None:
    # the closing fence ends the JSON: the prose after it (brackets and all) is not read as more of it
    fake.add(Reply.text('```json\n{"name": "Jason", "age": 2\n```\nShall I add {more}? ', chunk_size=2))
    with pytest.raises(IncompleteOutputException) as info:
        list(client_for(fake, Mode.JSON).create_partial(response_model=User, messages=MESSAGES))
    assert info.value.received.strip() == '{"name": "Jason", "age": 2'
