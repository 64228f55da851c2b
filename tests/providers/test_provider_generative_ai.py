"""generative-ai (deprecated): the real google-generativeai SDK over REST against the fake provider.

The SDK's sync calls take `transport="rest"` and are driven end to end over
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
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.core.exceptions import MissingDependencyError, UnsupportedModeError
from instructor.testing import FakeProvider, Reply

with warnings.catch_warnings():  # the SDK announces its end of life at import
    warnings.simplefilter("ignore", FutureWarning)
    import google.generativeai as genai
    from google.generativeai import protos
    from google.generativeai.types import GenerateContentResponse

pytestmark = pytest.mark.filterwarnings("ignore:The 'generative-ai' provider is deprecated:DeprecationWarning")


class Address(BaseModel):
    city: str


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)
    address: Address | None = None


MESSAGES = [{"role": "system", "content": "Extract people."}, {"role": "user", "content": "Jason is 25"}]
MODES = [Mode.TOOLS, Mode.MD_JSON]


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    return Reply.tool("User", obj, **kw) if mode is Mode.TOOLS else Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> Any:
    return instructor.from_provider("generative-ai/gemini-1.5-flash", mode=mode, api_key="test-key",
                                    base_url=fake.url)


def test_from_provider_warns_and_points_at_google(fake: FakeProvider) -> None:
    with pytest.warns(DeprecationWarning, match=r"from_provider\('google/<model>'\)"):
        client = client_for(fake)
    assert client.provider == "generative-ai" and isinstance(client.client, genai.GenerativeModel)


@pytest.mark.parametrize("mode", MODES)
def test_extracts_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25, "address": {"city": "Paris"}}))
    user = client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_tokens=100)
    assert user == User(name="Jason", age=25, address=Address(city="Paris"))
    request = fake.requests[0]
    assert request.path.startswith("/v1beta/models/gemini-1.5-flash:generateContent")
    assert request.headers["x-goog-api-key"] == "test-key"
    sent = request.json
    assert sent["contents"][0] == {"role": "user", "parts": [{"text": "Extract people."}]}
    assert sent["generationConfig"]["maxOutputTokens"] == 100
    # this SDK takes an OpenAPI schema: references inlined, Optional as nullable, no titles
    if mode is Mode.TOOLS:
        declaration = sent["tools"][0]["functionDeclarations"][0]
        assert declaration["name"] == "User" and declaration["description"] == "A person."
        parameters = declaration["parameters"]
        assert sent["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"] == ["User"]
    else:
        assert sent["generationConfig"]["responseMimeType"] == "application/json"
        parameters = sent["generationConfig"]["responseSchema"]
    address = parameters["properties"]["address"]
    assert address["nullable"] is True and address["required"] == ["city"] and "title" not in address


@pytest.mark.parametrize("mode", MODES)
def test_reask_sends_the_model_turn_back(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    assert client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1).age == 25
    first, second = (r.json["contents"] for r in fake.requests)
    assert second[: len(first)] == first
    model_turn, feedback = second[len(first):]
    assert model_turn["role"] == "model"
    if mode is Mode.TOOLS:
        assert "greater than or equal to 0" in feedback["parts"][0]["functionResponse"]["response"]["error"]
    else:
        assert "greater than or equal to 0" in feedback["parts"][0]["text"]


def test_usage_and_max_tokens(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": "J", "age": -1}, usage=(10, 5)) for _ in range(2)])
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert info.value.total_usage.total_tokens == 30  # no usage object: a TokenUsage of the counts
    fake.add(Reply.tool("User", {"name": "J", "age": 1}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="MAX_TOKENS"):
        client_for(fake).create(response_model=User, messages=MESSAGES)


@pytest.mark.parametrize("mode", MODES)
def test_streams_over_rest(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25)
    assert ":streamGenerateContent" in fake.requests[0].path
    fake.add(answer(mode, {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException, match="MAX_TOKENS"):
        list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))


def test_cut_stream_is_incomplete_output(fake: FakeProvider) -> None:
    # the SDK reads the first chunk inside generate_content: cut after it, while text still arrives
    fake.add(Reply.json({"name": "Jason", "age": 25}, cut_stream_after=3))
    with pytest.raises(IncompleteOutputException):
        list(client_for(fake, Mode.MD_JSON).create_partial(response_model=User, messages=MESSAGES))


# -- async: gRPC only, so on the SDK's own response objects --------------------------------------
def response(parts: list[dict[str, Any]], finish: str = "STOP") -> GenerateContentResponse:
    proto = protos.GenerateContentResponse(candidates=[{"content": {"role": "model", "parts": parts},
                                                        "finish_reason": finish}])
    return GenerateContentResponse.from_response(proto)


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
    client = instructor.AsyncInstructor(genai.GenerativeModel("gemini-1.5-flash"), sdk, Mode.TOOLS,
                                        provider="generative-ai")
    assert await client.create(response_model=User, messages=MESSAGES, max_retries=1) == User(name="J", age=25)
    assert sdk.calls[1]["contents"][-1]["parts"][0]["function_response"]["name"] == "User"


async def test_async_json_stream_on_sdk_objects() -> None:
    async def chunks() -> AsyncIterator[GenerateContentResponse]:
        yield response([{"text": '{"name": "Ada", '}], "FINISH_REASON_UNSPECIFIED")
        yield response([{"text": '"age": 36}'}])

    client = instructor.AsyncInstructor(genai.GenerativeModel("gemini-1.5-flash"), SDKStandIn(chunks()),
                                        Mode.MD_JSON, provider="generative-ai")
    partials = [p async for p in client.create_partial(response_model=User, messages=MESSAGES)]
    assert partials[-1] == User(name="Ada", age=36)


def test_from_gemini() -> None:
    model = genai.GenerativeModel("gemini-1.5-flash")
    assert isinstance(instructor.from_gemini(model), instructor.Instructor)
    assert isinstance(instructor.from_gemini(model, use_async=True), instructor.AsyncInstructor)
    with pytest.raises(UnsupportedModeError):
        instructor.from_gemini(model, mode=Mode.GENAI_TOOLS)  # another provider's mode
    with pytest.raises(TypeError, match="GenerativeModel"):
        instructor.from_gemini(object())


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.generativeai", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[generative-ai\]"'):
        instructor.from_provider("generative-ai/gemini-1.5-flash", api_key="k")
