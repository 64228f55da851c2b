"""Anthropic end to end: the real `anthropic` SDK over HTTP against the fake provider, every mode."""

from __future__ import annotations

import json
import sys

import anthropic
import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import (
    IncompleteOutputException,
    InstructorRetryException,
    MissingAPIKeyError,
    MissingDependencyError,
    Mode,
    RefusalError,
    UnsupportedModeError,
)
from instructor.core.handler import REASK_JSON_ANSWER, REASK_NO_TOOL
from instructor.testing import FakeProvider, Reply

MODEL = "claude-sonnet-4-6"
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
ALL_MODES = [Mode.TOOLS, Mode.PARALLEL_TOOLS, Mode.JSON]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: object) -> instructor.Instructor:
    return instructor.from_provider(f"anthropic/{MODEL}", base_url=fake.anthropic_base_url, api_key="sk-ant-test",
                                    mode=mode, max_retries=0, **kw)


def aclient_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> instructor.AsyncInstructor:
    return instructor.from_provider(f"anthropic/{MODEL}", base_url=fake.anthropic_base_url, api_key="sk-ant-test",
                                    async_client=True, mode=mode, max_retries=0)


def answer(mode: Mode, *users: dict) -> Reply:
    if mode is Mode.JSON:
        return Reply.text(f"Here you go:\n```json\n{json.dumps(users[0])}\n```")
    if mode is Mode.PARALLEL_TOOLS:
        return Reply.tools(*[("User", u) for u in users])
    if mode is Mode.TOOLS:
        return Reply.tool("User", users[0], thinking="The text says Jason is 25.")
    return Reply.tool("User", users[0])


JASON, SARAH = {"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}


def sent_key(request: object) -> str:
    """The API key the SDK sent (`x-api-key`, or a bearer token in newer SDKs)."""
    headers = request.headers  # type: ignore[attr-defined]
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


def check_request(mode: Mode, sent: dict) -> None:
    assert sent["model"] == MODEL
    assert sent["messages"] == MESSAGES
    if mode is Mode.JSON:
        assert "tools" not in sent
        system = "".join(block["text"] for block in sent["system"])
        assert '"age"' in system and "json_schema" in system
        assert sent["max_tokens"] == 4096
        return
    tool = sent["tools"][0]
    assert tool["name"] == "User" and tool["description"] == "A person."
    assert tool["input_schema"]["required"] == ["name", "age"]
    if mode is Mode.TOOLS:
        assert sent["tool_choice"] == {"type": "tool", "name": "User", "disable_parallel_tool_use": True}
        assert sent["max_tokens"] == 4096 and "thinking" not in sent
    else:
        assert sent["tool_choice"] == {"type": "auto"}


def check_result(mode: Mode, result: object) -> None:
    if mode is Mode.PARALLEL_TOOLS:
        assert result == [User(**JASON), User(**SARAH)]
    else:
        assert result == User(**JASON)
        assert result._raw_response.model == MODEL  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ALL_MODES)
def test_every_mode_sync(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, JASON, SARAH))
    result = client_for(fake, mode).create(response_model=User, messages=MESSAGES)
    check_result(mode, result)
    check_request(mode, fake.requests[0].json)
    assert sent_key(fake.requests[0]) == "sk-ant-test"


@pytest.mark.parametrize("mode", ALL_MODES)
async def test_every_mode_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, JASON, SARAH))
    client = aclient_for(fake, mode)
    assert isinstance(client, instructor.AsyncInstructor)
    result = await client.create(response_model=User, messages=MESSAGES)
    check_result(mode, result)
    check_request(mode, fake.requests[0].json)


# -- request shape ---------------------------------------------------------------------------
def test_system_messages_move_to_the_top_level_system(fake: FakeProvider) -> None:
    fake.add(answer(Mode.TOOLS, JASON))
    messages = [{"role": "system", "content": "You extract people."}, *MESSAGES]
    client_for(fake).create(response_model=User, messages=messages, system="Be precise.")
    sent = fake.requests[0].json
    assert sent["system"] == [{"type": "text", "text": "Be precise."}, {"type": "text", "text": "You extract people."}]
    assert [m["role"] for m in sent["messages"]] == ["user"]
    assert messages[0]["role"] == "system"  # the caller's list is untouched


def test_json_mode_appends_the_schema_to_system_blocks(fake: FakeProvider) -> None:
    fake.add(answer(Mode.JSON, JASON))
    system = [{"type": "text", "text": "You extract people.", "cache_control": {"type": "ephemeral"}}]
    client_for(fake, Mode.JSON).create(response_model=User, messages=MESSAGES, system=system)
    sent = fake.requests[0].json["system"]
    assert sent[0] == system[0]  # cache_control kept
    assert sent[1]["type"] == "text" and '"age"' in sent[1]["text"]


def test_max_tokens_defaults_and_an_explicit_value_wins(fake: FakeProvider) -> None:
    fake.add(answer(Mode.TOOLS, JASON), answer(Mode.TOOLS, JASON))
    client = client_for(fake)
    client.create(response_model=User, messages=MESSAGES)
    client.create(response_model=User, messages=MESSAGES, max_tokens=300)
    assert [r.json["max_tokens"] for r in fake.requests] == [4096, 300]


