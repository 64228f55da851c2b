"""google (google-genai): the real SDK over HTTP against the fake provider, Gemini API and Vertex AI paths."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from google import genai
from google.genai import errors, types
from google.oauth2.credentials import Credentials
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.core.exceptions import (
    MissingAPIKeyError,
    MissingDependencyError,
    ResponseParsingError,
    UnsupportedModeError,
)
from instructor.testing import FakeProvider, Reply
from instructor.testing.wires.genai import SIGNATURE

# google-genai's async path subclasses aiohttp's ClientSession when aiohttp is installed, which
# aiohttp 3.14 discourages with a DeprecationWarning: the SDK's business, not this code's
pytestmark = [
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession from ClientSession:DeprecationWarning"),
    pytest.mark.genai,  # run again with google-genai 3.x (scripts/test.sh, .venv-genai3)
]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Address(BaseModel):
    city: str


class Person(BaseModel):
    name: str
    addresses: list[Address]


MESSAGES = [{"role": "system", "content": "Extract people."}, {"role": "user", "content": "Jason is 25"}]
MODES = [Mode.TOOLS, Mode.JSON]


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    return Reply.tool("User", obj, **kw) if mode is Mode.TOOLS else Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: Any) -> Any:
    if not kw and (fake.url, mode) in SYNC_CLIENTS:
        return SYNC_CLIENTS[fake.url, mode]
    client = instructor.from_provider("google/gemini-2.5-flash", api_key="test-key",
                                      base_url=fake.genai_base_url, mode=mode, **kw)
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
    assert client.provider == "google" and client.mode is mode
    user = client.create(response_model=User, messages=MESSAGES, max_tokens=200, temperature=0)
    assert user == User(name="Jason", age=25)
    assert isinstance(user._raw_response, types.GenerateContentResponse)  # type: ignore[attr-defined]
    request = fake.requests[0]
    # google-genai 2.x sends the Gemini API to v1beta, 3.x to v1
    assert re.fullmatch(r"/v1(beta)?/models/gemini-2\.5-flash:generateContent", request.path)
    assert request.headers["x-goog-api-key"] == "test-key"
    sent = request.json
    assert sent["systemInstruction"]["parts"] == [{"text": "Extract people."}]
    assert sent["contents"] == [{"role": "user", "parts": [{"text": "Jason is 25"}]}]
    assert sent["generationConfig"]["maxOutputTokens"] == 200 and sent["generationConfig"]["temperature"] == 0
    if mode is Mode.TOOLS:
        declaration = sent["tools"][0]["functionDeclarations"][0]
        assert declaration["name"] == "User" and declaration["description"] == "A person."
        parameters = declaration.get("parametersJsonSchema") or declaration["parameters_json_schema"]
        assert parameters["required"] == ["name", "age"] and parameters["properties"]["age"]["minimum"] == 0
        assert sent["toolConfig"]["functionCallingConfig"] == {"mode": "ANY", "allowedFunctionNames": ["User"]}
    else:
        assert "tools" not in sent
        assert sent["generationConfig"]["responseMimeType"] == "application/json"
        assert sent["generationConfig"]["responseJsonSchema"]["required"] == ["name", "age"]


@pytest.mark.parametrize("mode", MODES)
async def test_async_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    client = client_for(fake, mode, async_client=True)
    assert isinstance(client, instructor.AsyncInstructor)
    assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)


def test_nested_model_keeps_its_json_schema(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Person", {"name": "A", "addresses": [{"city": "Paris"}]}))
    person = client_for(fake).create(response_model=Person, messages=MESSAGES)
    assert person.addresses == [Address(city="Paris")]
    declaration = fake.requests[0].json["tools"][0]["functionDeclarations"][0]
    assert "$defs" in (declaration.get("parametersJsonSchema") or declaration["parameters_json_schema"])


def test_simple_type_as_response_model(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Response", {"content": 42}))
    assert client_for(fake).create(response_model=int, messages=MESSAGES) == 42


@pytest.mark.parametrize("mode", MODES)
def test_reask_in_gemini_format(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    user = client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert user.age == 25
    first, second = (r.json["contents"] for r in fake.requests)
    assert second[: len(first)] == first
    model_turn, feedback = second[len(first):]
    assert model_turn["role"] == "model" and feedback["role"] == "user"
    if mode is Mode.TOOLS:
        assert model_turn["parts"][0]["functionCall"] == {"name": "User", "args": {"name": "Jason", "age": -1}}
        response = feedback["parts"][0]["functionResponse"]
        assert response["name"] == "User" and "greater than or equal to 0" in response["response"]["error"]
    else:
        assert model_turn["parts"][0]["text"] == '{"name": "Jason", "age": -1}'
        assert "greater than or equal to 0" in feedback["parts"][0]["text"]


def test_usage_is_summed_over_attempts(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": "J", "age": -1}, usage=(10, 5)) for _ in range(2)])
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert info.value.n_attempts == 2
    usage = info.value.total_usage  # no usage object: a TokenUsage of the counts
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (20, 10, 30)


@pytest.mark.parametrize("mode", MODES)
def test_length_stop_is_incomplete_output(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException) as info:
        client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert "MAX_TOKENS" in str(info.value) and '"Jason"' in (info.value.received or "")
    assert len(fake.requests) == 1  # never re-asked


def test_safety_stop_and_wrong_function_are_reasked_then_reported(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "J", "age": 1}, stop="refusal"), Reply.tool("Other", {"x": 1}))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    first, second = info.value.errors
    assert isinstance(first, ResponseParsingError) and "SAFETY" in str(first)
    assert isinstance(second, ResponseParsingError) and "'Other', which is not a tool it was offered" in str(second)


def test_blocked_prompt_is_a_parsing_error(fake: FakeProvider) -> None:
    fake.add(Reply(raw_body=b'{"promptFeedback": {"blockReason": "SAFETY"}}'))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES)
    assert "block_reason='SAFETY'" in str(info.value.errors[0])


def test_http_error_is_the_sdks_and_not_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(400, "bad schema"))
    with pytest.raises(InstructorRetryException, match="bad schema") as info:  # the SDK's error is the cause
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert isinstance(info.value.__cause__, errors.ClientError) and len(fake.requests) == 1


# -- streams --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_create_partial_streams_over_sse(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}, chunk_size=4))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25)
    assert fake.requests[0].path.endswith(":streamGenerateContent?alt=sse")
    if mode is Mode.JSON:  # text arrives in pieces; a function call arrives whole
        assert len(partials) > 3 and any(p.name and p.name != "Jason Liu" for p in partials)
    assert partials[-1]._raw_response.usage["total_token_count"] == 18  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_create_partial_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    stream = client_for(fake, mode, async_client=True).create_partial(response_model=User, messages=MESSAGES)
    partials = [p async for p in stream]
    assert partials[-1] == User(name="Ada", age=36)


@pytest.mark.parametrize("mode", MODES)
def test_create_iterable(fake: FakeProvider, mode: Mode) -> None:
    tasks = {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}
    fake.add(Reply.tool("IterableUser", tasks) if mode is Mode.TOOLS else Reply.json(tasks))
    users = list(client_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES))
    assert users == [User(name="A", age=1), User(name="B", age=2)]


@pytest.mark.parametrize("mode", MODES)
def test_stream_length_stop_and_cut_stream(fake: FakeProvider, mode: Mode) -> None:
    client = client_for(fake, mode)
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="MAX_TOKENS"):
        list(client.create_partial(response_model=User, messages=MESSAGES))
    # a function call comes whole in one event: cut before it; text: cut midway
    fake.add(answer(mode, {"name": "Jason", "age": 25}, cut_stream_after=0 if mode is Mode.TOOLS else 2))
    with pytest.raises(IncompleteOutputException):
        list(client.create_partial(response_model=User, messages=MESSAGES))


@pytest.mark.parametrize("mode", MODES)
def test_streamed_answer_is_reasked(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert partials[-1] == User(name="Jason", age=25)
    second = fake.requests[1].json["contents"]
    assert second[-2]["role"] == "model"
    feedback = second[-1]["parts"][0]
    text = feedback["functionResponse"]["response"]["error"] if mode is Mode.TOOLS else feedback["text"]
    assert "greater than or equal to 0" in text


def _reask_with_thinking(fake: FakeProvider, mode: Mode) -> dict[str, Any]:
    """Script a thinking model's wrong answer then a right one; the kwargs of the call."""
    fake.add(answer(mode, {"name": "Jason", "age": -1}, thinking="The age reads oddly.", chunk_size=4),
             answer(mode, {"name": "Jason", "age": 25}))
    return {"response_model": User, "messages": MESSAGES, "max_retries": 2}


