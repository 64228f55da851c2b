"""COMPAT.md section 11, "Defects of the published release not to copy", through the real SDKs.

1. Tool inputs that arrive as objects (Bedrock `toolUse.input`, Gemini `functionCall.args`, Vertex
   AI's, Anthropic's `tool_use.input`, Mistral's) are validated with JSON strictness, as if they had
   arrived as text: under `strict=True` an Enum from its value and a date from an ISO string pass,
   "25" for an int is still refused (re-asked).
2. A tool call naming a tool that was not offered is an invalid answer, re-asked, never parsed as
   the response model: every provider, every tools mode, streamed or not.
3. A Bedrock Converse answer may open with a server-side tool's block (`server_tool_use`, Nova's code
   interpreter) and its result: the offered tool's block is the answer, plain and streamed.
"""

from __future__ import annotations

import datetime
import enum
import sys
import warnings
from typing import Any

import pytest
from pydantic import BaseModel

import instructor
from instructor import InstructorRetryException, Mode, ResponseParsingError
from instructor.testing import FakeProvider, Reply, ServerToolUse

from .modes_support import aws

sys.path.insert(0, __file__.rsplit("/compat/", 1)[0])  # tests/, for the provider families
from provider_families import Family, tool_families  # noqa: E402

MESSAGES = [{"role": "user", "content": "Jason is 25"}]


class Color(enum.Enum):
    GREEN = "green"


class Profile(BaseModel):
    """A profile."""

    name: str
    age: int
    color: Color
    born: datetime.date


class User(BaseModel):
    name: str
    age: int


GOOD = {"name": "Jason", "age": 25, "color": "green", "born": "2000-01-02"}
STRING_INT = {**GOOD, "age": "25"}
EXPECTED = Profile(name="Jason", age=25, color=Color.GREEN, born=datetime.date(2000, 1, 2))
NOVA = "us.amazon.nova-pro-v1:0"


def bedrock(fake: FakeProvider, mode: Mode = Mode.TOOLS, model: str = NOVA) -> Any:
    return instructor.from_provider(f"bedrock/{model}", mode=mode, **aws(fake))


def genai(fake: FakeProvider) -> Any:
    from google import genai as sdk

    client = sdk.Client(api_key="k", http_options={"base_url": fake.genai_base_url})
    return instructor.from_genai(client, mode=Mode.TOOLS, model="gemini-2.5-flash")


def vertexai(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> Any:
    from google.oauth2.credentials import Credentials

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated provider says so
        return instructor.from_provider("vertexai/gemini-1.5-pro", mode=mode, project="test-project",
                                        location="us-central1", credentials=Credentials(token="ya29.test"),
                                        base_url=fake.url)


def anthropic_client(fake: FakeProvider) -> Any:
    import anthropic

    return instructor.from_anthropic(anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url),
                                     model="claude-sonnet-4-6")


def mistral(fake: FakeProvider) -> Any:
    return instructor.from_provider("mistral/mistral-large-latest", api_key="k", server_url=fake.mistral_server_url)


