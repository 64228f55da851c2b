"""COMPAT.md section 5: `instructor.patch` and `instructor.apatch`."""

from __future__ import annotations

import inspect
from typing import Any

import openai
import pytest

try:  # tests/compat as a plain directory, or as a package
    from core_helpers import BAD, GOOD, MESSAGES, User
except ImportError:  # pragma: no cover
    from compat.core_helpers import BAD, GOOD, MESSAGES, User

import instructor
from instructor import InstructorRetryException, Mode
from instructor.mode import reset_deprecated_mode_warnings
from instructor.testing import FakeProvider, Reply


def sdk(fake: FakeProvider) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)


def test_s5_patch_client_in_place_returns_the_same_client(fake: FakeProvider) -> None:
    client = sdk(fake)
    assert instructor.patch(client) is client
    fake.add(GOOD)
    user = client.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=MESSAGES)
    assert user == User(name="Jason", age=25) and user._raw_response.model == "gpt-4o-mini"
    assert fake.requests[0].json["tool_choice"] == {"type": "function", "function": {"name": "User"}}


def test_s5_patch_create_wraps_any_openai_shaped_function(fake: FakeProvider) -> None:
    client = sdk(fake)

    def create_chat_completion(**kwargs: Any) -> Any:  # a llama-cpp style function: kwargs in, completion out
        return client.chat.completions.create(model="local-model", **kwargs)

    create = instructor.patch(create=create_chat_completion)
    assert inspect.isfunction(create) and create.__wrapped__ is create_chat_completion
    fake.add(BAD, GOOD)
    assert create(response_model=User, messages=MESSAGES).age == 25
    assert len(fake.requests) == 2 and fake.requests[0].json["model"] == "local-model"


def test_s5_neither_client_nor_create_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Either client or create must be provided"):
        instructor.patch()


def test_s5_client_without_chat_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        instructor.patch(object())


def test_s5_unregistered_mode_is_a_registry_error(fake: FakeProvider) -> None:
    with pytest.raises(instructor.RegistryError) as info:
        instructor.patch(sdk(fake), mode=Mode.ANTHROPIC_TOOLS)
    assert isinstance(info.value, instructor.ConfigurationError)


def test_s5_legacy_aliases_are_normalised_with_the_deprecation_warning(fake: FakeProvider) -> None:
    # COMPAT 5: "legacy aliases of the provider are normalised with the deprecation warning of 4.2"
    reset_deprecated_mode_warnings()  # the warning comes once per mode per process
    with pytest.warns(DeprecationWarning, match="FUNCTIONS"):
        client = instructor.patch(sdk(fake), mode=Mode.FUNCTIONS)
    fake.add(GOOD)
    assert client.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=MESSAGES).age == 25
    assert fake.requests[0].json["tool_choice"] == {"type": "function", "function": {"name": "User"}}  # as TOOLS


def test_s5_gemini_json_on_an_openai_client_is_read_as_md_json(fake: FakeProvider) -> None:
    # as from_openai(client, mode=Mode.GEMINI_JSON) (an OpenAI-compatible endpoint serving Gemini)
    reset_deprecated_mode_warnings()
    with pytest.warns(DeprecationWarning, match="GEMINI_JSON"):
        client = instructor.patch(sdk(fake), mode=Mode.GEMINI_JSON)
    fake.add(Reply(content='```json\n{"name": "Jason", "age": 25}\n```'))
    assert client.chat.completions.create(model="gemini-2.5-flash", response_model=User, messages=MESSAGES).age == 25
    assert "tools" not in fake.requests[0].json


async def test_s5_async_client_gets_a_coroutine_function(fake: FakeProvider) -> None:
    client = instructor.patch(openai.AsyncOpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0))
    assert inspect.iscoroutinefunction(client.chat.completions.create)
    fake.add(GOOD)
    user = await client.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=MESSAGES)
    assert user.age == 25


def test_s5_patched_function_wraps_the_original(fake: FakeProvider) -> None:
    client = sdk(fake)
    original = client.chat.completions.create
    instructor.patch(client)
    patched = client.chat.completions.create
    assert patched.__name__ == "create" and patched.__wrapped__ == original
    assert inspect.signature(patched) == inspect.signature(original)


def test_s5_keywords_are_positional_in_the_published_order(fake: FakeProvider) -> None:
    create = instructor.patch(sdk(fake)).chat.completions.create
    fake.add(Reply.tool("User", {"name": "Jason", "age": "25"}), GOOD)
    # response_model, context, max_retries, strict, hooks, token_budget
    user = create(User, None, 1, True, None, None, model="gpt-4o-mini", messages=MESSAGES)
    assert user.age == 25 and len(fake.requests) == 2  # strict: "25" is re-asked


def test_s5_default_max_retries_is_one(fake: FakeProvider) -> None:
    create = instructor.patch(sdk(fake)).chat.completions.create
    fake.always(BAD)
    with pytest.raises(InstructorRetryException) as info:
        create(model="gpt-4o-mini", response_model=User, messages=MESSAGES)
    assert info.value.n_attempts == 2 and len(fake.requests) == 2


def test_s5_response_model_none_returns_the_sdk_response(fake: FakeProvider) -> None:
    create = instructor.patch(sdk(fake)).chat.completions.create
    fake.add(Reply.text("hello"))
    completion = create(model="gpt-4o-mini", messages=MESSAGES)
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert "tools" not in fake.requests[0].json


def test_s5_validation_context_is_accepted(fake: FakeProvider) -> None:
    from pydantic import BaseModel, ValidationInfo, field_validator

    class Greeting(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def mentions(cls, value: str, info: ValidationInfo) -> str:
            assert info.context and info.context["name"] in value
            return value

    create = instructor.patch(sdk(fake)).chat.completions.create
    fake.add(Reply.tool("Greeting", {"text": "hi Zed"}))
    greeting = create(model="gpt-4o-mini", response_model=Greeting, messages=MESSAGES,
                      validation_context={"name": "Zed"})
    assert greeting.text == "hi Zed" and "validation_context" not in fake.requests[0].json


def test_s5_apatch_warns_and_patches(fake: FakeProvider) -> None:
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=fake.openai_base_url)
    with pytest.warns(DeprecationWarning, match="apatch is deprecated"):
        assert instructor.apatch(client) is client
    assert inspect.iscoroutinefunction(client.chat.completions.create)


def test_s5_exported_from_instructor_and_instructor_core() -> None:
    import instructor.core

    assert instructor.core.patch is instructor.patch and instructor.core.apatch is instructor.apatch
    assert "patch" in instructor.__all__ and "apatch" in instructor.__all__


def test_s5_signatures_have_the_published_defaults() -> None:
    # COMPAT 5: patch(client=None, create=None, mode=Mode.TOOLS, provider=Provider.OPENAI),
    # apatch(client, mode=Mode.TOOLS, provider=Provider.OPENAI)
    patch = inspect.signature(instructor.patch).parameters
    assert [(p.name, p.default) for p in patch.values()] == [
        ("client", None), ("create", None), ("mode", Mode.TOOLS), ("provider", instructor.Provider.OPENAI)]
    assert patch["mode"].default is Mode.TOOLS and patch["provider"].default is instructor.Provider.OPENAI
    apatch = inspect.signature(instructor.apatch).parameters
    assert list(apatch) == ["client", "mode", "provider"] and apatch["client"].default is inspect.Parameter.empty
    assert apatch["mode"].default is Mode.TOOLS and apatch["provider"].default is instructor.Provider.OPENAI
