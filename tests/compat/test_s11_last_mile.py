"""COMPAT.md section 11 (11.6-11.13): the last mile, through the real SDKs against the fake provider.

The batch and cache facts (11.1-11.5) have their own tests (tests/test_batch*.py, tests/core/test_cache.py);
the two defects of the published release are in test_s11_defects.py, what goes beyond it in
test_s11_beyond.py.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
from typing import Any, List, TypeVar  # noqa: UP035 - `List[M]` is the spelling under test
from unittest.mock import Mock

import anthropic
import openai
import pydantic
import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import InstructorRetryException, Mode, ModeError
from instructor.core.exceptions import RefusalError
from instructor.testing import FakeProvider, Reply

from .modes_support import CLAUDE, aws

MESSAGES = [{"role": "user", "content": "Jason is 25"}]
JASON = {"name": "Jason", "age": 25}


class User(BaseModel):
    name: str
    age: int


def openai_client(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: Any) -> Any:
    return instructor.from_openai(openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0),
                                  mode=mode, model="gpt-4o-mini", **kw)


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    return Reply.tool("User", obj, **kw) if mode in (Mode.TOOLS, Mode.TOOLS_STRICT) else Reply.json(obj, **kw)


# -- 11.6 refusals and Mock responses --------------------------------------------------------------
def mock_openai(content: str | None = None, tool_arguments: str | None = None) -> tuple[Any, Mock]:
    """An OpenAI-shaped `Mock` client whose create answers `content` (or one tool call); its create mock."""
    client = Mock()
    response = Mock()
    response.choices = [Mock()]
    message = response.choices[0].message
    message.content = content
    if tool_arguments is not None:
        call = Mock()
        call.function.arguments = tool_arguments
        message.tool_calls = [call]
    create = client.chat.completions.create
    create.return_value = response
    return client, create


@pytest.mark.parametrize("content", ["invalid json {", '{"name": "John"}'])
def test_s11_6_a_mock_patched_client_is_reasked_max_retries_times(content: str) -> None:
    # the published release's own test_retry_json_mode.py: an unset `refusal` and `usage` are Mocks
    client, create = mock_openai(content)
    patched = instructor.patch(client, mode=Mode.JSON)
    with pytest.raises(InstructorRetryException) as info:
        patched.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=MESSAGES, max_retries=2)
    assert create.call_count == 3 and info.value.n_attempts == 3
    assert [type(a.exception) for a in info.value.failed_attempts] == [pydantic.ValidationError] * 3


def test_s11_6_a_mock_tools_answer_is_reasked_like_a_real_one() -> None:
    client, create = mock_openai(tool_arguments='{"name": "John"}')
    patched = instructor.patch(client, mode=Mode.TOOLS)
    with pytest.raises(InstructorRetryException) as info:
        patched.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=MESSAGES, max_retries=2)
    assert create.call_count == 3 and info.value.n_attempts == 3
    assert all(isinstance(a.exception, pydantic.ValidationError) for a in info.value.failed_attempts)


def test_s11_6_an_unset_mock_usage_is_no_usage() -> None:
    client, create = mock_openai(json.dumps(JASON))
    user = instructor.patch(client, mode=Mode.JSON).chat.completions.create(
        model="gpt-4o-mini", response_model=User, messages=MESSAGES)
    assert user == User(**JASON) and create.call_count == 1
    assert getattr(user, "_total_usage", None) is None  # a Mock is no usage object


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA])
def test_s11_6_a_refusal_is_a_non_empty_string_in_every_mode(fake: FakeProvider, mode: Mode) -> None:
    fake.add(Reply(refusal="I can't help with that."))
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake, mode).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, RefusalError) and isinstance(info.value.__cause__, AssertionError)
    assert len(fake.requests) == 1  # never re-asked


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.MD_JSON])
def test_s11_6_an_empty_refusal_is_no_refusal(fake: FakeProvider, mode: Mode) -> None:
    reply = answer(mode, JASON)
    reply.refusal = ""
    reply.content = reply.content if mode is not Mode.MD_JSON else f"```json\n{json.dumps(JASON)}\n```"
    fake.add(reply)
    assert openai_client(fake, mode).create(response_model=User, messages=MESSAGES) == User(**JASON)


def test_s11_6_a_streamed_refusal_is_not_reasked(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="No."))
    with pytest.raises(InstructorRetryException):
        list(openai_client(fake, Mode.JSON).create_partial(response_model=User, messages=MESSAGES))
    assert len(fake.requests) == 1


# -- 11.7 ModeError from a factory ---------------------------------------------------------------
def test_s11_7_anthropic_mode_error_carries_provider_mode_and_valid_modes(fake: FakeProvider) -> None:
    sdk = anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url)
    with pytest.raises(ModeError) as info:
        instructor.from_anthropic(sdk, mode=Mode.GEMINI_JSON)
    error = info.value
    assert isinstance(error, instructor.UnsupportedModeError)  # ours, a ModeError subclass
    assert error.provider == "anthropic" and error.mode == "gemini_json"
    # the published values, sorted; MD_JSON is served too since 11.11 (test_s11_beyond.py)
    assert error.valid_modes == ["json_mode", "json_schema_mode", "markdown_json_mode", "parallel_tool_call",
                                 "tool_call"]
    assert str(error).startswith("Invalid mode 'gemini_json' for provider 'anthropic'. Valid modes: json_mode, ")


def test_s11_7_openai_mode_error_names_openai(fake: FakeProvider) -> None:
    with pytest.raises(ModeError) as info:
        openai_client(fake, Mode.BEDROCK_TOOLS)
    error = info.value
    assert (error.provider, error.mode) == ("openai", "bedrock_tools")
    assert {"json_mode", "json_schema_mode", "markdown_json_mode", "parallel_tool_call", "responses_tools",
            "tool_call"} <= set(error.valid_modes)
    assert error.valid_modes == sorted(error.valid_modes)
    assert str(error).startswith("Invalid mode 'bedrock_tools' for provider 'openai'")


@pytest.mark.parametrize(("factory", "provider"), [("from_bedrock", "bedrock"), ("from_genai", "google"),
                                                  ("from_mistral", "mistral"), ("from_groq", "groq")])
def test_s11_7_every_factory_names_its_provider(factory: str, provider: str) -> None:
    with pytest.raises(ModeError) as info:  # the mode is checked before the client
        getattr(instructor, factory)(object(), mode=Mode.RESPONSES_TOOLS)
    assert info.value.provider == provider
    assert str(info.value).startswith(f"Invalid mode 'responses_tools' for provider '{provider}'")


def test_s11_7_mode_error_constructor_and_message() -> None:
    error = ModeError("gemini_json", "anthropic", ["json_mode", "tool_call"])
    assert (error.mode, error.provider, error.valid_modes) == ("gemini_json", "anthropic", ["json_mode", "tool_call"])
    assert str(error) == "Invalid mode 'gemini_json' for provider 'anthropic'. Valid modes: json_mode, tool_call."


# -- 11.8 docstring "Args:" in the request --------------------------------------------------------
class Person(BaseModel):
    """A person mentioned in the text.

    Args:
        name: the person's full name
        age: their age in years
        city: where they live
    """

    name: str
    city: str = Field(description="the city, as written")
    age: int


@pytest.mark.parametrize("model", [Person, instructor.openai_schema(Person)], ids=["BaseModel", "ResponseSchema"])
def test_s11_8_docstring_args_reach_the_openai_tools_request(fake: FakeProvider, model: Any) -> None:
    fake.add(Reply.tool("Person", {"name": "Jason", "city": "Paris", "age": 25}))
    openai_client(fake).create(response_model=model, messages=MESSAGES)
    parameters = fake.requests[0].json["tools"][0]["function"]["parameters"]
    properties = parameters["properties"]
    assert properties["name"]["description"] == "the person's full name"
    assert properties["age"]["description"] == "their age in years"
    assert properties["city"]["description"] == "the city, as written"  # Field(description=) wins
    assert parameters["required"] == ["age", "city", "name"]  # sorted, as published


def test_s11_8_anthropic_tools_send_the_models_own_schema(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Person", {"name": "Jason", "city": "Paris", "age": 25}))
    client = instructor.from_anthropic(anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url),
                                       model=CLAUDE)
    client.create(response_model=Person, messages=MESSAGES)
    assert fake.requests[0].json["tools"][0]["input_schema"] == Person.model_json_schema()


# -- 11.9 module paths ------------------------------------------------------------------------------
def test_s11_9_instructor_validation_publishes_its_names() -> None:
    import instructor.validation as validation
    from instructor.validator_schema import Validator

    assert validation.__all__ == ["ASYNC_MODEL_VALIDATOR_KEY", "ASYNC_VALIDATOR_KEY", "AsyncValidationContext",
                                  "AsyncValidationError", "Validator", "async_field_validator",
                                  "async_model_validator", "llm_validator", "openai_moderation"]
    assert validation.llm_validator is instructor.llm_validator
    assert validation.openai_moderation is instructor.openai_moderation
    assert validation.AsyncValidationError is instructor.AsyncValidationError
    assert validation.Validator is Validator and issubclass(Validator, instructor.ResponseSchema)
    assert validation.AsyncValidationContext(context={"a": 1}).context == {"a": 1}


def test_s11_9_a_model_with_async_validators_is_refused_before_any_request(fake: FakeProvider) -> None:
    from instructor.validation import async_field_validator

    class Checked(BaseModel):
        name: str

        @async_field_validator("name")
        async def check_name(self, value: str) -> None: ...

    with pytest.raises(ValueError, match="async validators"):
        openai_client(fake).create(response_model=Checked, messages=MESSAGES)
    assert fake.requests == []


def test_s11_9_disable_pydantic_error_url() -> None:
    from instructor.utils import disable_pydantic_error_url

    def error() -> pydantic.ValidationError:
        try:
            User.model_validate({"name": "J"})
        except pydantic.ValidationError as exc:
            return exc
        raise AssertionError("no error")

    original = pydantic.ValidationError.__str__
    try:
        assert "https://errors.pydantic.dev" in str(error())
        disable_pydantic_error_url()
        disable_pydantic_error_url()  # idempotent
        shown = str(error())
        assert "https://errors.pydantic.dev" not in shown and "Field required" in shown
        assert "https://errors.pydantic.dev" in repr(error()) and error().errors()[0]["url"].startswith("https://")
    finally:
        pydantic.ValidationError.__str__ = original  # type: ignore[method-assign]


def test_s11_9_core_client_publishes_its_names() -> None:
    from instructor.core.client import (
        AsyncInstructor,
        AsyncResponse,
        HookName,
        Hooks,
        Instructor,
        Partial,
        Provider,
        Response,
        T,
        from_litellm,
        from_openai,
    )
    from instructor.core.client import Mode as ClientMode

    assert (Instructor, AsyncInstructor, Hooks, HookName, ClientMode, Provider, Partial) == (
        instructor.Instructor, instructor.AsyncInstructor, instructor.Hooks, instructor.HookName, instructor.Mode,
        instructor.Provider, instructor.Partial)
    assert from_openai is instructor.from_openai and from_litellm is instructor.from_litellm
    assert Response.__name__ == "ResponsesHelper" and issubclass(AsyncResponse, Response)
    assert isinstance(T, TypeVar) and T.__bound__ is None and T.__constraints__ == ()


def test_s11_9_handle_response_model(fake: FakeProvider) -> None:
    from instructor.processing.response import handle_response_model

    params = inspect.signature(handle_response_model).parameters
    assert list(params) == ["response_model", "mode", "provider", "kwargs"]
    assert params["mode"].default is Mode.TOOLS and params["provider"].default is instructor.Provider.OPENAI
    assert handle_response_model(None, messages=MESSAGES) == (None, {"messages": MESSAGES})

    model, request = handle_response_model(User, messages=MESSAGES)
    assert issubclass(model, User) and issubclass(model, instructor.ResponseSchema) and model.__name__ == "User"
    assert request["tool_choice"] == {"type": "function", "function": {"name": "User"}}
    assert request["tools"][0]["function"]["name"] == "User" and request["messages"] == MESSAGES

    model, request = handle_response_model(int, mode=Mode.JSON, messages=MESSAGES)
    assert model.__name__ == "Response" and request["response_format"] == {"type": "json_object"}
    assert request["messages"][0]["role"] == "system" and "json_schema" in request["messages"][0]["content"]

    system = [{"role": "system", "content": "Be brief."}, *MESSAGES]
    _, request = handle_response_model(User, mode=Mode.TOOLS, provider=instructor.Provider.ANTHROPIC,
                                       messages=system)
    assert request["system"] == [{"type": "text", "text": "Be brief."}] and request["messages"] == MESSAGES
    assert request["tools"][0]["name"] == "User"

    # what it prepares is what create sends
    fake.add(Reply.tool("User", JASON))
    openai_client(fake).create(response_model=User, messages=MESSAGES)
    _, request = handle_response_model(User, messages=MESSAGES, model="gpt-4o-mini")
    sent = fake.requests[0].json
    assert (sent["tools"], sent["tool_choice"]) == (request["tools"], request["tool_choice"])


@pytest.mark.subprocess
def test_s11_9_the_paths_cost_nothing_at_import(subprocess_env: dict[str, str]) -> None:
    code = """
