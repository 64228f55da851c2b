"""COMPAT.md section 4: the Mode enum, deprecated aliases, and the modes every factory accepts.

Every factory is driven with a real SDK client; client.mode and the handler chosen are
what the published instructor 1.17.0 gives for the same call.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import cerebras.cloud.sdk as cerebras
import cohere
import fireworks
import groq
import openai
import pytest
import writerai
from google import genai
from mistralai.client import Mistral
from pydantic import BaseModel

import instructor
from instructor import Mode, ModeError, UnsupportedModeError
from instructor.mode import DEPRECATED_TO_CORE, reset_deprecated_mode_warnings
from instructor.testing import FakeProvider, Reply

from .modes_support import bedrock_runtime


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    reset_deprecated_mode_warnings()
    yield
    reset_deprecated_mode_warnings()


# -- 4.1 members ---------------------------------------------------------------------------------
PUBLISHED_MEMBERS = {
    "FUNCTIONS": "function_call", "PARALLEL_TOOLS": "parallel_tool_call", "TOOLS": "tool_call",
    "TOOLS_STRICT": "tools_strict", "JSON": "json_mode", "JSON_O1": "json_o1", "MD_JSON": "markdown_json_mode",
    "JSON_SCHEMA": "json_schema_mode", "RESPONSES_TOOLS": "responses_tools",
    "RESPONSES_TOOLS_WITH_INBUILT_TOOLS": "responses_tools_with_inbuilt_tools", "XAI_JSON": "xai_json",
    "XAI_TOOLS": "xai_tools", "ANTHROPIC_TOOLS": "anthropic_tools",
    "ANTHROPIC_REASONING_TOOLS": "anthropic_reasoning_tools", "ANTHROPIC_JSON": "anthropic_json",
    "ANTHROPIC_PARALLEL_TOOLS": "anthropic_parallel_tools", "MISTRAL_TOOLS": "mistral_tools",
    "MISTRAL_STRUCTURED_OUTPUTS": "mistral_structured_outputs", "VERTEXAI_TOOLS": "vertexai_tools",
    "VERTEXAI_JSON": "vertexai_json", "VERTEXAI_PARALLEL_TOOLS": "vertexai_parallel_tools",
    "GEMINI_JSON": "gemini_json", "GEMINI_TOOLS": "gemini_tools", "GENAI_TOOLS": "genai_tools",
    "GENAI_JSON": "genai_json", "GENAI_STRUCTURED_OUTPUTS": "genai_structured_outputs",
    "COHERE_TOOLS": "cohere_tools", "COHERE_JSON_SCHEMA": "json_object", "CEREBRAS_TOOLS": "cerebras_tools",
    "CEREBRAS_JSON": "cerebras_json", "FIREWORKS_TOOLS": "fireworks_tools", "FIREWORKS_JSON": "fireworks_json",
    "WRITER_TOOLS": "writer_tools", "WRITER_JSON": "writer_json", "BEDROCK_TOOLS": "bedrock_tools",
    "BEDROCK_JSON": "bedrock_json", "PERPLEXITY_JSON": "perplexity_json",
    "OPENROUTER_STRUCTURED_OUTPUTS": "openrouter_structured_outputs",
}


@pytest.mark.parametrize(("name", "value"), PUBLISHED_MEMBERS.items())
def test_s4_1_every_published_member_with_its_value(name: str, value: str) -> None:
    assert Mode[name].value == value
    assert Mode(value) is Mode[name]


def test_s4_1_members_keep_the_published_order() -> None:
    ours = [m.name for m in Mode]
    assert [n for n in ours if n in PUBLISHED_MEMBERS] == list(PUBLISHED_MEMBERS)


def test_s4_1_classmethods_return_sets() -> None:
    assert Mode.parallel_modes() == {Mode.PARALLEL_TOOLS, Mode.ANTHROPIC_PARALLEL_TOOLS, Mode.VERTEXAI_PARALLEL_TOOLS}
    tools, jsons = Mode.tool_modes(), Mode.json_modes()
    assert isinstance(tools, set) and isinstance(jsons, set)
    for both in (Mode.OPENROUTER_STRUCTURED_OUTPUTS, Mode.MISTRAL_STRUCTURED_OUTPUTS):
        assert both in tools and both in jsons
    assert Mode.TOOLS in tools and Mode.JSON in jsons and Mode.MD_JSON not in tools


def test_s4_1_warn_classmethods_warn_once_per_process() -> None:
    with pytest.warns(DeprecationWarning, match="Mode.FUNCTIONS"):
        Mode.warn_mode_functions_deprecation()
    with pytest.warns(DeprecationWarning, match="Mode.ANTHROPIC_REASONING_TOOLS"):
        Mode.warn_anthropic_reasoning_tools_deprecation()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Mode.warn_mode_functions_deprecation()  # no second warning
        Mode.warn_deprecated_mode(Mode.ANTHROPIC_REASONING_TOOLS)
    reset_deprecated_mode_warnings()
    with pytest.warns(DeprecationWarning):
        Mode.warn_deprecated_mode(Mode.FUNCTIONS)


# -- 4.2 the deprecated -> core table --------------------------------------------------------------
PUBLISHED_DEPRECATED = {
    "FUNCTIONS": "TOOLS", "TOOLS_STRICT": "TOOLS", "JSON_O1": "JSON_SCHEMA",
    "RESPONSES_TOOLS_WITH_INBUILT_TOOLS": "RESPONSES_TOOLS", "ANTHROPIC_TOOLS": "TOOLS",
    "ANTHROPIC_REASONING_TOOLS": "TOOLS", "ANTHROPIC_JSON": "JSON", "ANTHROPIC_PARALLEL_TOOLS": "PARALLEL_TOOLS",
    "GENAI_TOOLS": "TOOLS", "GENAI_JSON": "JSON", "GENAI_STRUCTURED_OUTPUTS": "JSON", "MISTRAL_TOOLS": "TOOLS",
    "MISTRAL_STRUCTURED_OUTPUTS": "JSON_SCHEMA", "VERTEXAI_TOOLS": "TOOLS", "VERTEXAI_JSON": "MD_JSON",
    "VERTEXAI_PARALLEL_TOOLS": "PARALLEL_TOOLS", "COHERE_TOOLS": "TOOLS", "COHERE_JSON_SCHEMA": "JSON_SCHEMA",
    "XAI_TOOLS": "TOOLS", "XAI_JSON": "MD_JSON", "FIREWORKS_TOOLS": "TOOLS", "FIREWORKS_JSON": "MD_JSON",
    "CEREBRAS_TOOLS": "TOOLS", "CEREBRAS_JSON": "MD_JSON", "WRITER_TOOLS": "TOOLS", "WRITER_JSON": "MD_JSON",
    "BEDROCK_TOOLS": "TOOLS", "BEDROCK_JSON": "MD_JSON", "PERPLEXITY_JSON": "MD_JSON", "GEMINI_TOOLS": "TOOLS",
    "GEMINI_JSON": "MD_JSON", "OPENROUTER_STRUCTURED_OUTPUTS": "JSON_SCHEMA",
}


def test_s4_2_deprecated_to_core_is_the_published_table() -> None:
    assert {old.name: new.name for old, new in DEPRECATED_TO_CORE.items()} == PUBLISHED_DEPRECATED


# -- 4.3 modes accepted per factory: (factory builder, core modes, default, legacy aliases) ----------
def _openai(fake: FakeProvider) -> Any:
    return openai.OpenAI(api_key="k", base_url=fake.openai_base_url)


FACTORIES: dict[str, tuple[Callable[[FakeProvider, Mode], Any], set[Mode], Mode, set[Mode]]] = {
    "from_openai": (lambda f, m: instructor.from_openai(_openai(f), mode=m),
                    {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.RESPONSES_TOOLS},
                    Mode.TOOLS,
                    {Mode.FUNCTIONS, Mode.JSON_O1}),
    "from_together": (lambda f, m: instructor.from_together(_openai(f), mode=m),
                      {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                      {Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1}),
    "from_anyscale": (lambda f, m: instructor.from_anyscale(_openai(f), mode=m),
                      {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                      {Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1}),
    "from_databricks": (lambda f, m: instructor.from_databricks(_openai(f), mode=m),
                        {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                        {Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1}),
    "from_deepseek": (lambda f, m: instructor.from_deepseek(_openai(f), mode=m),
                      {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                      {Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1}),
    "from_openrouter": (lambda f, m: instructor.from_openrouter(_openai(f), mode=m),
                        {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                        {Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1, Mode.OPENROUTER_STRUCTURED_OUTPUTS}),
    "from_anthropic": (lambda f, m: instructor.from_anthropic(anthropic.Anthropic(api_key="k"), mode=m),
                       {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                       {Mode.ANTHROPIC_TOOLS, Mode.ANTHROPIC_REASONING_TOOLS, Mode.ANTHROPIC_JSON,
                        Mode.ANTHROPIC_PARALLEL_TOOLS}),
    "from_bedrock": (lambda f, m: instructor.from_bedrock(bedrock_runtime(f), mode=m),
                     {Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON_SCHEMA, Mode.MD_JSON}, Mode.TOOLS,
                     {Mode.BEDROCK_TOOLS, Mode.BEDROCK_JSON}),
    "from_genai": (lambda f, m: instructor.from_genai(genai.Client(api_key="k"), mode=m),
                   {Mode.TOOLS, Mode.JSON}, Mode.TOOLS,
                   {Mode.GENAI_TOOLS, Mode.GENAI_JSON, Mode.GENAI_STRUCTURED_OUTPUTS}),
    "from_cohere": (lambda f, m: instructor.from_cohere(cohere.ClientV2(api_key="k"), mode=m),
                    {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON}, Mode.TOOLS,
                    {Mode.COHERE_TOOLS, Mode.COHERE_JSON_SCHEMA}),
    "from_mistral": (lambda f, m: instructor.from_mistral(Mistral(api_key="k"), mode=m),
                     {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON}, Mode.TOOLS,
                     {Mode.MISTRAL_TOOLS, Mode.MISTRAL_STRUCTURED_OUTPUTS}),
    "from_groq": (lambda f, m: instructor.from_groq(groq.Groq(api_key="k"), mode=m),
                  {Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON}, Mode.TOOLS, set()),
    "from_fireworks": (lambda f, m: instructor.from_fireworks(fireworks.Fireworks(api_key="k"), mode=m),
                       {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON}, Mode.TOOLS,
                       {Mode.FIREWORKS_TOOLS, Mode.FIREWORKS_JSON}),
    "from_cerebras": (lambda f, m: instructor.from_cerebras(cerebras.Cerebras(api_key="k",
                                                                              warm_tcp_connection=False), mode=m),
                      {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                      {Mode.CEREBRAS_TOOLS, Mode.CEREBRAS_JSON}),
    "from_writer": (lambda f, m: instructor.from_writer(writerai.Writer(api_key="k"), mode=m),
                    {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON}, Mode.TOOLS, {Mode.WRITER_TOOLS, Mode.WRITER_JSON}),
    "from_xai": (lambda f, m: instructor.from_xai(_openai(f), mode=m),
                 {Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS}, Mode.TOOLS,
                 {Mode.XAI_TOOLS, Mode.XAI_JSON}),
    "from_perplexity": (lambda f, m: instructor.from_perplexity(_openai(f), mode=m),
                        {Mode.MD_JSON}, Mode.MD_JSON, {Mode.PERPLEXITY_JSON}),
}
CORE_CASES = [pytest.param(name, mode, id=f"{name}-{mode.name}")
              for name, (_, modes, _, _) in FACTORIES.items() for mode in sorted(modes, key=lambda m: m.name)]
ALIAS_CASES = [pytest.param(name, mode, id=f"{name}-{mode.name}")
               for name, (_, _, _, aliases) in FACTORIES.items() for mode in sorted(aliases, key=lambda m: m.name)]


@pytest.mark.parametrize(("factory", "mode"), CORE_CASES)
def test_s4_3_every_core_mode_of_the_table_is_accepted(fake: FakeProvider, factory: str, mode: Mode) -> None:
    client = FACTORIES[factory][0](fake, mode)
    assert client.mode is mode
    handler = client.handler
    assert handler.mode is mode  # the provider family's own handler of that core mode


@pytest.mark.parametrize("factory", FACTORIES)
def test_s4_3_the_factory_default_mode(fake: FakeProvider, factory: str) -> None:
    import inspect

    default = inspect.signature(getattr(instructor, factory)).parameters["mode"].default
    expected = FACTORIES[factory][2]
    if factory == "from_bedrock":
        # ours picks by model capability (COMPAT decision 3); without a model: TOOLS
        assert FACTORIES[factory][0](fake, default).mode is expected if default else True
        assert instructor.from_bedrock(bedrock_runtime(fake)).mode is expected
    else:
        assert default is expected


@pytest.mark.parametrize(("factory", "mode"), ALIAS_CASES)
def test_s4_2_a_legacy_alias_maps_to_its_core_mode_and_warns_once(
    fake: FakeProvider, factory: str, mode: Mode
) -> None:
    build = FACTORIES[factory][0]
    with pytest.warns(DeprecationWarning, match=f"Mode.{mode.name} is deprecated") as record:
        client = build(fake, mode)
    assert len([w for w in record if issubclass(w.category, DeprecationWarning)]) == 1
    assert client.mode is DEPRECATED_TO_CORE[mode]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per mode per process
        assert build(fake, mode).mode is DEPRECATED_TO_CORE[mode]


@pytest.mark.parametrize("factory", [f for f in FACTORIES if f != "from_perplexity"])
def test_s4_2_a_deprecated_mode_of_another_provider_is_a_mode_error(fake: FakeProvider, factory: str) -> None:
    other = Mode.BEDROCK_TOOLS if factory != "from_bedrock" else Mode.ANTHROPIC_TOOLS
    with pytest.raises(ModeError) as info:
        FACTORIES[factory][0](fake, other)
    assert isinstance(info.value, UnsupportedModeError)  # ours, with the remedy
    message = str(info.value)
    assert repr(other) in message or other.value in message
    for mode in FACTORIES[factory][1]:
        assert f"Mode.{mode.name}" in message


def test_s4_3_bedrock_json_is_a_mode_error(fake: FakeProvider) -> None:
    # (Anthropic's MD_JSON, a ModeError in the published release, is served since COMPAT 11.11)
    with pytest.raises(ModeError):
        FACTORIES["from_bedrock"][0](fake, Mode.JSON)


class User(BaseModel):
    """A person."""

    name: str
    age: int


def test_s4_2_responses_with_inbuilt_tools_is_responses_tools_without_a_warning(fake: FakeProvider) -> None:
    # section 4.2/8: the alias is normalised silently; the call goes to the Responses API
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = FACTORIES["from_openai"][0](fake, Mode.RESPONSES_TOOLS_WITH_INBUILT_TOOLS)
    assert client.mode is Mode.RESPONSES_TOOLS and client.handler.mode is Mode.RESPONSES_TOOLS
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    assert (user.name, user.age) == ("Jason", 25)
    assert fake.requests[0].path == "/v1/responses"


def test_s4_ours_tools_strict_on_openai_is_a_real_mode(fake: FakeProvider) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = instructor.from_openai(_openai(fake), mode=Mode.TOOLS_STRICT)
    assert client.mode is Mode.TOOLS_STRICT  # COMPAT decision 3: strict schemas are sent


def test_s4_preload_loads_the_providers_own_handlers() -> None:
    from instructor.core.mode_registry import mode_registry

    assert instructor.preload("anthropic") == ["anthropic"]
    for mode in (Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.PARALLEL_TOOLS):
        assert mode_registry.is_loaded(mode, family="anthropic")
        handler = mode_registry.get(mode, family="anthropic")
        assert type(handler).__module__ == "instructor.providers.anthropic.handlers"


def test_s4_2_constructing_instructor_with_functions_warns_once_and_serves_tools(fake: FakeProvider) -> None:
    # COMPAT 4.2: Instructor(..., mode=Mode.FUNCTIONS) built directly warns once per process
    reset_deprecated_mode_warnings()
    sdk = _openai(fake)
    with pytest.warns(DeprecationWarning, match="FUNCTIONS"):
        client = instructor.Instructor(sdk, create=sdk.chat.completions.create, mode=Mode.FUNCTIONS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        instructor.Instructor(sdk, create=sdk.chat.completions.create, mode=Mode.FUNCTIONS)
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    user = client.create(model="gpt-4o-mini", response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    assert (user.name, user.age) == ("Jason", 25)
    assert fake.requests[0].json["tool_choice"] == {"type": "function", "function": {"name": "User"}}
