"""mistral: the real mistralai SDK over HTTP against the fake provider, every mode, sync/async/streams."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from mistralai.client import Mistral
from mistralai.client.errors import MistralError
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.core.exceptions import (
    MissingAPIKeyError,
    MissingDependencyError,
    ResponseParsingError,
)
from instructor.testing import FakeProvider, Reply


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


MESSAGES = [{"role": "user", "content": "Jason is 25"}]
MODES = [Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON]


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    if mode is Mode.TOOLS:
        return Reply.tool("User", obj, **kw)
    if mode is Mode.MD_JSON:
        return Reply.text(f"Here:\n```json\n{json.dumps(obj)}\n```", **kw)
    return Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: Any) -> Any:
    if not kw and (fake.url, mode) in SYNC_CLIENTS:
        return SYNC_CLIENTS[fake.url, mode]
    client = instructor.from_provider("mistral/mistral-large-latest", api_key="test-key",
                                      server_url=fake.mistral_server_url, mode=mode, **kw)
    if not kw:
        SYNC_CLIENTS[fake.url, mode] = client
    return client

#: sync clients, one per mode, shared by the module's tests: building an SDK client costs
#: ~0.2 s of TLS setup (certificate loading), most of a test's time otherwise
SYNC_CLIENTS: dict[tuple[str, Mode], Any] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture
def fake(server: FakeProvider) -> FakeProvider:
    """The module's server, with its script and recorded requests cleared."""
    server.reset()
    return server



@pytest.mark.parametrize("mode", MODES)
def test_extracts_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}))
    client = client_for(fake, mode)
    assert client.provider == "mistral"
    user = client.create(response_model=User, messages=MESSAGES, max_tokens=100)
    assert user == User(name="Jason", age=25)
    request = fake.requests[0]
    assert request.wire == "mistral" and request.path == "/mistral/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer test-key"
    sent = request.json
    assert sent["model"] == "mistral-large-latest" and sent["max_tokens"] == 100
    if mode is Mode.TOOLS:
        assert sent["tool_choice"] == "any"
        function = sent["tools"][0]["function"]
        assert function["name"] == "User" and function["description"] == "A person."
        assert function["parameters"]["required"] == ["name", "age"]
    elif mode is Mode.JSON_SCHEMA:
        fmt = sent["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["name"] == "User"
        assert fmt["json_schema"]["schema"]["additionalProperties"] is False
    else:
        assert "```json" in sent["messages"][-1]["content"] and "response_format" not in sent


@pytest.mark.parametrize("mode", MODES)
async def test_async_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    client = client_for(fake, mode, async_client=True)
    assert isinstance(client, instructor.AsyncInstructor)
    assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)


@pytest.mark.parametrize("mode", MODES)
def test_reask_in_mistral_format(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    assert client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1).age == 25
    first, second = (r.json["messages"] for r in fake.requests)
    assert second[: len(first)] == first
    assistant, feedback = second[len(first):]
    assert assistant["role"] == "assistant"
    assert "greater than or equal to 0" in feedback["content"]
    if mode is Mode.TOOLS:
        call = assistant["tool_calls"][0]
        assert call["function"] == {"name": "User", "arguments": '{"name": "Jason", "age": -1}'}
        assert feedback["role"] == "tool" and feedback["tool_call_id"] == call["id"] and feedback["name"] == "User"
    else:
        assert feedback["role"] == "user"


def test_usage_is_summed_over_attempts(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": "J", "age": -1}, usage=(10, 5)) for _ in range(2)])
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert (info.value.total_usage.prompt_tokens, info.value.total_usage.completion_tokens, info.value.total_usage.total_tokens) == (20, 10, 30)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA])
@pytest.mark.parametrize("stop", ["length", "model_length"])
def test_length_stop_is_incomplete_output(fake: FakeProvider, mode: Mode, stop: str) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop=stop))
    with pytest.raises(IncompleteOutputException, match=stop) as info:
        client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert '"Jason"' in (info.value.received or "")
    assert len(fake.requests) == 1


def test_no_tool_call_is_reasked_then_reported(fake: FakeProvider) -> None:
    fake.add(Reply.text("I won't."), Reply.tool("Other", {}))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    first, second = info.value.errors
    assert isinstance(first, ResponseParsingError) and "without calling the tool 'User'" in str(first)
    assert "'Other', which is not a tool it was offered" in str(second)
    assert fake.requests[1].json["messages"][-1]["role"] == "user"  # no call to answer: a user turn


def test_http_error_is_the_sdks(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(400, "bad request"))
    with pytest.raises(InstructorRetryException, match="bad request") as info:  # the SDK's error is the cause
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert isinstance(info.value.__cause__, MistralError) and len(fake.requests) == 1


# -- streams --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_create_partial(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25)
    assert fake.requests[0].json["stream"] is True and "stream_options" not in fake.requests[0].json
    if mode is not Mode.TOOLS:  # text streams in pieces; Mistral sends a tool call whole
        assert len(partials) > 3
    assert partials[-1]._raw_response.usage["total_tokens"] == 18  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_create_partial_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    stream = client_for(fake, mode, async_client=True).create_partial(response_model=User, messages=MESSAGES)
    assert [p async for p in stream][-1] == User(name="Ada", age=36)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA])