OBJECT_INPUTS = [
    pytest.param(lambda fake: bedrock(fake), id="bedrock-TOOLS"),
    pytest.param(lambda fake: bedrock(fake, Mode.TOOLS_STRICT), id="bedrock-TOOLS_STRICT"),
    pytest.param(lambda fake: bedrock(fake, model="us.anthropic.claude-3-5-haiku-20241022-v1:0"),
                 id="bedrock-claude-TOOLS"),
    pytest.param(genai, id="genai-TOOLS"),
    pytest.param(vertexai, id="vertexai-TOOLS",
                 marks=pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")),
    pytest.param(anthropic_client, id="anthropic-TOOLS"),
    pytest.param(mistral, id="mistral-TOOLS"),
]


# -- 1. JSON strictness for tool inputs that arrive as objects ------------------------------------
@pytest.mark.parametrize("build", OBJECT_INPUTS)
def test_s11_defect_object_inputs_take_an_enum_value_and_an_iso_date_under_strict(
        fake: FakeProvider, build: Any) -> None:
    fake.add(Reply.tool("Profile", GOOD))
    assert build(fake).create(response_model=Profile, messages=MESSAGES, strict=True, max_retries=0) == EXPECTED
    assert len(fake.requests) == 1  # no re-ask burnt


@pytest.mark.parametrize("build", OBJECT_INPUTS)
def test_s11_defect_object_inputs_still_refuse_a_string_int_under_strict(fake: FakeProvider, build: Any) -> None:
    fake.add(Reply.tool("Profile", STRING_INT), Reply.tool("Profile", GOOD))
    assert build(fake).create(response_model=Profile, messages=MESSAGES, strict=True, max_retries=1) == EXPECTED
    assert len(fake.requests) == 2  # "25" refused, re-asked


@pytest.mark.parametrize("build", OBJECT_INPUTS[:2] + OBJECT_INPUTS[3:4], ids=["bedrock-TOOLS",
                                                                             "bedrock-TOOLS_STRICT", "genai-TOOLS"])
def test_s11_defect_object_inputs_streamed_are_json_strict_too(fake: FakeProvider, build: Any) -> None:
    fake.add(Reply.tool("Profile", GOOD))
    assert list(build(fake).create_partial(response_model=Profile, messages=MESSAGES, strict=True))[-1] == EXPECTED


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
def test_s11_defect_parallel_object_inputs_are_json_strict(fake: FakeProvider) -> None:
    from collections.abc import Iterable

    fake.add(Reply.tools(("Profile", GOOD), ("Profile", GOOD)))
    client = vertexai(fake, Mode.PARALLEL_TOOLS)
    items = client.create(response_model=Iterable[Profile], messages=MESSAGES, strict=True, max_retries=0)
    assert list(items) == [EXPECTED, EXPECTED]


# -- 2. a tool nobody offered is re-asked, never parsed ---------------------------------------------
FITTING = {"name": "Jason", "age": 25}  # arguments that happen to fit the model


def families() -> list[Family]:
    return tool_families()


@pytest.mark.parametrize("family", families(), ids=str)
def test_s11_defect_a_tool_nobody_offered_is_reasked_never_parsed(fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("delete_everything", FITTING), family.answer("User", {"name": "Ann", "age": 3}))
    client = family.client(fake)
    assert client.create(response_model=User, messages=MESSAGES, max_retries=1) == User(name="Ann", age=3)
    assert len(fake.requests) == 2


@pytest.mark.parametrize("family", families(), ids=str)
def test_s11_defect_a_streamed_tool_nobody_offered_is_reasked_never_parsed(
        fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("delete_everything", FITTING), family.answer("User", {"name": "Ann", "age": 3}))
    out = list(family.client(fake).create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert out[-1] == User(name="Ann", age=3)
    assert all(p.name != "Jason" for p in out)  # nothing of the first answer was shown
    assert len(fake.requests) == 2


@pytest.mark.parametrize("family", families(), ids=str)
def test_s11_defect_a_streamed_iterable_of_a_tool_nobody_offered_yields_nothing(
        fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("delete_everything", {"tasks": [FITTING]}))
    items: list[Any] = []
    with pytest.raises(InstructorRetryException) as info:
        items.extend(family.client(fake).create_iterable(response_model=User, messages=MESSAGES, max_retries=0))
    assert items == [] and isinstance(info.value.failed_attempts[0].exception, ResponseParsingError)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.PARALLEL_TOOLS])
