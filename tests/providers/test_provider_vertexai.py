"""vertexai (deprecated): the real Vertex AI SDK over REST against the fake provider.

The SDK's sync calls take `api_transport="rest"` and are driven end to end over
HTTP. Its async calls always go through gRPC, which cannot be pointed at the
fake HTTP server: the async path is tested on the SDK's own response objects,
built in the test and returned by an async stand-in for the SDK call.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.core.exceptions import MissingDependencyError, UnsupportedModeError
from instructor.testing import FakeProvider, Reply

with warnings.catch_warnings():  # google-api-core warns at import about Python versions it will drop
    warnings.simplefilter("ignore", FutureWarning)
    from vertexai.generative_models import GenerationConfig, GenerationResponse, GenerativeModel

pytestmark = [
    pytest.mark.filterwarnings("ignore:This feature is deprecated as of June 24, 2025:UserWarning"),
    pytest.mark.filterwarnings("ignore:The 'vertexai' provider is deprecated:DeprecationWarning"),
]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Pet(BaseModel):
    kind: str
    nickname: str | None = None


MESSAGES = [{"role": "system", "content": "Extract people."}, {"role": "user", "content": "Jason is 25"}]
MODES = [Mode.TOOLS, Mode.MD_JSON]
PATH = "/v1/projects/test-project/locations/us-central1/publishers/google/models/gemini-1.5-pro"


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    return Reply.tool("User", obj, **kw) if mode is Mode.TOOLS else Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> Any:
    return instructor.from_provider(
        "vertexai/gemini-1.5-pro", mode=mode, project="test-project", location="us-central1",
        credentials=Credentials(token="ya29.test"), base_url=fake.url,
    )


def test_from_provider_warns_and_points_at_google(fake: FakeProvider) -> None:
    with pytest.warns(DeprecationWarning, match=r"from_provider\('google/<model>', vertexai=True\)"):
        client = client_for(fake)
    assert client.provider == "vertexai" and isinstance(client.client, GenerativeModel)


@pytest.mark.parametrize("mode", MODES)
def test_extracts_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}))
    user = client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_tokens=100)
    assert user == User(name="Jason", age=25)
    request = fake.requests[0]
    assert request.path.startswith(PATH + ":generateContent")
    assert request.headers["authorization"] == "Bearer ya29.test"
    sent = request.json
    # this SDK takes a system instruction only when the model is built: a first user turn instead
    assert sent["contents"][0] == {"role": "user", "parts": [{"text": "Extract people."}]}
    assert sent["generationConfig"]["maxOutputTokens"] == 100
    if mode is Mode.TOOLS:
        declaration = sent["tools"][0]["functionDeclarations"][0]
        assert declaration["name"] == "User" and declaration["description"] == "A person."
        assert sorted(declaration["parameters"]["properties"]) == ["age", "name"]
        config = sent["toolConfig"]["functionCallingConfig"]
        assert config["allowedFunctionNames"] == ["User"] and config["mode"] in ("ANY", 2)
    else:
        assert sent["generationConfig"]["responseMimeType"] == "application/json"
        assert sent["generationConfig"]["responseSchema"]["required"] == ["name", "age"]


def test_sdk_generation_config_joins_the_modes_settings(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason", "age": 25}))
    client_for(fake, Mode.MD_JSON).create(response_model=User, messages=MESSAGES, max_tokens=9,
                                               generation_config=GenerationConfig(temperature=0.25))
    config = fake.requests[0].json["generationConfig"]
    assert config["temperature"] == 0.25 and config["maxOutputTokens"] == 9
    assert config["responseMimeType"] == "application/json"


def test_optional_and_nested_fields_in_the_openapi_schema(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Pet", {"kind": "cat"}))
    assert client_for(fake).create(response_model=Pet, messages=MESSAGES) == Pet(kind="cat")
    nickname = fake.requests[0].json["tools"][0]["functionDeclarations"][0]["parameters"]["properties"]["nickname"]
    assert nickname["nullable"] is True and "anyOf" not in nickname


def test_parallel_tools(fake: FakeProvider) -> None:
    fake.add(Reply.tools(("User", {"name": "A", "age": 1}), ("Pet", {"kind": "dog"})))
    items = list(client_for(fake, Mode.PARALLEL_TOOLS).create_iterable(
        response_model=User | Pet, messages=MESSAGES))  # type: ignore[arg-type]
    assert items == [User(name="A", age=1), Pet(kind="dog")]
    names = [f["name"] for f in fake.requests[0].json["tools"][0]["functionDeclarations"]]
    assert names == ["User", "Pet"]


@pytest.mark.parametrize("mode", MODES)
def test_reask_sends_the_model_turn_back(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    assert client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1).age == 25
    first, second = (r.json["contents"] for r in fake.requests)
    assert second[: len(first)] == first
    model_turn, feedback = second[len(first):]
    assert model_turn["role"] == "model"
    if mode is Mode.TOOLS:
        assert model_turn["parts"][0]["functionCall"]["name"] == "User"
        assert "greater than or equal to 0" in feedback["parts"][0]["functionResponse"]["response"]["error"]
    else:
        assert "greater than or equal to 0" in feedback["parts"][0]["text"]


def test_usage_and_max_tokens(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": "J", "age": -1}, usage=(10, 5)) for _ in range(2)])
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    usage = info.value.total_usage  # no usage object: a TokenUsage of the counts
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (20, 10, 30)
    fake.add(Reply.tool("User", {"name": "J", "age": 1}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="MAX_TOKENS"):
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)


@pytest.mark.parametrize("mode", MODES)
def test_streams_over_rest(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25)
    assert fake.requests[0].path.startswith(PATH + ":streamGenerateContent")
    tasks = {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}
    fake.add(Reply.tool("IterableUser", tasks) if mode is Mode.TOOLS else Reply.json(tasks))
    assert len(list(client_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES))) == 2
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException):
        list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))


# -- async: gRPC only, so on the SDK's own response objects --------------------------------------
def response(parts: list[dict[str, Any]], finish: str | None = "STOP") -> GenerationResponse:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    if finish:
        candidate["finish_reason"] = finish
    return GenerationResponse.from_dict({"candidates": [candidate], "usage_metadata": {
        "prompt_token_count": 4, "candidates_token_count": 3, "total_token_count": 7}})


class SDKStandIn:
    """An async `generate_content` that answers with SDK objects and records what it was sent."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.answers.pop(0)


