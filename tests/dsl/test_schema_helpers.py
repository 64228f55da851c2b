"""Schema helpers (COMPAT.md section 6.4): the generate_* builders, ResponseSchema /
OpenAISchema, response_schema / openai_schema, and from_response over real SDK responses."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Optional

import anthropic
import openai
import pytest
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

import instructor
from instructor import Mode
from instructor.testing import FakeProvider, Reply


class Address(BaseModel):
    city: str


class User(BaseModel):
    """Extract a user.

    Args:
        name: the full name
        age: age in years
    """

    name: str
    age: int = Field(description="The age")
    nick: Optional[str] = None  # noqa: UP045 - the section's example, as written there
    addr: Address


class U2(instructor.OpenAISchema):
    """A user."""

    name: str


class Plain(BaseModel):
    x: int


ADDRESS_DEF = {"properties": {"city": {"title": "City", "type": "string"}},
               "required": ["city"], "title": "Address", "type": "object"}
USER_DOC = "Extract a user.\n\nArgs:\n    name: the full name\n    age: age in years"


# -- generate_openai_schema ---------------------------------------------------------------------
def test_generate_openai_schema_of_the_sections_example() -> None:
    assert instructor.generate_openai_schema(User) == {
        "name": "User",
        "description": USER_DOC,
        "parameters": {
            "$defs": {"Address": ADDRESS_DEF},
            "properties": {
                "name": {"title": "Name", "type": "string", "description": "the full name"},
                "age": {"description": "The age", "title": "Age", "type": "integer"},
                "nick": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Nick"},
                "addr": {"$ref": "#/$defs/Address"},
            },
            "required": ["addr", "age", "name"],
            "type": "object",
        },
    }


def test_a_class_without_docstring_gets_the_default_description() -> None:
    assert instructor.generate_openai_schema(Plain)["description"] == (
        "Correctly extracted `Plain` with all the required parameters with correct types")


def test_the_name_is_the_schema_title() -> None:
    class Renamed(BaseModel):
        model_config = {"title": "Person"}
        name: str

    assert instructor.generate_openai_schema(Renamed)["name"] == "Person"


def test_docstring_descriptions_never_replace_field_descriptions() -> None:
    props = instructor.generate_openai_schema(User)["parameters"]["properties"]
    assert props["age"]["description"] == "The age"  # the Field's, not "age in years"


def test_generate_openai_schema_is_cached_per_class() -> None:
    assert instructor.generate_openai_schema(User) is instructor.generate_openai_schema(User)
    assert instructor.generate_anthropic_schema(User) is instructor.generate_anthropic_schema(User)


def test_generate_openai_schema_leaves_the_shared_schema_untouched() -> None:
    instructor.generate_openai_schema(User)
    assert "description" not in User.model_json_schema()["properties"]["name"]
    assert User.model_json_schema()["required"] == ["name", "age", "addr"]


def test_a_non_model_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="pydantic model class.*got int"):
        instructor.generate_openai_schema(int)  # type: ignore[arg-type]


# -- generate_anthropic_schema -------------------------------------------------------------------
def test_generate_anthropic_schema_keeps_pydantics_schema() -> None:
    assert instructor.generate_anthropic_schema(User) == {
        "name": "User",
        "description": USER_DOC,
        "input_schema": User.model_json_schema(),
    }
    input_schema = instructor.generate_anthropic_schema(User)["input_schema"]
    assert input_schema["title"] == "User" and input_schema["description"] == USER_DOC
    assert input_schema["required"] == ["name", "age", "addr"]  # pydantic's order, unsorted
    assert "description" not in input_schema["properties"]["name"]  # no docstring merge


# -- generate_gemini_schema ----------------------------------------------------------------------
def test_generate_gemini_schema_warns_then_returns_a_function_declaration() -> None:
    with pytest.warns(DeprecationWarning, match="generate_gemini_schema is deprecated"):
        declaration = instructor.generate_gemini_schema(User)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import google.generativeai as genai
    assert isinstance(declaration, genai.types.FunctionDeclaration)
    proto = declaration.to_proto()
    assert proto.name == "User" and proto.description == USER_DOC
    assert sorted(proto.parameters.properties) == ["addr", "age", "name", "nick"]
    assert proto.parameters.properties["addr"].properties["city"].type_.name == "STRING"


def test_generate_gemini_schema_without_the_sdk_names_google_genai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.generativeai", None)
    with pytest.warns(DeprecationWarning), pytest.raises(ImportError, match="google-genai"):
        instructor.generate_gemini_schema(User)


# -- ResponseSchema / OpenAISchema ---------------------------------------------------------------
def test_the_aliases_are_the_same_objects() -> None:
    assert instructor.ResponseSchema is instructor.OpenAISchema
    assert instructor.response_schema is instructor.openai_schema
    from instructor import function_calls

    assert function_calls.OpenAISchema is instructor.OpenAISchema
    assert function_calls.openai_schema is instructor.openai_schema
    assert function_calls.generate_openai_schema is instructor.generate_openai_schema
    assert issubclass(instructor.ResponseSchema, BaseModel)


def test_class_properties() -> None:
    assert U2.openai_schema == {
        "name": "U2", "description": "A user.",
        "parameters": {"properties": {"name": {"title": "Name", "type": "string"}},
                       "required": ["name"], "type": "object"},
    }
    assert U2.anthropic_schema == {"name": "U2", "description": "A user.",
                                   "input_schema": U2.model_json_schema()}
    assert U2(name="x").openai_schema == U2.openai_schema  # through an instance too
    assert "openai_schema" not in U2.model_fields
    with pytest.warns(DeprecationWarning):
        assert U2.gemini_schema.to_proto().name == "U2"


def test_response_schema_wraps_a_model_in_a_new_subclass() -> None:
    wrapped = instructor.openai_schema(User)
    assert wrapped is not User and wrapped.__name__ == "User" and wrapped.__doc__ == User.__doc__
    assert wrapped.__bases__ == (User, instructor.ResponseSchema)
    assert wrapped.openai_schema == instructor.generate_openai_schema(User)
    assert instructor.response_schema(User) is wrapped  # made once per class
    assert isinstance(wrapped(name="a", age=1, addr={"city": "c"}), User)


@pytest.mark.parametrize("bad", [int, 5])
def test_response_schema_refuses_non_models(bad: object) -> None:
    with pytest.raises(TypeError, match="response_model must be a subclass of pydantic.BaseModel, got int"):
        instructor.response_schema(bad)  # type: ignore[arg-type]


# -- from_response, on real SDK responses --------------------------------------------------------
def openai_completion(fake: FakeProvider, reply: Reply, **kw: object) -> object:
    fake.add(reply)
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test")
    return sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                                       **kw)  # type: ignore[call-overload]


def test_from_response_reads_an_openai_tool_call(fake: FakeProvider) -> None:
    completion = openai_completion(fake, Reply.tool("U2", {"name": "Jason"}),
                                   tools=[{"type": "function", "function": U2.openai_schema}])
    user = U2.from_response(completion)
    assert user == U2(name="Jason")
    assert user._raw_response is completion  # type: ignore[attr-defined]


def test_from_response_signature() -> None:
    import inspect

    params = inspect.signature(U2.from_response).parameters
    assert list(params) == ["completion", "validation_context", "strict", "mode", "provider"]
    assert params["validation_context"].default is None and params["strict"].default is None
    assert params["mode"].default is Mode.TOOLS


def test_from_response_raises_pydantics_validation_error(fake: FakeProvider) -> None:
    completion = openai_completion(fake, Reply.tool("U2", {"name": 5}))
    with pytest.raises(ValidationError):
        U2.from_response(completion)


def test_from_response_is_lax_by_default_and_strict_on_request(fake: FakeProvider) -> None:
    class Counted(instructor.OpenAISchema):
        n: int

    completion = openai_completion(fake, Reply.tool("Counted", {"n": "3"}))
    assert Counted.from_response(completion).n == 3
    with pytest.raises(ValidationError):
        Counted.from_response(completion, strict=True)


def test_from_response_passes_the_validation_context(fake: FakeProvider) -> None:
    class Quoted(instructor.OpenAISchema):
        quote: str

        @field_validator("quote")
        @classmethod
        def in_source(cls, value: str, info: ValidationInfo) -> str:
            if value not in (info.context or {}).get("source", ""):
                raise ValueError("quote not in source")
            return value

    completion = openai_completion(fake, Reply.tool("Quoted", {"quote": "brown fox"}))
    assert Quoted.from_response(completion, validation_context={"source": "the brown fox"}).quote == "brown fox"
    with pytest.raises(ValidationError, match="quote not in source"):
        Quoted.from_response(completion, validation_context={"source": "a lazy dog"})


def test_from_response_in_json_mode(fake: FakeProvider) -> None:
    completion = openai_completion(fake, Reply.text(json.dumps({"name": "Ada"})))
    assert U2.from_response(completion, mode=Mode.JSON) == U2(name="Ada")


def test_from_response_reads_an_anthropic_tool_use(fake: FakeProvider) -> None:
    fake.add(Reply.tool("U2", {"name": "Claude"}))
    sdk = anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="sk-test")
    message = sdk.messages.create(model="claude-sonnet-4-6", max_tokens=100,
                                  messages=[{"role": "user", "content": "hi"}],
                                  tools=[{**U2.anthropic_schema}])  # type: ignore[list-item]
    user = U2.from_response(message, mode=Mode.ANTHROPIC_TOOLS)
    assert user == U2(name="Claude") and user._raw_response is message  # type: ignore[attr-defined]


# -- laziness ------------------------------------------------------------------------------------
def run(code: str, env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env, timeout=120).stdout.strip()


@pytest.mark.subprocess
def test_each_feature_loads_only_its_own_modules(subprocess_env: dict[str, str]) -> None:
    code = """
import sys, instructor
loaded = lambda *names: [n for n in names if n in sys.modules]
print(loaded("instructor.function_calls", "instructor.validators", "instructor.distil", "docstring_parser"))
instructor.OpenAISchema
print(loaded("docstring_parser", "openai", "instructor.validators", "instructor.distil"))
class U(instructor.OpenAISchema):
    '''A user.

    Args:
        name: the name
    '''
    name: str
U.openai_schema
print(loaded("docstring_parser", "openai", "google.generativeai"))
instructor.Instructions(); instructor.llm_validator; instructor.openai_moderation
print(loaded("openai", "google.generativeai"))
"""
    out = run(code, subprocess_env).splitlines()
    assert out == ["[]", "[]", "['docstring_parser']", "[]"]
