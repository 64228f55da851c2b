"""OpenAI Responses API (`Mode.RESPONSES_TOOLS`, `client.responses`): the real openai SDK over HTTP."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from pydantic import BaseModel, Field, ValidationError

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode, RefusalError
from instructor.core.handler import REASK_EMPTY_ARGUMENTS, REASK_TOOL, REASK_TOOL_CALL
from instructor.testing import FakeProvider, Reply, ToolCall

MESSAGES = [{"role": "system", "content": "Extract the user."}, {"role": "user", "content": "Jason is 25"}]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Settings(BaseModel):
    theme: str = "dark"


def client_for(fake: FakeProvider, **kw: Any) -> instructor.Instructor:
    sdk = openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)
    return instructor.from_openai(sdk, mode=Mode.RESPONSES_TOOLS, model="gpt-4o-mini", **kw)  # type: ignore[return-value]


def test_extraction_sends_the_responses_request(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}, usage=(20, 9)))
    client = client_for(fake)
    user = client.create(response_model=User, messages=MESSAGES, max_tokens=100,
                         tools=[{"type": "web_search"}], text={"verbosity": "low"})
    assert user == User(name="Jason", age=25)
    assert isinstance(user._raw_response, openai.types.responses.Response)  # type: ignore[attr-defined]
    assert user._raw_response.usage.total_tokens == 29  # type: ignore[attr-defined]

    (request,) = fake.requests
    assert request.path == "/v1/responses"
    sent = request.json
    assert sent["input"] == MESSAGES and "messages" not in sent  # system messages stay in input
    assert sent["max_output_tokens"] == 100 and "max_tokens" not in sent
    parameters = {
        "title": "User",
        "description": "A person.",
        "type": "object",
        "properties": {"name": {"title": "Name", "type": "string"},
                       "age": {"title": "Age", "type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    (tool,) = sent["tools"]  # the caller's tools are replaced
    assert tool == {"type": "function", "name": "User", "parameters": parameters, "strict": True,
                    "description": "A person."}
    assert sent["tool_choice"] == {"type": "function", "name": "User"}
    assert sent["text"] == {"verbosity": "low",
                            "format": {"type": "json_schema", "name": "User", "strict": True, "schema": parameters}}


def test_the_schema_matches_the_sdks_own_function_tool(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client_for(fake).create(response_model=User, messages=MESSAGES)
    reference = openai.pydantic_function_tool(User)["function"]
    tool = fake.requests[0].json["tools"][0]
    assert tool["parameters"] == reference["parameters"]
    assert tool["strict"] is reference["strict"] and tool["description"] == reference["description"]


def test_reask_after_an_invalid_answer_sends_one_user_message_per_call(fake: FakeProvider) -> None:
    bad = {"name": "Jason", "age": -3}
    fake.add(Reply(tool_calls=[ToolCall("User", bad, id="call_abc")]), Reply.tool("User", {"name": "Jason", "age": 25}))
    user = client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert user == User(name="Jason", age=25)
    assert len(fake.requests) == 2
    first, second = fake.requests[0].json, fake.requests[1].json
    with pytest.raises(ValidationError) as error:
        User.model_validate_json(json.dumps(bad))
    feedback = REASK_TOOL_CALL.format(error=error.value, arguments=json.dumps(bad), name="User", id="call_abc")
    # the exact second request: the first one, with one user message per function call appended
    assert second == {**first, "input": [*MESSAGES, {"role": "user", "content": feedback}]}
    assert "greater than or equal to 0" in feedback


def test_reask_with_empty_arguments_asks_to_fill_every_field(fake: FakeProvider) -> None:
    fake.add(Reply(tool_calls=[ToolCall("User", "", id="call_abc")]), Reply.tool("User", {"name": "Ada", "age": 36}))
    user = client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert user == User(name="Ada", age=36)
    feedback = fake.requests[1].json["input"][-1]
    assert feedback["role"] == "user"
    assert feedback["content"].endswith(REASK_EMPTY_ARGUMENTS.split("{error}")[1].format(name="User", id="call_abc"))


def test_empty_arguments_are_valid_for_a_model_with_nothing_required(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Settings", "{}"))
    assert client_for(fake).create(response_model=Settings, messages=MESSAGES) == Settings()


def test_a_text_answer_is_read_when_there_is_no_function_call(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason", "age": 25}))
    assert client_for(fake).create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)


def test_no_function_call_reasks_with_the_plain_message(fake: FakeProvider) -> None:
    fake.add(Reply.text("I cannot tell."), Reply.tool("User", {"name": "Jason", "age": 25}))
    client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=2)
    feedback = fake.requests[1].json["input"][-1]
    assert feedback["role"] == "user" and feedback["content"].startswith(REASK_TOOL.split("{error}")[0])
    assert feedback["content"].endswith(REASK_TOOL.split("{error}")[1])


def test_every_attempt_failing_raises_the_retry_exception(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", {"name": "Jason", "age": -2}))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)  # one re-ask
    assert info.value.n_attempts == 2
    assert info.value.total_usage.total_tokens == 36  # the provider's usage object, summed


def test_a_length_stop_is_incomplete_output(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", '{"name": "Jas', stop="length"))
    with pytest.raises(IncompleteOutputException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_tokens=5)
    assert info.value.received == '{"name": "Jas'
    assert len(fake.requests) == 1  # never re-asked


def test_a_refusal_is_not_reasked_and_keeps_the_reason(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="I can't help with that."), Reply.tool("User", {"name": "Jason", "age": 25}))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, RefusalError)  # as chat completions: COMPAT 1.3
    assert "I can't help with that." in str(info.value.__cause__)
    assert len(fake.requests) == 1  # the good answer queued second is never asked for


def test_streaming_partials_read_function_call_argument_deltas(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason Liu", "age": 25}, chunk_size=4, usage=(12, 8)))
    snapshots = list(client_for(fake).create_partial(response_model=User, messages=MESSAGES))
    assert fake.requests[0].json["stream"] is True
    names = [s.name for s in snapshots]
    assert "Jason Liu" in names and any(n and n != "Jason Liu" for n in names)  # grew while streaming
    final = snapshots[-1]
    assert final == User(name="Jason Liu", age=25)
    assert final._raw_response.usage == {"input_tokens": 12, "output_tokens": 8,  # type: ignore[attr-defined]
                                         "total_tokens": 20}


def test_a_stream_without_response_completed_is_incomplete(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}, stop="none"))
    with pytest.raises(IncompleteOutputException):
        list(client_for(fake).create_partial(response_model=User, messages=MESSAGES))


def test_a_streamed_length_stop_is_incomplete(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", '{"name": "Jason"', stop="length"))
    with pytest.raises(IncompleteOutputException):
        list(client_for(fake).create_partial(response_model=User, messages=MESSAGES))


def test_a_streamed_invalid_answer_is_reasked_with_the_streamed_call(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -3}), Reply.tool("User", {"name": "Jason", "age": 25}))
    snapshots = list(client_for(fake).create_partial(response_model=User, messages=MESSAGES, max_retries=2))
    assert snapshots[-1] == User(name="Jason", age=25)
    feedback = fake.requests[1].json["input"][-1]["content"]
    tail = REASK_TOOL_CALL.split("{error}")[1].split("{id}")[1].format(arguments='{"name": "Jason", "age": -3}')
    assert feedback.endswith(tail) and "User" in feedback


def test_create_iterable_streams_each_item(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}))
    users = list(client_for(fake).create_iterable(response_model=User, messages=MESSAGES))
    assert users == [User(name="A", age=1), User(name="B", age=2)]


def test_the_fake_servers_stream_is_what_the_sdks_stream_helper_reads(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    sdk = openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url)
    with sdk.responses.stream(input="Jason is 25", model="gpt-4o-mini") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.function_call_arguments.delta" in kinds and "response.output_item.done" in kinds
    (call,) = final.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"name": "Jason", "age": 25}
    assert final.usage is not None and final.usage.total_tokens == 18


# -- client.responses -------------------------------------------------------------------------
def test_client_responses_create_wraps_a_string_input(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    user = client_for(fake).responses.create(input="Jason is 25", response_model=User)
    assert user == User(name="Jason", age=25)
    assert fake.requests[0].json["input"] == [{"role": "user", "content": "Jason is 25"}]


def test_client_responses_accepts_messages_and_the_whole_family(fake: FakeProvider) -> None:
    client = client_for(fake)
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    user, raw = client.responses.create_with_completion(messages=MESSAGES, response_model=User)
    assert user == User(name="Jason", age=25) and raw.id.startswith("resp_")
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    assert list(client.responses.create_partial(response_model=User, input=MESSAGES))[-1] == user
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "A", "age": 1}]}))
    assert list(client.responses.create_iterable(response_model=User, input="A is 1")) == [User(name="A", age=1)]
    assert [r.json["input"] for r in fake.requests][1:] == [MESSAGES, [{"role": "user", "content": "A is 1"}]]


def test_client_responses_takes_messages_first_by_position(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    assert client_for(fake).responses.create(MESSAGES, User) == User(name="Jason", age=25)
    assert fake.requests[0].json["input"] == MESSAGES


def test_client_responses_needs_exactly_one_of_messages_and_input(fake: FakeProvider) -> None:
    responses = client_for(fake).responses
    with pytest.raises(TypeError, match="Pass only one of 'messages' or 'input'"):
        responses.create(messages=MESSAGES, input="hi", response_model=User)
    with pytest.raises(TypeError, match="Either 'messages' or 'input' must be provided"):
        responses.create(response_model=User)
    assert fake.requests == []


def test_client_responses_is_only_there_in_a_responses_mode(fake: FakeProvider) -> None:
    client = instructor.from_openai(openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url))
    with pytest.raises(AttributeError, match="RESPONSES_TOOLS"):
        client.responses  # noqa: B018


def test_response_model_none_passes_the_sdk_response_through(fake: FakeProvider) -> None:
    fake.add(Reply.text("hello"))
    raw = client_for(fake).responses.create(input="hi", max_tokens=10)
    assert isinstance(raw, openai.types.responses.Response) and raw.output_text == "hello"
    assert fake.requests[0].json == {"model": "gpt-4o-mini", "input": [{"role": "user", "content": "hi"}],
                                     "max_output_tokens": 10}


async def test_async_client(fake: FakeProvider) -> None:
    sdk = openai.AsyncOpenAI(api_key="sk-test", base_url=fake.openai_base_url)
    client = instructor.from_openai(sdk, mode=Mode.RESPONSES_TOOLS, model="gpt-4o-mini")
    assert isinstance(client, instructor.AsyncInstructor)
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", {"name": "Jason", "age": 25}))
    assert await client.responses.create(input="Jason is 25", response_model=User, max_retries=2) \
        == User(name="Jason", age=25)
    fake.add(Reply.tool("User", {"name": "Ada", "age": 36}))
    snapshots = [s async for s in client.responses.create_partial(response_model=User, input="Ada is 36")]
    assert snapshots[-1] == User(name="Ada", age=36)
    fake.add(Reply.tool("User", {"name": "B", "age": 2}))
    user, raw = await client.responses.create_with_completion(input="x", response_model=User)
    assert user == User(name="B", age=2) and raw.status == "completed"
    await sdk.close()


def test_from_provider_accepts_the_mode(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                      mode=Mode.RESPONSES_TOOLS)
    assert client.mode is Mode.RESPONSES_TOOLS
    assert client.create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    assert fake.requests[0].path == "/v1/responses"


def test_the_handler_loads_only_for_the_responses_mode(subprocess_env: dict[str, str]) -> None:
    import subprocess
    import sys

    code = (
        "import sys, instructor, openai\n"
        "c = instructor.from_openai(openai.OpenAI(api_key='x'))\n"
        "assert 'instructor.providers.openai.responses' not in sys.modules\n"
        "c = instructor.from_openai(openai.OpenAI(api_key='x'), mode=instructor.Mode.RESPONSES_TOOLS)\n"
        "assert 'instructor.providers.openai.responses' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=subprocess_env)


def test_the_docs_page_runs_as_written(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from docs_pages import run_page

    namespace = run_page("responses.md", fake, monkeypatch, tmp_path)
    assert namespace["user"].name == "Jason" and namespace["response"].output_text == "Hello!"
    assert {r.path for r in fake.requests} == {"/v1/responses"}
    assert "Jason 25" in capsys.readouterr().out