def test_tools_with_thinking_keeps_a_callers_thinking_and_checks_the_budget(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON, thinking="The text says Jason is 25."))
    client = client_for(fake, Mode.TOOLS)
    thinking = {"type": "enabled", "budget_tokens": 2000}
    client.create(response_model=User, messages=MESSAGES, thinking=thinking, max_tokens=3000)
    sent = fake.requests[0].json
    assert sent["thinking"] == thinking and sent["max_tokens"] == 3000
    assert sent["tool_choice"] == {"type": "auto"}  # Anthropic refuses a forced tool while thinking
    assert "no additional text" in sent["system"][-1]["text"]
    with pytest.raises(ValueError, match=r"max_tokens=1000 must be larger than the thinking budget"):
        client.create(response_model=User, messages=MESSAGES, thinking=thinking, max_tokens=1000)
    assert len(fake.requests) == 1


def test_openai_style_image_parts_become_image_blocks(fake: FakeProvider) -> None:
    fake.add(answer(Mode.TOOLS, JASON))
    content = [
        {"type": "text", "text": "Who is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/jason.jpg"}},
    ]
    client_for(fake).create(response_model=User, messages=[{"role": "user", "content": content}])
    sent = fake.requests[0].json["messages"][0]["content"]
    assert sent[0] == {"type": "text", "text": "Who is this?"}
    assert sent[1] == {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                   "data": "iVBORw0KGgo="}}
    assert sent[2] == {"type": "image", "source": {"type": "url", "url": "https://example.com/jason.jpg"}}


def test_simple_types_are_asked_through_a_wrapper_tool(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Response", {"content": 3}))
    assert client_for(fake).create(response_model=int, messages=MESSAGES) == 3
    assert fake.requests[0].json["tool_choice"] == {"type": "tool", "name": "Response",
                                                    "disable_parallel_tool_use": True}


def test_response_model_none_returns_the_sdk_message_with_the_request_shaped(fake: FakeProvider) -> None:
    fake.add(Reply.text("Hello"))
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    message = client_for(fake).create(response_model=None, messages=messages)
    assert isinstance(message, anthropic.types.Message)
    assert message.content[0].text == "Hello"
    sent = fake.requests[0].json
    assert sent["system"] == [{"type": "text", "text": "Be brief."}]
    assert sent["max_tokens"] == 4096 and "tools" not in sent
    fake.add(Reply.text("Hello"))
    events = list(client_for(fake).create(messages=messages, stream=True))  # the SDK's own stream
    assert events[0].type == "message_start" and events[-1].type == "message_stop"


# -- re-asking -------------------------------------------------------------------------------
def test_reask_sends_a_tool_result_with_the_error(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), answer(Mode.TOOLS, JASON))
    user = client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert user == User(**JASON)
    first_call = fake.requests[0].json
    retry = fake.requests[1].json
    assert retry["messages"][0] == MESSAGES[0]
    assistant, result = retry["messages"][1], retry["messages"][2]
    assert assistant["role"] == "assistant"
    tool_use = assistant["content"][0]
    assert tool_use["type"] == "tool_use" and tool_use["input"] == {"name": "Jason", "age": -1}
    assert result["role"] == "user"
    block = result["content"][0]
    assert block["type"] == "tool_result" and block["tool_use_id"] == tool_use["id"] and block["is_error"]
    assert "greater than or equal to 0" in block["content"] and "age" in block["content"]
    assert retry["tools"] == first_call["tools"] and retry["tool_choice"] == first_call["tool_choice"]


async def test_reask_async(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "old"}), answer(Mode.TOOLS, JASON))
    user = await aclient_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert user == User(**JASON)
    assert fake.requests[1].json["messages"][2]["content"][0]["type"] == "tool_result"


def test_reask_in_parallel_mode_answers_every_tool_call(fake: FakeProvider) -> None:
    fake.add(Reply.tools(("User", JASON), ("User", {"name": "Sarah", "age": -3})),
             answer(Mode.PARALLEL_TOOLS, JASON, SARAH))
    users = client_for(fake, Mode.PARALLEL_TOOLS).create(response_model=User, messages=MESSAGES,
                                                                   max_retries=1)
    assert users == [User(**JASON), User(**SARAH)]
    results = fake.requests[1].json["messages"][2]["content"]
    ids = [b["id"] for b in fake.requests[1].json["messages"][1]["content"]]
    assert [r["tool_use_id"] for r in results] == ids and len(ids) == 2


def test_reask_in_reasoning_mode_sends_the_thinking_block_back(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}, thinking="Hmm."),
             answer(Mode.TOOLS, JASON))
    client_for(fake, Mode.TOOLS).create(response_model=User, messages=MESSAGES, max_retries=1)
    assistant = fake.requests[1].json["messages"][1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "Hmm.", "signature": "fake-signature"}
    assert assistant[1]["type"] == "tool_use"


