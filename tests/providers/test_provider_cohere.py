"""cohere: the real cohere SDK (v2 chat) over HTTP against the fake provider, every mode, sync/async/streams."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import cohere
import httpx
import pytest
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
MODES = [Mode.TOOLS, Mode.JSON_SCHEMA]


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    return Reply.tool("User", obj, **kw) if mode is Mode.TOOLS else Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: Any) -> Any:
    if not kw and (fake.url, mode) in SYNC_CLIENTS:
        return SYNC_CLIENTS[fake.url, mode]
    client = instructor.from_provider("cohere/command-a-03-2025", api_key="test-key",
                                      base_url=fake.cohere_base_url, mode=mode, **kw)
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



@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client the async tests close themselves (the SDK's default one is never closed)."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.mark.parametrize("mode", MODES)
def test_extracts_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}))
    client = client_for(fake, mode)
    assert client.provider == "cohere"
    user = client.create(response_model=User, messages=MESSAGES, max_tokens=100)
    assert user == User(name="Jason", age=25)
    request = fake.requests[0]
    assert request.path == "/v2/chat" and request.headers["authorization"] == "Bearer test-key"
    sent = request.json
    assert sent["model"] == "command-a-03-2025" and sent["max_tokens"] == 100
    if mode is Mode.TOOLS:
        assert sent["tool_choice"] == "REQUIRED"
        function = sent["tools"][0]["function"]
        assert function["name"] == "User" and function["description"] == "A person."
        assert function["parameters"]["required"] == ["name", "age"]
    else:
        fmt = sent["response_format"]
        assert fmt["type"] == "json_object" and fmt["json_schema"]["required"] == ["name", "age"]
        assert sent["messages"][0]["role"] == "system" and '"age"' in sent["messages"][0]["content"]


@pytest.mark.parametrize("mode", MODES)
async def test_async_every_mode(fake: FakeProvider, mode: Mode, http: httpx.AsyncClient) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    client = client_for(fake, mode, async_client=True, httpx_client=http)
    assert isinstance(client, instructor.AsyncInstructor)
    assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)


@pytest.mark.parametrize("mode", MODES)
def test_reask_in_cohere_format(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    assert client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1).age == 25
    first, second = (r.json["messages"] for r in fake.requests)
    assert second[: len(first)] == first
    assistant, feedback = second[len(first):]
    assert assistant["role"] == "assistant" and "greater than or equal to 0" in str(feedback["content"])
    if mode is Mode.TOOLS:
        call = assistant["tool_calls"][0]
        assert call["function"] == {"name": "User", "arguments": '{"name": "Jason", "age": -1}'}
        assert assistant["tool_plan"] == "I will call the tool."
        assert feedback["role"] == "tool" and feedback["tool_call_id"] == call["id"]
    else:
        assert assistant["content"] == '{"name": "Jason", "age": -1}' and feedback["role"] == "user"


def test_usage_is_summed_over_attempts(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": "J", "age": -1}, usage=(10, 5)) for _ in range(2)])
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    tokens = info.value.total_usage.tokens  # cohere's own Usage, summed
    assert (tokens.input_tokens, tokens.output_tokens) == (20, 10)


@pytest.mark.parametrize("mode", MODES)
def test_max_tokens_is_incomplete_output(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="MAX_TOKENS") as info:
        client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert '"Jason"' in (info.value.received or "")
    assert len(fake.requests) == 1


def test_error_finish_and_missing_call_are_reasked_then_reported(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "J", "age": 1}, stop="content_filter"), Reply.text("no tool"))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    first, second = info.value.errors
    assert isinstance(first, ResponseParsingError) and "'ERROR'" in str(first)
    assert "without calling the tool 'User'" in str(second)


def test_http_error_is_the_sdks(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(400, "invalid request"))
    with pytest.raises(InstructorRetryException) as info:  # the SDK's error is the cause
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert isinstance(info.value.__cause__, cohere.BadRequestError) and len(fake.requests) == 1


# -- streams --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_create_partial(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25)
    assert len(partials) > 3 and fake.requests[0].json["stream"] is True
    assert partials[-1]._raw_response.usage == {"input_tokens": 11, "output_tokens": 7}  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_create_partial_async(fake: FakeProvider, mode: Mode, http: httpx.AsyncClient) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    client = client_for(fake, mode, async_client=True, httpx_client=http)
    partials = [p async for p in client.create_partial(response_model=User, messages=MESSAGES)]
    assert partials[-1] == User(name="Ada", age=36)


@pytest.mark.parametrize("mode", MODES)
def test_create_iterable(fake: FakeProvider, mode: Mode) -> None:
    tasks = {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}
    fake.add(Reply.tool("IterableUser", tasks) if mode is Mode.TOOLS else Reply.json(tasks))
    users = list(client_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES))
    assert users == [User(name="A", age=1), User(name="B", age=2)]


@pytest.mark.parametrize("mode", MODES)
def test_stream_max_tokens_and_cut_stream(fake: FakeProvider, mode: Mode) -> None:
    client = client_for(fake, mode)
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="MAX_TOKENS"):
        list(client.create_partial(response_model=User, messages=MESSAGES))
    fake.add(answer(mode, {"name": "Jason", "age": 25}, cut_stream_after=4))
    with pytest.raises(IncompleteOutputException):
        list(client.create_partial(response_model=User, messages=MESSAGES))


@pytest.mark.parametrize("mode", MODES)
def test_streamed_answer_is_reasked(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert partials[-1] == User(name="Jason", age=25)
    assistant, feedback = fake.requests[1].json["messages"][-2:]
    assert "greater than or equal to 0" in str(feedback["content"])
    if mode is Mode.TOOLS:
        call = assistant["tool_calls"][0]
        assert call["function"]["arguments"] == '{"name": "Jason", "age": -1}'
        assert feedback["tool_call_id"] == call["id"]
    else:
        assert assistant["content"] == '{"name": "Jason", "age": -1}'


# -- the client surface ---------------------------------------------------------------------------
async def test_from_cohere(fake: FakeProvider, http: httpx.AsyncClient) -> None:
    fake.add(Reply.tool("User", {"name": "A", "age": 1}), Reply.tool("User", {"name": "B", "age": 2}))
    sync = instructor.from_cohere(cohere.ClientV2(api_key="k", base_url=fake.cohere_base_url), model="command-r")
    assert isinstance(sync, instructor.Instructor)
    assert sync.create(response_model=User, messages=MESSAGES).age == 1
    aclient = instructor.from_cohere(cohere.AsyncClientV2(api_key="k", base_url=fake.cohere_base_url,
                                                          httpx_client=http), model="command-r")
    assert isinstance(aclient, instructor.AsyncInstructor)
    assert (await aclient.create(response_model=User, messages=MESSAGES)).age == 2
    with pytest.raises(TypeError, match="ClientV2, .*AsyncClientV2. Got: Client"):
        instructor.from_cohere(cohere.Client(api_key="k"))  # the v1 API is not supported


def test_response_model_none_passes_the_response_through(fake: FakeProvider) -> None:
    fake.add(Reply.text("hello"))
    response = client_for(fake).create(response_model=None, messages=MESSAGES)
    assert response.message.content[0].text == "hello"


def test_missing_key_and_missing_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingAPIKeyError, match="CO_API_KEY or COHERE_API_KEY"):
        instructor.from_provider("cohere/command-a-03-2025")
    monkeypatch.setitem(sys.modules, "cohere", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[cohere\]"'):
        instructor.from_provider("cohere/command-a-03-2025", api_key="k")
