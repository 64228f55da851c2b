"""OpenAI end to end: the real `openai` SDK over HTTP against the fake provider, every mode."""

from __future__ import annotations

import json
from typing import Literal

import openai
import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.testing import FakeProvider, Reply


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    name: str
    addresses: list[Address]


MESSAGES = [{"role": "user", "content": "Jason is 25"}]


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: object) -> instructor.Instructor:
    return instructor.from_provider(
        "openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test", mode=mode, **kw
    )


def answer(mode: Mode, name: str, obj: dict) -> Reply:
    if mode in (Mode.TOOLS, Mode.TOOLS_STRICT):
        return Reply.tool(name, obj)
    if mode is Mode.MD_JSON:
        return Reply.text(f"Here it is:\n```json\n{json.dumps(obj)}\n```")
    return Reply.json(obj)


ALL_MODES = [Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA]


@pytest.mark.parametrize("mode", ALL_MODES)
def test_extracts_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, "User", {"name": "Jason", "age": 25}))
    user = client_for(fake, mode).create(response_model=User, messages=MESSAGES)
    assert user == User(name="Jason", age=25)
    assert user._raw_response.model == "gpt-4o-mini"  # type: ignore[attr-defined]
    sent = fake.requests[0].json
    assert sent["model"] == "gpt-4o-mini"
    if mode in (Mode.TOOLS, Mode.TOOLS_STRICT):
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "User"}}
        function = sent["tools"][0]["function"]
        # TOOLS sends `required` sorted, as the published release does (COMPAT 11.8); strict lists every field
        assert function["parameters"]["required"] == (["age", "name"] if mode is Mode.TOOLS else ["name", "age"])
        assert function["description"] == "A person."
        assert function.get("strict", False) is (mode is Mode.TOOLS_STRICT)
        if mode is Mode.TOOLS_STRICT:
            assert function["parameters"]["additionalProperties"] is False
    elif mode is Mode.JSON:
        assert sent["response_format"] == {"type": "json_object"}
        assert sent["messages"][0]["role"] == "system" and '"age"' in sent["messages"][0]["content"]
    elif mode is Mode.MD_JSON:
        assert "response_format" not in sent
        assert "```json" in sent["messages"][-1]["content"]
    elif mode is Mode.JSON_SCHEMA:
        fmt = sent["response_format"]
        # the model's own schema, no `strict` key (§4.4)
        assert fmt["type"] == "json_schema" and "strict" not in fmt["json_schema"]
        assert fmt["json_schema"]["schema"]["required"] == ["name", "age"]


@pytest.mark.parametrize("mode", ALL_MODES)
async def test_async_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, "User", {"name": "Ada", "age": 36}))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                      mode=mode, async_client=True)
    assert isinstance(client, instructor.AsyncInstructor)
    user = await client.create(response_model=User, messages=MESSAGES)
    assert user == User(name="Ada", age=36)


def test_nested_model(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Person", {"name": "A", "addresses": [{"street": "1 Main", "city": "X"}]}))
    person = client_for(fake).create(response_model=Person, messages=MESSAGES)
    assert person.addresses[0].city == "X"
    assert "$defs" in fake.requests[0].json["tools"][0]["function"]["parameters"]


@pytest.mark.parametrize("mode", ALL_MODES)
def test_reask_feeds_the_validation_error_back(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, "User", {"name": "Jason", "age": -3}), answer(mode, "User", {"name": "Jason", "age": 25}))
    user = client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert user.age == 25
    assert len(fake.requests) == 2
    second = fake.requests[1].json["messages"]
    assert second[: len(fake.requests[0].json["messages"])] == fake.requests[0].json["messages"]
    feedback = second[-1]
    assert "greater than or equal to 0" in feedback["content"]
    if mode in (Mode.TOOLS, Mode.TOOLS_STRICT):
        assert feedback["role"] == "tool"
        assert second[-2]["role"] == "assistant" and second[-2]["tool_calls"][0]["id"] == feedback["tool_call_id"]
    else:
        assert feedback["role"] == "user" and second[-2]["role"] == "assistant"


def test_retries_exhausted_carry_every_attempt(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("User", {"name": "J", "age": -i - 1}, usage=(10, 5)) for i in range(3)])
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    exc = info.value
    assert exc.n_attempts == 3 and len(exc.failed_attempts) == 3
    assert [a.attempt_number for a in exc.failed_attempts] == [1, 2, 3]
    assert isinstance(exc.total_usage, openai.types.CompletionUsage)
    assert (exc.total_usage.prompt_tokens, exc.total_usage.completion_tokens, exc.total_usage.total_tokens) \
        == (30, 15, 45)
    assert exc.last_completion.choices[0].message.tool_calls[0].function.arguments == '{"name": "J", "age": -3}'
    assert exc.failed_attempts[0].completion.id != exc.failed_attempts[2].completion.id
    assert "age" in str(exc) and "Failed attempts (3)" in str(exc)
    assert len(fake.requests) == 3