def test_reask_in_json_mode_quotes_the_answer_and_the_error(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), answer(Mode.JSON, JASON))
    client_for(fake, Mode.JSON).create(response_model=User, messages=MESSAGES, max_retries=1)
    messages = fake.requests[1].json["messages"]
    assert len(messages) == 2 and messages[1]["role"] == "user"  # no assistant echo (§1.5)
    text = messages[1]["content"]
    assert text.startswith(REASK_JSON_ANSWER.split("{error}")[0]) and "age" in text
    assert text.endswith(REASK_JSON_ANSWER.split("{error}")[1].format(text='{"name": "Jason"}'))


def test_an_answer_without_the_tool_call_is_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.text("Jason, 25."), answer(Mode.TOOLS, JASON))
    assert client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1) == User(**JASON)
    retry = fake.requests[1].json["messages"]
    assert retry[1] == {"role": "assistant", "content": [{"type": "text", "text": "Jason, 25."}]}
    assert retry[2]["content"].startswith(REASK_NO_TOOL.split("{error}")[0])


def test_usage_is_summed_over_attempts(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"age": 1}, usage=(10, 5)), Reply.tool("User", {"age": 2}, usage=(20, 6)))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert info.value.n_attempts == 2
    usage = info.value.total_usage  # anthropic's own Usage, summed
    assert isinstance(usage, anthropic.types.Usage) and (usage.input_tokens, usage.output_tokens) == (30, 11)
    assert len(fake.requests) == 2


# -- stop reasons and errors -----------------------------------------------------------------
@pytest.mark.parametrize("mode", ALL_MODES)
def test_max_tokens_stop_is_an_incomplete_output_error(fake: FakeProvider, mode: Mode) -> None:
    reply = answer(mode, JASON, SARAH)
    reply.stop = "length"
    fake.add(reply)
    with pytest.raises(IncompleteOutputException, match="stop_reason='max_tokens'") as info:
        client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert "Jason" in (info.value.received or "")
    assert isinstance(info.value.last_completion, anthropic.types.Message)
    assert len(fake.requests) == 1  # a cut-off answer is not re-asked


def test_a_refusal_is_not_reasked(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="I can't help with that.", stop="refusal"), answer(Mode.TOOLS, JASON))
    with pytest.raises(InstructorRetryException, match="refused") as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert isinstance(info.value.__cause__, RefusalError) and info.value.n_attempts == 1
    assert isinstance(info.value.last_completion, anthropic.types.Message)
    assert len(fake.requests) == 1  # given up at once: the scripted good answer is never asked for


def test_http_errors_surface_as_the_sdks_errors(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(400, "messages: roles must alternate"))
    with pytest.raises(InstructorRetryException, match="roles must alternate") as info:
        client_for(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, anthropic.BadRequestError) and len(fake.requests) == 1


def test_missing_key_names_the_environment_variable() -> None:
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        instructor.from_provider(f"anthropic/{MODEL}")


def test_the_key_from_the_environment_is_used_and_never_shown(fake: FakeProvider,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    fake.add(Reply.http_error(401, "invalid x-api-key"))
    client = instructor.from_provider(f"anthropic/{MODEL}", base_url=fake.anthropic_base_url, max_retries=0)
    assert "sk-ant-secret" not in repr(client)
    with pytest.raises(InstructorRetryException) as info:
        client.create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, anthropic.AuthenticationError)
    assert sent_key(fake.requests[0]) == "sk-ant-secret"
    assert "sk-ant-secret" not in str(info.value)


def test_unsupported_modes_list_the_supported_ones(fake: FakeProvider) -> None:
    with pytest.raises(UnsupportedModeError, match="Mode.JSON") as info:
        instructor.from_provider(f"anthropic/{MODEL}", api_key="k", mode=Mode.RESPONSES_TOOLS)
    assert Mode.TOOLS in info.value.supported
    sdk_client = anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url)
    with pytest.raises(UnsupportedModeError, match="Invalid mode 'responses_tools' for provider 'anthropic'"):
        instructor.from_anthropic(sdk_client, mode=Mode.RESPONSES_TOOLS)


def test_missing_sdk_names_the_pip_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)  # what an environment without it looks like
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[anthropic\]"'):
        instructor.from_provider(f"anthropic/{MODEL}", api_key="k")
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[anthropic\]"'):
        instructor.from_anthropic(object())


# -- from_anthropic --------------------------------------------------------------------------
def test_from_anthropic_wraps_sync_and_async_clients(fake: FakeProvider) -> None:
    sync = instructor.from_anthropic(anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url),
                                     model=MODEL)
    assert isinstance(sync, instructor.Instructor) and sync.provider == "anthropic"
    assert sync.mode is Mode.TOOLS
    asynchronous = instructor.from_anthropic(anthropic.AsyncAnthropic(api_key="k"), mode=Mode.JSON)
    assert isinstance(asynchronous, instructor.AsyncInstructor)
    fake.add(answer(Mode.TOOLS, JASON))
    assert sync.messages.create(response_model=User, messages=MESSAGES) == User(**JASON)
    with pytest.raises(TypeError, match="instance of one of: Anthropic, .*Got: object"):
        instructor.from_anthropic(object())