def test_s11_defect_openai_a_call_beside_the_offered_one_makes_the_answer_invalid(
        fake: FakeProvider, mode: Mode) -> None:
    from collections.abc import Iterable

    import openai

    client = instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url), mode=mode,
                                    model="gpt-4o-mini")
    model: Any = User if mode is Mode.TOOLS else Iterable[User]
    fake.add(Reply.tools(("User", FITTING), ("delete_everything", FITTING)), Reply.tools(("User", FITTING)))
    result = client.create(response_model=model, messages=MESSAGES, max_retries=1)
    assert (result if mode is Mode.TOOLS else list(result)[0]) == User(**FITTING)
    assert len(fake.requests) == 2  # the published PARALLEL_TOOLS skips the stranger, TOOLS reads the first


def test_s11_defect_responses_api_a_function_nobody_offered_is_reasked(fake: FakeProvider) -> None:
    import openai

    client = instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url),
                                    mode=Mode.RESPONSES_TOOLS, model="gpt-4o-mini")
    fake.add(Reply.tool("delete_everything", FITTING), Reply.tool("User", FITTING))
    assert client.responses.create(input="Jason is 25", response_model=User, max_retries=1) == User(**FITTING)
    assert len(fake.requests) == 2


# -- 3. Bedrock: a server-side tool's block before the offered tool -----------------------------------
INTERPRETER = ServerToolUse("nova_code_interpreter", {"code": "print(2000 - 1975)"}, {"stdOut": "25"})


def nova_answer() -> Reply:
    return Reply(server_tools=[INTERPRETER], tool_calls=Reply.tool("User", FITTING).tool_calls)


def test_s11_defect_bedrock_reads_the_offered_tool_after_a_server_tool(fake: FakeProvider) -> None:
    fake.add(nova_answer())
    user, completion = bedrock(fake).create_with_completion(response_model=User, messages=MESSAGES, max_retries=0)
    assert user == User(**FITTING)
    content = completion["output"]["message"]["content"]
    assert content[0]["toolUse"]["type"] == "server_tool_use" and "toolResult" in content[1]


def test_s11_defect_bedrock_streamed_reads_the_offered_tool_not_the_interpreters_input(fake: FakeProvider) -> None:
    fake.add(nova_answer())
    out = list(bedrock(fake).create_partial(response_model=User, messages=MESSAGES, max_retries=0))
    assert out[-1] == User(**FITTING)


def test_s11_defect_bedrock_keeps_the_callers_system_tools_and_reasks_only_its_own_call(
        fake: FakeProvider) -> None:
    fake.add(Reply(server_tools=[INTERPRETER], tool_calls=Reply.tool("User", {"name": "Jason"}).tool_calls),
             nova_answer())
    system_tool = {"systemTool": {"name": "nova_code_interpreter"}}
    user = bedrock(fake).create(response_model=User, messages=MESSAGES, max_retries=1,
                                toolConfig={"tools": [system_tool]})
    assert user == User(**FITTING)
    first, second = (r.json for r in fake.requests)
    assert first["toolConfig"]["tools"][0] == system_tool and first["toolConfig"]["tools"][1]["toolSpec"]["name"] == "User"
    assistant, results = second["messages"][-2:]
    assert [next(iter(block)) for block in assistant["content"]] == ["toolUse", "toolResult", "toolUse"]
    assert [block["toolResult"]["toolUseId"] for block in results["content"]] == ["tooluse_0"]  # not the server's


def test_s11_defect_bedrock_streamed_reask_sends_the_server_tool_back_as_it_came(fake: FakeProvider) -> None:
    fake.add(Reply(server_tools=[INTERPRETER], tool_calls=Reply.tool("User", {"name": "Jason"}).tool_calls),
             nova_answer())
    out = list(bedrock(fake).create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert out[-1] == User(**FITTING)
    assistant, results = fake.requests[1].json["messages"][-2:]
    server_use, server_result, own = assistant["content"]
    assert server_use["toolUse"]["type"] == "server_tool_use" and server_use["toolUse"]["input"] == INTERPRETER.input
    assert server_result["toolResult"]["content"] == [{"json": {"stdOut": "25"}}]
    assert [block["toolResult"]["toolUseId"] for block in results["content"]] == [own["toolUse"]["toolUseId"]]
