"""COMPAT.md sections 4.4 and 1.5: what each provider's generic modes send, and their re-asks.

Real SDKs (openai, anthropic, boto3) talk HTTP to the fake provider; every assertion is on the
request it recorded.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest
from pydantic import BaseModel

import instructor
from instructor import Mode, RefusalError
from instructor.core.handler import REASK_JSON, REASK_JSON_ANSWER, REASK_NO_TOOL, REASK_TOOL
from instructor.testing import FakeProvider, Reply

from .modes_support import BEDROCK_CLAUDE, CLAUDE, JASON, MESSAGES, User, aws


def oai(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url), mode=mode,
                                  model="gpt-4o-mini")


def claude(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_anthropic(anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url), mode=mode,
                                     model=CLAUDE)


def bedrock(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_provider(f"bedrock/{BEDROCK_CLAUDE}", mode=mode, **aws(fake))


# -- OpenAI chat -----------------------------------------------------------------------------------
def test_s4_4_openai_tools_request(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    assert oai(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES) == User(**JASON)
    sent = fake.requests[0].json
    assert sent["tools"][0]["type"] == "function" and sent["tools"][0]["function"]["name"] == "User"
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "User"}}


def test_s4_4_openai_tools_reasks_a_call_of_another_tool(fake: FakeProvider) -> None:
    # the published release reads the first call whatever its name: a defect not copied (COMPAT 11)
    fake.add(Reply.tool("Other", JASON), Reply.tool("User", JASON))
    assert oai(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES) == User(**JASON)
    assert len(fake.requests) == 2 and "'Other'" in fake.requests[1].json["messages"][-1]["content"]


def test_s4_4_openai_json_schema_sends_the_models_schema_without_strict(fake: FakeProvider) -> None:
    fake.add(Reply.json(JASON))
    oai(fake, Mode.JSON_SCHEMA).create(response_model=User, messages=MESSAGES)
    sent = fake.requests[0].json
    assert sent["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "User", "schema": User.model_json_schema()}}
    assert sent["messages"] == MESSAGES  # no schema prompt


def test_s4_4_openai_md_json_merges_the_fence_instruction_into_the_last_user_message(fake: FakeProvider) -> None:
    fake.add(Reply.text(f"Sure! ```json\n{json.dumps(JASON)}\n``` done"))
    oai(fake, Mode.MD_JSON).create(response_model=User, messages=MESSAGES)
    sent = fake.requests[0].json
    assert "response_format" not in sent
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    last = sent["messages"][-1]["content"]
    assert last.startswith("Jason is 25\n\n") and "```json codeblock" in last


@pytest.mark.parametrize("first", [
    {"role": "system", "content": "You extract people."},
    {"role": "system", "content": [{"type": "text", "text": "You extract people."}]},
    None,
])
def test_s4_4_openai_schema_text_placement(fake: FakeProvider, first: dict[str, Any] | None) -> None:
    fake.add(Reply.json(JASON))
    messages = ([first] if first else []) + MESSAGES
    oai(fake, Mode.JSON).create(response_model=User, messages=messages)
    sent = fake.requests[0].json
    assert sent["response_format"] == {"type": "json_object"}
    system = sent["messages"][0]
    assert system["role"] == "system" and len(sent["messages"]) == 2
    text = system["content"] if isinstance(system["content"], str) else system["content"][0]["text"]
    if first:
        assert text.startswith("You extract people.\n\n")
    assert "json_schema" in text and '"age"' in text
    assert text.rstrip().endswith("not the schema itself.")


def test_s1_5_openai_tools_reask_shape(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", JASON))
    oai(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assistant, tool = retry[1], retry[2]
    assert assistant["role"] == "assistant" and assistant["content"] == ""
    call = assistant["tool_calls"][0]
    assert call["type"] == "function" and call["function"]["name"] == "User"
    assert tool["role"] == "tool" and tool["tool_call_id"] == call["id"] and tool["name"] == "User"
    assert tool["content"].startswith(REASK_TOOL.split("{error}")[0])
    assert tool["content"].endswith(REASK_TOOL.split("{error}")[1])


def test_s1_5_openai_no_tool_call_reask_is_a_user_message(fake: FakeProvider) -> None:
    fake.add(Reply.text("no tools today"), Reply.tool("User", JASON))
    oai(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert retry[1] == {"role": "assistant", "content": "no tools today"}
    assert retry[2]["role"] == "user" and retry[2]["content"].startswith(REASK_TOOL.split("{error}")[0])


def test_s1_5_openai_json_reask_shape(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), Reply.json(JASON))
    oai(fake, Mode.JSON).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"name": "Jason"}'}
    assert retry[-1]["role"] == "user"
    assert retry[-1]["content"].startswith(REASK_JSON.split("{error}")[0])


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA])
def test_s1_3_openai_refusal_raises_refusal_error(fake: FakeProvider, mode: Mode) -> None:
    """The handler's side of "a refusal is not re-asked": a RefusalError, which the retry loop lets through."""
    fake.add(Reply(refusal="I can't help with that."))
    client = oai(fake, mode)
    completion = client.create(response_model=None, messages=MESSAGES)
    with pytest.raises(RefusalError, match="I can't help with that."):
        client.handler.parse_response(completion, User)