import sys, instructor
paths = ["instructor.validation", "instructor.utils", "instructor.client", "instructor.processing.response",
         "instructor._published", "instructor.core.client", "pydantic"]
print([p for p in paths if p in sys.modules])
import instructor.utils, instructor.validation, instructor.client
print([p for p in ("pydantic", "openai", "instructor.validators") if p in sys.modules])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=120, check=True).stdout.splitlines()
    assert out == ["[]", "[]"]  # nothing at `import instructor`; the paths themselves load no names


# -- 11.10 List[M] / list[M] with stream=True ----------------------------------------------------------
ITEMS = {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}


@pytest.mark.parametrize("response_model", [list[User], List[User]], ids=["list", "List"])  # noqa: UP006
def test_s11_10_a_streamed_list_yields_its_items(fake: FakeProvider, response_model: Any) -> None:
    fake.add(Reply.tool("IterableUser", ITEMS))
    items = openai_client(fake).create(response_model=response_model, messages=MESSAGES, stream=True)
    assert inspect.isgenerator(items)
    assert list(items) == [User(name="A", age=1), User(name="B", age=2)]
    sent = fake.requests[0].json
    assert sent["stream"] is True and sent["tools"][0]["function"]["name"] == "IterableUser"


def test_s11_10_a_streamed_list_async_is_an_async_generator(fake: FakeProvider) -> None:
    client = instructor.from_openai(openai.AsyncOpenAI(api_key="k", base_url=fake.openai_base_url),
                                    model="gpt-4o-mini")

    async def main() -> list[User]:
        items = await client.create(response_model=list[User], messages=MESSAGES, stream=True)
        assert inspect.isasyncgen(items)
        return [user async for user in items]

    fake.add(Reply.tool("IterableUser", ITEMS))
    assert asyncio.run(main()) == [User(name="A", age=1), User(name="B", age=2)]