def test_default_is_three_reasks(fake: FakeProvider) -> None:
    fake.always(Reply.tool("User", {"name": "J", "age": -1}))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES)
    assert info.value.n_attempts == 4 and len(fake.requests) == 4


def test_malformed_json_is_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", '{"name": "J", "age": 2'), Reply.tool("User", {"name": "J", "age": 2}))
    assert client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1).age == 2


def test_wrong_tool_and_no_tool_are_reasked(fake: FakeProvider) -> None:
    # a call of a tool nobody offered is an invalid answer, never read as the model (COMPAT 11)
    fake.add(Reply.tool("Other", {"x": 1}), Reply.text("I won't call tools"), Reply.tool("User", {"name": "J", "age": 2}))
    client = client_for(fake)
    assert client.create(response_model=User, messages=MESSAGES, max_retries=2).age == 2
    assert "'Other', which is not a tool it was offered" in fake.requests[1].json["messages"][-1]["content"]
    assert "without calling the tool" in fake.requests[2].json["messages"][-1]["content"]


def test_length_limit_is_incomplete_output(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", '{"name": "Ja', stop="length"))
    with pytest.raises(IncompleteOutputException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert info.value.received == '{"name": "Ja'
    assert info.value.last_completion.choices[0].finish_reason == "length"
    assert len(fake.requests) == 1  # re-asking would not help: the caller must raise max_tokens


def test_refusal_is_a_parsing_error(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="I can't help with that"))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake, Mode.JSON_SCHEMA).create(response_model=User, messages=MESSAGES)
    assert "refused" in str(info.value.failed_attempts[0].exception)


def test_http_errors_are_wrapped_never_resent(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(401, "bad key"))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert isinstance(info.value.__cause__, openai.AuthenticationError)
    assert len(fake.requests) == 1


def test_none_response_model_passes_through(fake: FakeProvider) -> None:
    fake.add(Reply.text("hello"))
    completion = client_for(fake).create(response_model=None, messages=MESSAGES, temperature=0)
    assert completion.choices[0].message.content == "hello"
    assert "tools" not in fake.requests[0].json and fake.requests[0].json["temperature"] == 0


@pytest.mark.parametrize(
    ("response_model", "content", "expected"),
    [
        (int, 42, 42),
        (str, "hi", "hi"),
        (Literal["spam", "ham"], "ham", "ham"),
        (list[str], ["a", "b"], ["a", "b"]),
        (int | str, "x", "x"),
        (bool, True, True),
    ],
)
def test_simple_types(fake: FakeProvider, response_model: object, content: object, expected: object) -> None:
    fake.add(Reply.tool("Response", {"content": content}))
    assert client_for(fake).create(response_model=response_model, messages=MESSAGES) == expected


def test_simple_type_validation_error_reasks(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Response", {"content": "eggs"}), Reply.tool("Response", {"content": "spam"}))
    result = client_for(fake).create(response_model=Literal["spam", "ham"], messages=MESSAGES, max_retries=1)
    assert result == "spam"


def test_create_with_completion_and_aliases(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "J", "age": 1}), Reply.tool("User", {"name": "K", "age": 2}))
    client = client_for(fake)
    user, completion = client.create_with_completion(response_model=User, messages=MESSAGES)
    assert user.name == "J" and completion.choices[0].message.tool_calls
    assert client.chat.completions.create(response_model=User, messages=MESSAGES).name == "K"


def test_messages_are_never_mutated(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "J", "age": -1}), Reply.json({"name": "J", "age": 1}))
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Jason is 25"}]
    snapshot = json.loads(json.dumps(messages))
    client_for(fake, Mode.JSON).create(response_model=User, messages=messages, max_retries=1)
    assert messages == snapshot
    assert fake.requests[0].json["messages"][0]["content"].startswith("be brief\n\n")


def test_context_reaches_validators_and_templates(fake: FakeProvider) -> None:
    from pydantic import ValidationInfo, field_validator

    class Quote(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def in_source(cls, value: str, info: ValidationInfo) -> str:
            source = (info.context or {}).get("source", "")
            if value not in source:
                raise ValueError(f"{value!r} is not in the source")
            return value

    fake.add(Reply.tool("Quote", {"text": "made up"}), Reply.tool("Quote", {"text": "brown fox"}))
    messages = [{"role": "user", "content": "Quote from: {{ source }}"}]
    quote = client_for(fake).create(response_model=Quote, messages=messages, context={"source": "the brown fox"},
                                    max_retries=1)
    assert quote.text == "brown fox"
    assert fake.requests[0].json["messages"][0]["content"] == "Quote from: the brown fox"
    assert "is not in the source" in fake.requests[1].json["messages"][-1]["content"]
    assert messages[0]["content"] == "Quote from: {{ source }}"


def test_validation_context_is_the_older_name(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "J", "age": 1}))
    client = client_for(fake)
    user = client.create(response_model=User, messages=[{"role": "user", "content": "{{ who }}"}],
                         validation_context={"who": "Jason"})
    assert user.name == "J" and fake.requests[0].json["messages"][0]["content"] == "Jason"
    with pytest.raises(ValueError, match="not both"):
        client.create(response_model=User, messages=MESSAGES, context={}, validation_context={})