def _assert_signed_model_turn(fake: FakeProvider, mode: Mode) -> None:
    """The re-ask sends the model's turn back whole: its thoughts, its answer, its signature."""
    first, second = (r.json["contents"] for r in fake.requests)
    model_turn = second[len(first)]
    assert model_turn["role"] == "model"
    parts = model_turn["parts"]
    signed = [p for p in parts if "thoughtSignature" in p]
    assert [p["thoughtSignature"] for p in signed] == [SIGNATURE]
    assert "".join(p["text"] for p in parts if p.get("thought")) == "The age reads oddly."
    if mode is Mode.TOOLS:  # the signature stays on the call it came with
        assert signed[0]["functionCall"] == {"name": "User", "args": {"name": "Jason", "age": -1}}
    else:
        answer_text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
        assert answer_text == '{"name": "Jason", "age": -1}'


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_reask_keeps_thought_signatures(fake: FakeProvider, mode: Mode, streamed: bool) -> None:
    client = client_for(fake, mode)
    kwargs = _reask_with_thinking(fake, mode)
    user = list(client.create_partial(**kwargs))[-1] if streamed else client.create(**kwargs)
    assert user == User(name="Jason", age=25)
    _assert_signed_model_turn(fake, mode)


@pytest.mark.parametrize("mode", MODES)
async def test_async_streamed_reask_keeps_thought_signatures(fake: FakeProvider, mode: Mode) -> None:
    kwargs = _reask_with_thinking(fake, mode)
    partials = [p async for p in client_for(fake, mode, async_client=True).create_partial(**kwargs)]
    assert partials[-1] == User(name="Jason", age=25)
    _assert_signed_model_turn(fake, mode)