async def test_async_tools_reask_on_sdk_objects() -> None:
    sdk = SDKStandIn(response([{"function_call": {"name": "User", "args": {"name": "J", "age": -1}}}]),
                     response([{"function_call": {"name": "User", "args": {"name": "J", "age": 25}}}]))
    client = instructor.AsyncInstructor(GenerativeModel("gemini-1.5-pro"), sdk, Mode.TOOLS,
                                        provider="vertexai")
    user = await client.create(response_model=User, messages=MESSAGES, max_retries=1)
    assert user == User(name="J", age=25)  # the protobuf's 25.0 is a whole number again
    first, second = sdk.calls
    assert first["tools"][0]["function_declarations"][0]["name"] == "User"
    assert second["contents"][-1]["parts"][0]["function_response"]["name"] == "User"


async def test_async_json_stream_on_sdk_objects() -> None:
    async def chunks() -> AsyncIterator[GenerationResponse]:
        for piece, finish in (('{"name": "Ad', None), ('a", "age": 36}', "STOP")):
            yield response([{"text": piece}], finish)

    sdk = SDKStandIn(chunks())
    client = instructor.AsyncInstructor(GenerativeModel("gemini-1.5-pro"), sdk, Mode.MD_JSON, provider="vertexai")
    partials = [p async for p in client.create_partial(response_model=User, messages=MESSAGES)]
    assert partials[-1] == User(name="Ada", age=36) and sdk.calls[0]["stream"] is True


def test_from_vertexai() -> None:
    import vertexai

    # a GenerativeModel reads the project and credentials `vertexai.init` set: set here, so the test does
    # not depend on another test's from_provider having run first in this process
    vertexai.init(project="test-project", location="us-central1", credentials=Credentials(token="ya29.test"))
    model = GenerativeModel("gemini-1.5-pro")
    assert isinstance(instructor.from_vertexai(model), instructor.Instructor)
    assert isinstance(instructor.from_vertexai(model, use_async=True), instructor.AsyncInstructor)
    with pytest.raises(UnsupportedModeError):
        instructor.from_vertexai(model, mode=Mode.GENAI_TOOLS)  # another provider's mode
    with pytest.raises(TypeError, match="GenerativeModel"):
        instructor.from_vertexai(object())


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vertexai", None)
    monkeypatch.setitem(sys.modules, "vertexai.generative_models", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[vertexai\]"'):
        instructor.from_provider("vertexai/gemini-1.5-pro")
    with pytest.raises(MissingDependencyError, match=r"instructor\[vertexai\]"):
        instructor.from_vertexai(object())