# -- Anthropic messages ------------------------------------------------------------------------------
def test_s4_4_anthropic_system_is_a_list_of_text_blocks(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    messages = [{"role": "system", "content": "You extract people."}, *MESSAGES]
    claude(fake, Mode.TOOLS).create(response_model=User, messages=messages)
    sent = fake.requests[0].json
    assert sent["system"] == [{"type": "text", "text": "You extract people."}]
    assert sent["messages"] == MESSAGES


def test_s4_4_anthropic_tools_disables_parallel_tool_use(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    claude(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES)
    sent = fake.requests[0].json
    assert sent["tools"][0] == {"name": "User", "description": "A person.", "input_schema": User.model_json_schema()}
    assert sent["tool_choice"] == {"type": "tool", "name": "User", "disable_parallel_tool_use": True}


def test_s4_4_anthropic_a_callers_tool_choice_wins(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    claude(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, tool_choice={"type": "any"})
    assert fake.requests[0].json["tool_choice"] == {"type": "any"}


def test_s4_4_anthropic_two_tool_uses_are_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.tools(("User", JASON), ("User", JASON)), Reply.tool("User", JASON))
    assert claude(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2) == User(**JASON)
    assert len(fake.requests) == 2


def test_s4_4_anthropic_parallel_tools_lets_the_model_choose(fake: FakeProvider) -> None:
    from collections.abc import Iterable

    fake.add(Reply.tools(("User", JASON), ("User", {"name": "Ada", "age": 36})))
    result = claude(fake, Mode.PARALLEL_TOOLS).create(response_model=Iterable[User], messages=MESSAGES)
    assert [u.name for u in result] == ["Jason", "Ada"]
    assert fake.requests[0].json["tool_choice"] == {"type": "auto"}


def test_s4_4_anthropic_json_appends_the_schema_as_a_system_block(fake: FakeProvider) -> None:
    fake.add(Reply.text(f"Here:\n```json\n{json.dumps(JASON)}\n```"))
    assert claude(fake, Mode.JSON).create(response_model=User, messages=MESSAGES) == User(**JASON)
    system = fake.requests[0].json["system"]
    assert isinstance(system, list) and system[-1]["type"] == "text" and '"age"' in system[-1]["text"]


def test_s4_4_anthropic_json_schema_uses_structured_outputs(fake: FakeProvider) -> None:
    fake.add(Reply.json(JASON))
    assert claude(fake, Mode.JSON_SCHEMA).create(response_model=User, messages=MESSAGES) == User(**JASON)
    sent = fake.requests[0].json
    assert "tools" not in sent and "tool_choice" not in sent
    # the installed SDK has output_config (structured outputs generally available), not output_format
    fmt = sent["output_config"]["format"]
    assert fmt["type"] == "json_schema" and fmt["schema"]["required"] == ["name", "age"]


def test_s4_4_anthropic_json_schema_reads_bare_json_only(fake: FakeProvider) -> None:
    fake.add(Reply.text(f"Sure: {json.dumps(JASON)}"), Reply.json(JASON))
    assert claude(fake, Mode.JSON_SCHEMA).create(response_model=User, messages=MESSAGES, max_retries=2) == User(**JASON)
    assert len(fake.requests) == 2


def test_s1_5_anthropic_tools_reask_shape(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", JASON))
    claude(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert retry[1]["role"] == "assistant" and retry[1]["content"][0]["type"] == "tool_use"
    result = retry[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == retry[1]["content"][0]["id"]
    assert result["content"].startswith(REASK_TOOL.split("{error}")[0])


def test_s1_5_anthropic_no_tool_reask_text(fake: FakeProvider) -> None:
    fake.add(Reply.text("Jason, 25."), Reply.tool("User", JASON))
    claude(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert retry[2]["role"] == "user"
    assert retry[2]["content"].startswith(REASK_NO_TOOL.split("{error}")[0])


def test_s1_5_anthropic_json_reask_is_one_user_message(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), Reply.json(JASON))
    claude(fake, Mode.JSON).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert len(retry) == 2 and retry[1]["role"] == "user"
    assert retry[1]["content"].startswith(REASK_JSON_ANSWER.split("{error}")[0])
    assert retry[1]["content"].endswith(REASK_JSON_ANSWER.split("{error}")[1].format(text='{"name": "Jason"}'))


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA])
def test_s1_3_anthropic_refusal_raises_refusal_error(fake: FakeProvider, mode: Mode) -> None:
    fake.add(Reply(refusal="No.", stop="refusal"))
    client = claude(fake, mode)
    message = client.create(response_model=None, messages=MESSAGES)
    with pytest.raises(RefusalError, match="refusal"):
        client.handler.parse_response(message, User)


# -- Bedrock Converse -----------------------------------------------------------------------------------
def test_s4_4_bedrock_tools_request(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON))
    assert bedrock(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES,
                                            max_tokens=100, temperature=0.1) == User(**JASON)
    sent = fake.requests[0].json
    spec = sent["toolConfig"]["tools"][0]["toolSpec"]
    assert spec["name"] == "User" and spec["description"] == "A person."
    assert spec["inputSchema"]["json"] == User.model_json_schema() and "strict" not in spec
    assert sent["toolConfig"]["toolChoice"] == {"tool": {"name": "User"}}
    assert sent["inferenceConfig"] == {"maxTokens": 100, "temperature": 0.1}
    assert sent["messages"] == [{"role": "user", "content": [{"text": "Jason is 25"}]}]


@pytest.mark.parametrize("spelling", ["snake", "camel"])
def test_s4_4_bedrock_request_maps_sampling_options_and_top_k(fake: FakeProvider, spelling: str) -> None:
    # COMPAT 4.4: maxTokens / topP / stopSequences too go to inferenceConfig; top_k / topK to
    # additionalModelRequestFields.top_k
    options = ({"max_tokens": 100, "top_p": 0.9, "stop": "END", "top_k": 5} if spelling == "snake"
               else {"maxTokens": 100, "topP": 0.9, "stopSequences": ["END"], "topK": 5})
    fake.add(Reply.tool("User", JASON))
    assert bedrock(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, **options) == User(**JASON)
    sent = fake.requests[0].json
    assert sent["inferenceConfig"] == {"maxTokens": 100, "topP": 0.9, "stopSequences": ["END"]}
    assert sent["additionalModelRequestFields"] == {"top_k": 5}


class Plain(BaseModel):
    """A plain person."""

    name: str


def test_s4_4_bedrock_tools_strict_marks_the_tool_strict(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Plain", {"name": "Jason"}))
    bedrock(fake, Mode.TOOLS_STRICT).create(response_model=Plain, messages=MESSAGES)
    spec = fake.requests[0].json["toolConfig"]["tools"][0]["toolSpec"]
    assert spec["strict"] is True and spec["inputSchema"]["json"]["additionalProperties"] is False


def test_s4_4_bedrock_strict_modes_refuse_unsupported_keywords(fake: FakeProvider) -> None:
    # User has `age >= 0`: a `minimum` strict decoding rejects; nothing is sent
    with pytest.raises(instructor.ConfigurationError, match="minimum"):
        bedrock(fake, Mode.TOOLS_STRICT).create(response_model=User, messages=MESSAGES)
    assert fake.requests == []


def test_s4_4_bedrock_json_schema_uses_output_config(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}))
    assert bedrock(fake, Mode.JSON_SCHEMA).create(response_model=Plain, messages=MESSAGES).name == "Jason"
    fmt = fake.requests[0].json["outputConfig"]["textFormat"]
    assert fmt["type"] == "json_schema"
    schema = fmt["structure"]["jsonSchema"]
    assert schema["name"] == "Plain" and schema["description"] == "A plain person."
    assert json.loads(schema["schema"])["additionalProperties"] is False


def test_s4_4_bedrock_md_json_puts_the_schema_in_system(fake: FakeProvider) -> None:
    fake.add(Reply.text(f"```json\n{json.dumps(JASON)}\n```"))
    assert bedrock(fake, Mode.MD_JSON).create(response_model=User, messages=MESSAGES) == User(**JASON)
    system = fake.requests[0].json["system"]
    assert '"age"' in system[-1]["text"] and "toolConfig" not in fake.requests[0].json


def test_s1_5_bedrock_tools_reask_shape(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", JASON))
    bedrock(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    use = retry[1]["content"][0]["toolUse"]
    result = retry[2]["content"][0]["toolResult"]
    assert result["toolUseId"] == use["toolUseId"] and result["status"] == "error"
    assert result["content"][0]["text"].startswith(REASK_TOOL.split("{error}")[0])


def test_s1_5_bedrock_no_tool_reask_text(fake: FakeProvider) -> None:
    fake.add(Reply.text("Jason, 25."), Reply.tool("User", JASON))
    bedrock(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2)
    last = fake.requests[1].json["messages"][-1]
    assert last["role"] == "user"
    assert last["content"][0]["text"].startswith(REASK_NO_TOOL.split("{error}")[0])


def test_s1_5_bedrock_wrong_tool_name_is_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Other", JASON), Reply.tool("User", JASON))
    assert bedrock(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=2) == User(**JASON)
    assert "'Other'" in fake.requests[1].json["messages"][-1]["content"][0]["toolResult"]["content"][0]["text"]


def test_s1_5_bedrock_json_reask_shape(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), Reply.json(JASON))
    bedrock(fake, Mode.MD_JSON).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert retry[1]["role"] == "assistant"
    assert retry[2]["content"][0]["text"].startswith(REASK_JSON.split("{error}")[0])


# -- Cohere MD_JSON (new: the published table lists it for from_cohere) ----------------------------------
def cohere_client(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_provider("cohere/command-a-03-2025", api_key="k", base_url=fake.cohere_base_url,
                                    mode=mode)


def test_s4_4_cohere_md_json(fake: FakeProvider) -> None:
    fake.add(Reply.text(f"Here:\n```json\n{json.dumps(JASON)}\n```"))
    assert cohere_client(fake, Mode.MD_JSON).create(response_model=User, messages=MESSAGES) == User(**JASON)
    sent = fake.requests[0].json
    assert "response_format" not in sent and "tools" not in sent
    assert sent["messages"][0]["role"] == "system" and '"age"' in sent["messages"][0]["content"]
    assert "```json" in sent["messages"][-1]["content"]


def test_s4_4_cohere_md_json_reask(fake: FakeProvider) -> None:
    fake.add(Reply.text('```json\n{"name": "Jason"}\n```'), Reply.text(f"```json\n{json.dumps(JASON)}\n```"))
    cohere_client(fake, Mode.MD_JSON).create(response_model=User, messages=MESSAGES, max_retries=2)
    retry = fake.requests[1].json["messages"]
    assert retry[-2]["role"] == "assistant"
    assert retry[-1]["role"] == "user" and retry[-1]["content"].startswith(REASK_JSON.split("{error}")[0])