def test_s11_10_a_list_without_stream_is_a_list_response(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", ITEMS))  # asked for as Iterable[User] (COMPAT 10.1)
    users = openai_client(fake).create(response_model=list[User], messages=MESSAGES)
    assert isinstance(users, instructor.ListResponse) and users == [User(name="A", age=1), User(name="B", age=2)]


# -- from_litellm(fn) without the litellm package ---------------------------------------------
def test_s11_from_litellm_wraps_any_openai_shaped_callable_without_litellm(
        fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)  # not installed
    sdk = openai.OpenAI(api_key="k", base_url=fake.openai_base_url, max_retries=0)
    client = instructor.from_litellm(sdk.chat.completions.create, mode=Mode.JSON, model="gpt-4o-mini")
    fake.add(Reply.json(JASON))
    assert client.create(response_model=User, messages=MESSAGES) == User(**JASON)
    assert fake.requests[0].json["response_format"] == {"type": "json_object"}
    with pytest.raises(instructor.MissingDependencyError, match=r"instructor\[litellm\]"):
        instructor.from_provider("litellm/gpt-4o-mini")  # only here must litellm itself be imported


def test_s11_from_litellm_a_plain_function_and_a_coroutine_function(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="k", base_url=fake.openai_base_url, max_retries=0)
    calls: list[dict[str, Any]] = []

    def completion(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return sdk.chat.completions.create(**kwargs)

    async def acompletion(**kwargs: Any) -> Any:
        return completion(**kwargs)

    fake.add(Reply.tool("User", JASON), Reply.tool("User", JASON))
    assert instructor.from_litellm(completion, model="gpt-4o-mini").create(
        response_model=User, messages=MESSAGES) == User(**JASON)
    aclient = instructor.from_litellm(acompletion, model="gpt-4o-mini")
    assert isinstance(aclient, instructor.AsyncInstructor)
    assert asyncio.run(aclient.create(response_model=User, messages=MESSAGES)) == User(**JASON)
    assert calls[0]["tool_choice"] == {"type": "function", "function": {"name": "User"}}


# -- 11.12, 11.13: ours kept (docs/migrating.md) ---------------------------------------------------
def test_s11_12_the_raw_completion_keeps_the_usage_the_sdk_returned(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    _, completion = openai_client(fake).create_with_completion(response_model=User, messages=MESSAGES)
    assert completion.usage.prompt_tokens_details is None  # not zero-filled


def test_s11_12_bedrock_usage_is_the_converse_dict(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    client = instructor.from_provider("bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", **aws(fake))
    _, completion = client.create_with_completion(response_model=User, messages=MESSAGES)
    assert completion["usage"] == {"inputTokens": 11, "outputTokens": 7, "totalTokens": 18}


def test_s11_13_exception_strings_list_the_attempts_without_the_completions(fake: FakeProvider) -> None:
    fake.always(Reply.tool("User", {"name": "Jason Secret-Surname", "age": "not a number"}))
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    text = str(info.value)
    assert "attempt 1" in text and "attempt 2" in text and "ValidationError" in text
    assert "<failed_attempts>" not in text and "Secret-Surname" not in text  # no answer, no personal data
    assert info.value.failed_attempts[0].completion is not None  # still there for the program


def test_s11_13_incomplete_output_wording_is_ours_with_the_published_keywords() -> None:
    error = instructor.IncompleteOutputException(last_completion=None)
    assert isinstance(error, instructor.InstructorError) and "incomplete" in str(error)
    assert str(instructor.IncompleteOutputException(message="cut")).startswith("cut")