# -- Vertex AI through google-genai ---------------------------------------------------------------
def test_vertexai_true_uses_the_vertex_path(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client = instructor.from_provider(
        "google/gemini-2.5-flash", vertexai=True, project="my-project", location="us-central1",
        credentials=Credentials(token="ya29.test"), base_url=fake.genai_base_url,
    )
    assert client.create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    request = fake.requests[0]
    assert request.path == ("/v1beta1/projects/my-project/locations/us-central1/publishers/google/models/"
                            "gemini-2.5-flash:generateContent")
    assert request.headers["authorization"] == "Bearer ya29.test" and "x-goog-api-key" not in request.headers


async def test_vertexai_from_environment_async(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    fake.add(Reply.json({"name": "Ada", "age": 36}))
    client = instructor.from_provider(
        "google/gemini-2.5-flash", project="p", location="europe-west4", credentials=Credentials(token="t"),
        base_url=fake.genai_base_url, async_client=True, mode=Mode.JSON,
    )
    assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)
    assert "/projects/p/locations/europe-west4/" in fake.requests[0].path


# -- the client surface ---------------------------------------------------------------------------
def test_from_genai_wraps_sync_and_async_clients(fake: FakeProvider) -> None:
    sdk = genai.Client(api_key="k", http_options={"base_url": fake.genai_base_url})
    fake.add(Reply.tool("User", {"name": "A", "age": 1}))
    client = instructor.from_genai(sdk, model="gemini-2.5-flash")
    assert isinstance(client, instructor.Instructor)
    assert client.create(response_model=User, messages=MESSAGES).age == 1
    assert isinstance(instructor.from_genai(sdk, use_async=True), instructor.AsyncInstructor)
    assert isinstance(instructor.from_genai(sdk.aio), instructor.AsyncInstructor)
    with pytest.raises(UnsupportedModeError, match="Mode.TOOLS, Mode.JSON"):
        instructor.from_genai(sdk, mode=Mode.MD_JSON)
    with pytest.raises(TypeError, match="google.genai.Client"):
        instructor.from_genai(object())


def test_contents_and_config_pass_through(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "A", "age": 1}))
    contents = [types.Content(role="user", parts=[types.Part(text="Ann is 1")])]
    config = types.GenerateContentConfig(temperature=0.5, system_instruction="Be exact.")
    client_for(fake).create(response_model=User, contents=contents, config=config)
    sent = fake.requests[0].json
    assert sent["contents"] == [{"role": "user", "parts": [{"text": "Ann is 1"}]}]
    assert sent["generationConfig"]["temperature"] == 0.5
    assert sent["systemInstruction"]["parts"] == [{"text": "Be exact."}]


def test_unknown_keyword_is_named(fake: FakeProvider) -> None:
    with pytest.raises(TypeError, match="'frobnicate'"):
        client_for(fake).create(response_model=User, messages=MESSAGES, frobnicate=1)
    assert fake.requests == []


def test_response_model_none_passes_the_response_through(fake: FakeProvider) -> None:
    fake.add(Reply.text("hello"))
    response = client_for(fake).create(response_model=None, messages=MESSAGES, max_tokens=5)
    assert isinstance(response, types.GenerateContentResponse) and response.text == "hello"
    assert fake.requests[0].json["generationConfig"] == {"maxOutputTokens": 5}


def test_missing_key_names_both_env_vars_and_vertex() -> None:
    with pytest.raises(MissingAPIKeyError, match="GOOGLE_API_KEY or GEMINI_API_KEY") as info:
        instructor.from_provider("google/gemini-2.5-flash")
    assert "vertexai=True" in str(info.value)


def test_key_from_environment(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "from-env")
    fake.add(Reply.tool("User", {"name": "A", "age": 1}))
    instructor.from_provider("google/gemini-2.5-flash", base_url=fake.genai_base_url).create(
        response_model=User, messages=MESSAGES)
    assert fake.requests[0].headers["x-goog-api-key"] == "from-env"


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.genai", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[google\]"'):
        instructor.from_provider("google/gemini-2.5-flash", api_key="k")
    with pytest.raises(MissingDependencyError, match=r"instructor\[google\]"):
        instructor.from_genai(object())


def test_a_namespace_package_is_not_taken_for_an_sdk() -> None:
    from instructor.core.dependencies import is_installed

    assert is_installed("google.genai")
    assert not is_installed("google.not_an_sdk")  # `google` itself is only a namespace


def test_vertexai_is_the_keyless_way(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = instructor.get_registry()
    config = registry.get_config("google")
    assert config.requires_api_key  # the Gemini API needs one
    assert registry.resolve_api_key(config, None, {"vertexai": True}) is None
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    assert registry.resolve_api_key(config, None) is None
