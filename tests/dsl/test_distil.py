"""Distillation (COMPAT.md section 6.6): `Instructions`, `FinetuneFormat`, `distil` in both modes.

Logged lines are checked against the OpenAI chat fine-tuning format (messages the
SDK's own message types accept, an assistant tool call, the tool in `tools`);
dispatch goes through the real openai SDK to the fake provider.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from pydantic import BaseModel, TypeAdapter

import instructor
from instructor.distil import NotAModelError
from instructor.testing import FakeProvider, Reply


class Multiply(BaseModel):
    """The product of two numbers."""

    a: int
    b: int
    result: int


@pytest.fixture
def sink() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    yield buffer


def collector(sink: io.StringIO, **kw: Any) -> instructor.Instructions:
    return instructor.Instructions(name=f"distil-test-{uuid.uuid4()}",
                                   log_handlers=[logging.StreamHandler(sink)], **kw)


def lines(sink: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sink.getvalue().splitlines()]


def test_finetune_format_members() -> None:
    assert [(m.name, m.value) for m in instructor.FinetuneFormat] == [("MESSAGES", "messages"), ("RAW", "raw")]


def test_instructions_signature_matches_the_published_one() -> None:
    params = inspect.signature(instructor.Instructions).parameters
    assert list(params) == ["name", "id", "log_handlers", "finetune_format", "indent", "include_code_body",
                            "openai_client"]
    assert params["finetune_format"].default is instructor.FinetuneFormat.MESSAGES
    assert params["indent"].default == 2 and params["include_code_body"].default is False
    distil = inspect.signature(instructor.Instructions.distil).parameters
    assert [distil[k].default for k in ("name", "mode", "model", "fine_tune_format")] == [
        None, "distil", "gpt-3.5-turbo", None]


def test_construction_needs_no_api_key_and_logs_to_the_named_logger(sink: io.StringIO) -> None:
    handler = logging.StreamHandler(sink)
    instructions = instructor.Instructions(name="distil-named", log_handlers=[handler])
    logger = logging.getLogger("distil-named")
    assert instructions.logger is logger and handler in logger.handlers
    assert logger.isEnabledFor(logging.INFO)
    uuid.UUID(instructions.id)  # a random id when none is given
    assert instructor.Instructions(id="run-1").id == "run-1"


def test_distil_mode_runs_the_function_and_logs_one_fine_tuning_example(sink: io.StringIO) -> None:
    instructions = collector(sink)

    @instructions.distil
    def multiply(a: int, b: int) -> Multiply:
        """Multiply two integers."""
        return Multiply(a=a, b=b, result=a * b)

    assert multiply(3, b=4) == Multiply(a=3, b=4, result=12)
    assert multiply.__name__ == "multiply"
    [line] = lines(sink)
    assert set(line) == {"messages", "tools"}
    system, user, assistant = line["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith("Predict the results of this function:\n\n")
    assert "def multiply(a: int, b: int) -> Multiply:" in system["content"]
    assert "Multiply two integers." in system["content"]
    assert user == {"role": "user", "content": "Return `multiply(3, b=4)`"}
    [call] = assistant["tool_calls"]
    assert assistant["role"] == "assistant" and call["type"] == "function" and call["id"]
    assert call["function"]["name"] == "Multiply"
    assert call["function"]["arguments"] == Multiply(a=3, b=4, result=12).model_dump_json(indent=2)
    assert line["tools"] == [{"type": "function", "function": instructor.generate_openai_schema(Multiply)}]


def test_logged_lines_are_valid_openai_chat_fine_tuning_examples(sink: io.StringIO) -> None:
    instructions = collector(sink)

    @instructions.distil
    def multiply(a: int, b: int) -> Multiply:
        return Multiply(a=a, b=b, result=a * b)

    for a in range(3):
        multiply(a, 7)
    examples = lines(sink)
    assert len(examples) == 3
    for example in examples:
        # the SDK's own request types: every message and tool has the keys the API requires
        TypeAdapter(list[ChatCompletionMessageParam]).validate_python(example["messages"])
        TypeAdapter(list[ChatCompletionToolParam]).validate_python(example["tools"])
        assert [m["role"] for m in example["messages"]] == ["system", "user", "assistant"]
        names = {t["function"]["name"] for t in example["tools"]}
        for call in example["messages"][-1]["tool_calls"]:
            assert call["function"]["name"] in names
            assert isinstance(call["function"]["arguments"], str)
            Multiply.model_validate_json(call["function"]["arguments"])


def test_indent_and_code_body_options(sink: io.StringIO) -> None:
    instructions = collector(sink, indent=0, include_code_body=True)

    @instructions.distil
    def multiply(a: int, b: int) -> Multiply:
        return Multiply(a=a, b=b, result=a * b)  # the body is shown

    multiply(2, 5)
    [line] = lines(sink)
    system = line["messages"][0]["content"]
    assert "# the body is shown" in system and "@instructions.distil" not in system
    arguments = line["messages"][-1]["tool_calls"][0]["function"]["arguments"]
    assert arguments == Multiply(a=2, b=5, result=10).model_dump_json(indent=0)


def test_raw_format_logs_the_call_itself(sink: io.StringIO) -> None:
    instructions = collector(sink, finetune_format=instructor.FinetuneFormat.RAW)

    @instructions.distil(name="times")
    def multiply(a: int, b: int) -> Multiply:
        return Multiply(a=a, b=b, result=a * b)

    multiply(6, b=7)
    [line] = lines(sink)
    assert set(line) == {"fn_name", "fn_repr", "args", "kwargs", "resp", "schema"}
    assert line["fn_name"] == "times" and line["args"] == [6] and line["kwargs"] == {"b": 7}
    assert line["resp"] == {"a": 6, "b": 7, "result": 42}
    assert line["schema"] == instructor.generate_openai_schema(Multiply)
    assert "def multiply(a: int, b: int) -> Multiply:" in line["fn_repr"]


def test_the_decorator_format_overrides_the_instance_one(sink: io.StringIO) -> None:
    instructions = collector(sink)

    @instructions.distil(fine_tune_format=instructor.FinetuneFormat.RAW)
    def multiply(a: int, b: int) -> Multiply:
        return Multiply(a=a, b=b, result=a * b)

    multiply(1, 1)
    assert "fn_name" in lines(sink)[0]


async def test_async_functions_are_distilled_too(sink: io.StringIO) -> None:
    instructions = collector(sink)

    @instructions.distil
    async def multiply(a: int, b: int) -> Multiply:
        return Multiply(a=a, b=b, result=a * b)

    assert await multiply(2, 3) == Multiply(a=2, b=3, result=6)
    [line] = lines(sink)
    assert "async def multiply" in line["messages"][0]["content"]


def test_return_annotation_must_be_a_model() -> None:
    instructions = instructor.Instructions()
    with pytest.raises(AssertionError, match="pydantic model") as info:
        @instructions.distil
        def add(a: int, b: int) -> int:
            return a + b
    assert isinstance(info.value, TypeError) and isinstance(info.value, NotAModelError)


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="'distil' or 'dispatch'"):
        instructor.Instructions().distil(mode="train")  # type: ignore[call-overload]


def test_a_result_of_the_wrong_type_is_not_logged(sink: io.StringIO) -> None:
    instructions = collector(sink)

    @instructions.distil
    def multiply(a: int, b: int) -> Multiply:
        return {"a": a}  # type: ignore[return-value]

    with pytest.warns(RuntimeWarning, match="not logged"):
        assert multiply(1, 2) == {"a": 1}
    assert sink.getvalue() == ""


# -- dispatch ----------------------------------------------------------------------------------
def test_dispatch_sends_the_same_prompt_to_the_model_and_returns_its_answer(
        fake: FakeProvider, sink: io.StringIO) -> None:
    fake.add(Reply.tool("Multiply", {"a": 3, "b": 4, "result": 12}))
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test")
    distiller = collector(sink)
    dispatcher = instructor.Instructions(openai_client=sdk)

    def multiply(a: int, b: int) -> Multiply:
        return Multiply(a=a, b=b, result=a * b)

    distiller.distil(multiply)(3, 4)
    tuned = dispatcher.distil(mode="dispatch", model="ft:gpt-4o-mini:org::abc")(multiply)
    assert tuned(3, 4) == Multiply(a=3, b=4, result=12)

    sent = fake.requests[0].json
    assert sent["model"] == "ft:gpt-4o-mini:org::abc"
    assert sent["messages"] == lines(sink)[0]["messages"][:2]  # what the model was trained on
    assert sent["tools"][0]["function"]["name"] == "Multiply"


def test_without_a_client_one_is_built_on_first_dispatch(
        fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    instructions = instructor.Instructions()  # no OPENAI_API_KEY: fine until a dispatch

    @instructions.distil(mode="dispatch")
    def multiply(a: int, b: int) -> Multiply: ...

    with pytest.raises(openai.OpenAIError):
        multiply(1, 2)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
    fake.add(Reply.tool("Multiply", {"a": 1, "b": 2, "result": 2}))
    assert multiply(1, 2) == Multiply(a=1, b=2, result=2)
    assert isinstance(instructions.client, instructor.Instructor)
    assert fake.requests[0].json["model"] == "gpt-3.5-turbo"


async def test_async_dispatch_with_an_async_client(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Multiply", {"a": 2, "b": 2, "result": 4}))
    client = instructor.from_openai(openai.AsyncOpenAI(base_url=fake.openai_base_url, api_key="sk-test"))
    instructions = instructor.Instructions(openai_client=client)

    @instructions.distil(mode="dispatch", model="ft:x")
    async def multiply(a: int, b: int) -> Multiply: ...

    assert await multiply(2, 2) == Multiply(a=2, b=2, result=4)


def test_a_sync_function_with_an_async_client_is_a_clear_error(fake: FakeProvider) -> None:
    sdk = openai.AsyncOpenAI(base_url=fake.openai_base_url, api_key="sk-test")
    instructions = instructor.Instructions(openai_client=sdk)

    @instructions.distil(mode="dispatch")
    def multiply(a: int, b: int) -> Multiply: ...

    with pytest.raises(TypeError, match="async"):
        multiply(1, 1)
    assert fake.requests == []