def test_strict_per_call(fake: FakeProvider) -> None:
    class Item(BaseModel):
        count: int

    fake.add(Reply.tool("Item", {"count": "3"}), Reply.tool("Item", {"count": "3"}))
    client = client_for(fake)
    assert client.create(response_model=Item, messages=MESSAGES, strict=False).count == 3
    with pytest.raises(InstructorRetryException, match="int_type|valid integer"):
        client.create(response_model=Item, messages=MESSAGES, max_retries=0)


def test_tenacity_retrying_object(fake: FakeProvider) -> None:
    from tenacity import Retrying, stop_after_attempt

    fake.add(Reply.tool("User", {"name": "J", "age": -1}), Reply.tool("User", {"name": "J", "age": 7}))
    user = client_for(fake).create(response_model=User, messages=MESSAGES,
                                   max_retries=Retrying(stop=stop_after_attempt(2)))
    assert user.age == 7
    fake.add(Reply.tool("User", {"name": "J", "age": -1}), Reply.tool("User", {"name": "J", "age": -2}))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES,
                                max_retries=Retrying(stop=stop_after_attempt(2)))
    assert info.value.n_attempts == 2


async def test_async_tenacity_and_reask(fake: FakeProvider) -> None:
    from tenacity import AsyncRetrying, stop_after_attempt

    fake.add(Reply.tool("User", {"name": "J", "age": -1}), Reply.tool("User", {"name": "J", "age": 7}))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                      async_client=True)
    user = await client.create(response_model=User, messages=MESSAGES,
                               max_retries=AsyncRetrying(stop=stop_after_attempt(2)))
    assert user.age == 7
    fake.add(Reply.tool("User", {"name": "J", "age": -1}))
    with pytest.raises(InstructorRetryException):
        await client.create(response_model=User, messages=MESSAGES)


def test_negative_max_retries_counts_as_none(fake: FakeProvider) -> None:
    fake.always(Reply.tool("User", {"name": "J", "age": -1}))
    with pytest.raises(InstructorRetryException):
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=-1)
    assert len(fake.requests) == 1


def test_client_kwargs_go_to_the_sdk_and_the_rest_to_create(fake: FakeProvider) -> None:
    import httpx2 as httpx_module  # the transport this openai SDK version uses

    http_client = openai.DefaultHttpxClient()
    client = client_for(fake, timeout=12.5, max_retries=0, http_client=http_client, temperature=0.2)
    assert client.client.timeout == 12.5 and client.client.max_retries == 0
    assert client.client._client is http_client
    assert client.default_kwargs == {"model": "gpt-4o-mini", "temperature": 0.2}
    fake.add(Reply.tool("User", {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES, max_tokens=5)
    assert fake.requests[0].json["temperature"] == 0.2 and fake.requests[0].json["max_tokens"] == 5
    assert isinstance(http_client, httpx_module.Client)


def test_from_openai_wraps_a_client(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test")
    client = instructor.from_openai(sdk, mode=Mode.JSON_SCHEMA, model="gpt-4o")
    fake.add(Reply.json({"name": "J", "age": 3}))
    assert client.create(response_model=User, messages=MESSAGES).age == 3
    assert fake.requests[0].json["model"] == "gpt-4o"
    assert isinstance(instructor.from_openai(openai.AsyncOpenAI(api_key="k")), instructor.AsyncInstructor)
    with pytest.raises(TypeError, match="openai.OpenAI"):
        instructor.from_openai(object())
    with pytest.raises(instructor.UnsupportedModeError, match="Mode.TOOLS"):
        instructor.from_openai(sdk, mode=Mode.ANTHROPIC_TOOLS)


def test_repr_never_shows_the_key(fake: FakeProvider) -> None:
    client = client_for(fake)
    assert "sk-test" not in repr(client)
    assert repr(client) == "Instructor(provider='openai', mode=Mode.TOOLS, model='gpt-4o-mini')"


def test_parallel_tools_returns_each_call(fake: FakeProvider) -> None:
    class Weather(BaseModel):
        city: str

    fake.add(Reply.tools(("Weather", {"city": "Paris"}), ("Weather", {"city": "Oslo"})))
    result = client_for(fake, Mode.PARALLEL_TOOLS).create(response_model=Weather, messages=MESSAGES)
    assert [w.city for w in result] == ["Paris", "Oslo"]
    assert fake.requests[0].json["tool_choice"] == "auto"