def test_create_iterable(fake: FakeProvider, mode: Mode) -> None:
    tasks = {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}
    fake.add(Reply.tool("IterableUser", tasks) if mode is Mode.TOOLS else Reply.json(tasks))
    users = list(client_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES))
    assert users == [User(name="A", age=1), User(name="B", age=2)]


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA])
def test_stream_length_stop_and_cut_stream(fake: FakeProvider, mode: Mode) -> None:
    client = client_for(fake, mode)
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="length"):
        list(client.create_partial(response_model=User, messages=MESSAGES))
    fake.add(answer(mode, {"name": "Jason", "age": 25}, cut_stream_after=2))
    with pytest.raises(IncompleteOutputException):
        list(client.create_partial(response_model=User, messages=MESSAGES))


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA])
def test_streamed_answer_is_reasked(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert partials[-1] == User(name="Jason", age=25)
    assistant, feedback = fake.requests[1].json["messages"][-2:]
    assert assistant["role"] == "assistant" and "greater than or equal to 0" in feedback["content"]
    if mode is Mode.TOOLS:
        assert assistant["tool_calls"][0]["function"]["arguments"] == '{"name": "Jason", "age": -1}'
        assert feedback["tool_call_id"] == assistant["tool_calls"][0]["id"]


# -- reasoning models: content as a list of chunks (thinking, text) ---------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_thinking_content_chunks_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}, thinking="The user says 25; {not JSON}."))
    completion = client_for(fake, mode).create_with_completion(response_model=User, messages=MESSAGES)
    assert completion[0] == User(name="Jason", age=25)
    content = completion[1].choices[0].message.content
    assert [chunk.type for chunk in content] == (["thinking"] if mode is Mode.TOOLS else ["thinking", "text"])


@pytest.mark.parametrize("mode", MODES)
def test_thinking_content_chunks_reasked(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}, thinking="Hmm."), answer(mode, {"name": "Jason", "age": 25}))
    assert client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2).age == 25
    assistant, feedback = fake.requests[1].json["messages"][-2:]
    assert "greater than or equal to 0" in feedback["content"]
    if mode is not Mode.TOOLS:  # the answer goes back as text, the thinking left out
        assert isinstance(assistant["content"], str) and '"age": -1' in assistant["content"]
        assert "Hmm." not in assistant["content"]
    else:  # the answer goes back as the tool call, the thinking left out
        assert '"age": -1' in assistant["tool_calls"][0]["function"]["arguments"]
        assert "Hmm." not in json.dumps(assistant)


@pytest.mark.parametrize("mode", MODES)
def test_thinking_content_chunks_streamed(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}, thinking="Thinking {\"name\": \"Nope\"} over.",
                    chunk_size=5))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25)
    assert all(p.name in (None, "") or "Jason Liu".startswith(p.name) for p in partials)


@pytest.mark.parametrize("mode", MODES)
async def test_thinking_content_chunks_streamed_async_and_reasked(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": -1}, thinking="Hmm."), answer(mode, {"name": "Ada", "age": 36}))
    stream = client_for(fake, mode, async_client=True).create_partial(response_model=User, messages=MESSAGES,
                                                                      max_retries=2)
    assert [p async for p in stream][-1] == User(name="Ada", age=36)
    assistant = fake.requests[1].json["messages"][-2]
    if mode is not Mode.TOOLS:
        assert '"age": -1' in assistant["content"] and "Hmm." not in assistant["content"]
    else:
        assert '"age": -1' in assistant["tool_calls"][0]["function"]["arguments"]
        assert "Hmm." not in json.dumps(assistant)


# -- the client surface ---------------------------------------------------------------------------
def test_from_mistral(fake: FakeProvider) -> None:
    sdk = Mistral(api_key="k", server_url=fake.mistral_server_url)
    fake.add(Reply.tool("User", {"name": "A", "age": 1}))
    client = instructor.from_mistral(sdk, model="mistral-small-latest")
    assert client.create(response_model=User, messages=MESSAGES).age == 1
    assert isinstance(instructor.from_mistral(sdk, use_async=True), instructor.AsyncInstructor)
    with pytest.raises(TypeError, match="Mistral client"):
        instructor.from_mistral(object())


def test_response_model_none_passes_the_response_through(fake: FakeProvider) -> None:
    fake.add(Reply.text("hello"))
    response = client_for(fake).create(response_model=None, messages=MESSAGES)
    assert response.choices[0].message.content == "hello"


def test_missing_key_and_missing_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingAPIKeyError, match="MISTRAL_API_KEY"):
        instructor.from_provider("mistral/mistral-large-latest")
    monkeypatch.setitem(sys.modules, "mistralai", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[mistral\]"'):
        instructor.from_provider("mistral/mistral-large-latest", api_key="k")
