"""Batch jobs end to end: BatchProcessor -> real openai / anthropic SDK -> FakeProvider -> parsed objects.

The fake runs each request line of a batch through its chat wire and the next
scripted reply, so a test scripts per line a valid answer, an invalid one or a
provider error, and reads back what the provider would have returned.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from pydantic import BaseModel, field_validator

import instructor
from instructor.batch import (
    BatchError,
    BatchJob,
    BatchJobInfo,
    BatchProcessor,
    BatchRequest,
    BatchStatus,
    BatchSuccess,
    extract_results,
    filter_errors,
    filter_successful,
    get_results_by_custom_id,
)
from instructor.mode import Mode
from instructor.testing import FakeProvider, Reply


class User(BaseModel):
    name: str
    age: int

    @field_validator("age")
    @classmethod
    def adult_or_child(cls, value: int) -> int:
        if value < 0:
            raise ValueError("age cannot be negative")
        return value


def conversations(n: int) -> list[list[dict[str, str]]]:
    return [[{"role": "system", "content": "Extract the user."},
             {"role": "user", "content": f"user {i} is {i % 90} years old"}] for i in range(n)]


def openai_processor(fake: FakeProvider, **kwargs: Any) -> BatchProcessor[User]:
    client = openai.OpenAI(base_url=fake.openai_base_url, api_key="test-key", max_retries=0)
    return BatchProcessor("openai/gpt-4o-mini", User, client=client, **kwargs)


def anthropic_processor(fake: FakeProvider, **kwargs: Any) -> BatchProcessor[User]:
    client = anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="test-key", max_retries=0)
    return BatchProcessor("anthropic/claude-sonnet-4-6", User, client=client, **kwargs)


def line_bodies(fake: FakeProvider, path: str) -> list[Any]:
    """The bodies the fake's chat wire received for the lines of a batch (in order)."""
    return [r.json for r in fake.requests if r.path == path]


# -- the whole lifecycle, 1,000 requests -------------------------------------------------------------
def test_openai_thousand_requests_become_users(fake: FakeProvider, tmp_path: Path) -> None:
    n = 1000
    fake.add(*[Reply.json({"name": f"user {i}", "age": i % 90}) for i in range(n)])
    processor = openai_processor(fake)
    path = processor.create_batch_from_messages(conversations(n), file_path=str(tmp_path / "in.jsonl"))
    assert path == str(tmp_path / "in.jsonl")
    lines = [json.loads(line) for line in Path(path).read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == [f"request-{i}" for i in range(n)]
    assert {(line["method"], line["url"]) for line in lines} == {("POST", "/v1/chat/completions")}

    batch_id = processor.submit_batch(path, metadata={"run": "nightly"})
    info = processor.wait(batch_id, poll_interval=0)
    assert info.status is BatchStatus.COMPLETED and info.metadata == {"run": "nightly"}
    assert (info.request_counts.total, info.request_counts.completed, info.request_counts.failed) == (n, n, 0)

    results = processor.retrieve_results(batch_id)
    assert all(isinstance(r, BatchSuccess) for r in results)
    assert extract_results(results) == [User(name=f"user {i}", age=i % 90) for i in range(n)]
    assert [r.custom_id for r in results] == [f"request-{i}" for i in range(n)]
    # every line reached the model as its own chat request, in file order
    assert [b["messages"][1]["content"] for b in line_bodies(fake, "/v1/chat/completions")] == [
        f"user {i} is {i % 90} years old" for i in range(n)]


def test_anthropic_thousand_requests_become_users(fake: FakeProvider) -> None:
    n = 1000
    fake.add(*[Reply.tool("User", {"name": f"user {i}", "age": i % 90}) for i in range(n)])
    processor = anthropic_processor(fake)
    buffer = processor.create_batch_from_messages(conversations(n))
    assert isinstance(buffer, io.BytesIO)
    batch_id = processor.submit_batch(buffer)
    assert batch_id.startswith("msgbatch_")
    info = processor.wait(batch_id, poll_interval=0)
    assert info.status is BatchStatus.COMPLETED and info.request_counts.succeeded == n
    results = list(processor.iter_results(batch_id))
    assert extract_results(results) == [User(name=f"user {i}", age=i % 90) for i in range(n)]
    sent = line_bodies(fake, "/v1/messages")
    assert len(sent) == n
    # moved out of the messages, as Anthropic requires; string contents joined into one string (COMPAT 11.2)
    assert sent[0]["system"] == "Extract the user."
    assert [m["role"] for m in sent[0]["messages"]] == ["user"]


# -- request lines are what client.create sends ------------------------------------------------------
@pytest.mark.parametrize("mode", [Mode.JSON_SCHEMA, Mode.TOOLS, Mode.JSON, Mode.MD_JSON])
def test_openai_line_body_is_what_create_sends(fake: FakeProvider, mode: Mode) -> None:
    messages = conversations(1)[0]
    line = next(openai_processor(fake, mode=mode).request_lines([messages]))
    reply = Reply.tool("User", {"name": "a", "age": 1}) if mode is Mode.TOOLS else Reply.json({"name": "a", "age": 1})
    fake.add(reply)
    client = instructor.from_openai(openai.OpenAI(base_url=fake.openai_base_url, api_key="k"), mode=mode)
    client.create(response_model=User, messages=messages, model="gpt-4o-mini", max_tokens=1000, temperature=0.1)
    assert line["body"] == fake.requests[-1].json


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON])
def test_anthropic_line_params_are_what_create_sends(fake: FakeProvider, mode: Mode) -> None:
    messages = conversations(1)[0]
    # this anthropic SDK has no `temperature` parameter: leave it out on both sides
    line = next(anthropic_processor(fake, mode=mode).request_lines([messages], temperature=None))
    assert set(line) == {"custom_id", "params"}
    tools = mode is Mode.TOOLS
    fake.add(Reply.tool("User", {"name": "a", "age": 1}) if tools else Reply.json({"name": "a", "age": 1}))
    client = instructor.from_anthropic(anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="k"), mode=mode)
    client.create(response_model=User, messages=messages, model="claude-sonnet-4-6", max_tokens=1000)
    sent = fake.requests[-1].json
    if tools:
        # the one difference: a batch line's system strings stay one string, as published (COMPAT 11.2)
        assert (line["params"]["system"], sent["system"]) == ("Extract the user.", [
            {"type": "text", "text": "Extract the user."}])
        sent = {**sent, "system": "Extract the user."}
    assert line["params"] == sent
    if tools:
        # one forced call, as the published release sends it
        assert line["params"]["tool_choice"] == {"type": "tool", "name": "User", "disable_parallel_tool_use": True}


def test_openai_tools_mode_end_to_end(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "t", "age": 5}), Reply.tool("Other", {"name": "x", "age": 1}),
             Reply.tool("User", '{"name": "broken'))
    processor = openai_processor(fake, mode=Mode.TOOLS)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(3)))
    assert fake.batches.jobs[batch_id].requests[0]["body"]["tool_choice"] == {
        "type": "function", "function": {"name": "User"}}
    processor.wait(batch_id, poll_interval=0)
    results = processor.retrieve_results(batch_id)
    assert results[0].result == User(name="t", age=5)  # type: ignore[union-attr]
    # a call of a tool nobody offered is an invalid answer, as in a live call (repaired like one)
    assert (results[1].custom_id, results[1].error_type) == ("request-1", "response_parsing_error")
    assert "'Other'" in results[1].error_message
    assert (results[2].custom_id, results[2].error_type) == ("request-2", "invalid_json")
    # BatchJob.parse_* keep the published leniency: a lone call is the answer whatever its name
    users, _ = BatchJob.parse_from_string("\n".join(processor.result_lines(batch_id)), User)
    assert User(name="x", age=1) in users


def test_openai_default_line_shape() -> None:
    """The published release's OpenAI line: a strict json_schema response_format named after the model."""
    line = BatchRequest(custom_id="request-7", messages=[{"role": "user", "content": "hi"}], response_model=User,
                        model="gpt-4o-mini").to_openai_format()
    assert set(line) == {"custom_id", "method", "url", "body"}
    body = line["body"]
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("gpt-4o-mini", 1000, 0.1)
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert (schema["name"], schema["strict"], schema["schema"]["additionalProperties"]) == ("User", True, False)


def test_batch_request_save_to_file_and_buffer(tmp_path: Path) -> None:
    request = BatchRequest(custom_id="a", messages=[{"role": "user", "content": "hi"}], response_model=User,
                           model="claude-sonnet-4-6")
    path = tmp_path / "r.jsonl"
    request.save_to_file(str(path), "anthropic")
    request.model_copy(update={"custom_id": "b"}).save_to_file(str(path), "anthropic")
    assert [json.loads(x)["custom_id"] for x in path.read_text().splitlines()] == ["a", "b"]
    buffer = io.BytesIO()
    request.save_to_file(buffer, "openai")
    assert json.loads(buffer.getvalue())["url"] == "/v1/chat/completions"
    with pytest.raises(ValueError, match="^Unsupported provider: gemini"):
        request.save_to_file(buffer, "gemini")


# -- errors, line by line ---------------------------------------------------------------------------
def test_openai_errors_per_line(fake: FakeProvider) -> None:
    fake.add(
        Reply.json({"name": "ok", "age": 30}),
        Reply.text("I cannot answer that as JSON"),              # invalid JSON
        Reply.json({"name": "minus", "age": -4}),                # fails the model's validator
        Reply.http_error(500, "the server had an error"),        # the provider rejected the request
        Reply.json({"name": "cut", "age": 1}, stop="length"),    # cut at max_tokens
        Reply(refusal="I will not", content=None),               # a refusal
    )
    processor = openai_processor(fake)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(6)))
    processor.wait(batch_id, poll_interval=0)
    by_id = get_results_by_custom_id(processor.iter_results(batch_id))
    assert by_id["request-0"].success and by_id["request-0"].result == User(name="ok", age=30)  # type: ignore[union-attr]
    errors = {r.custom_id: r for r in by_id.values() if isinstance(r, BatchError)}
    assert {k: e.error_type for k, e in errors.items()} == {
        "request-1": "invalid_json", "request-2": "validation_error", "request-3": "fake_error",
        "request-4": "incomplete_output", "request-5": "refusal"}
    assert "age cannot be negative" in errors["request-2"].error_message
    assert errors["request-3"].error_message == "the server had an error"
    assert errors["request-3"].raw_data["response"]["status_code"] == 500
    assert isinstance(errors["request-4"].exception, instructor.IncompleteOutputException)
    assert isinstance(errors["request-5"].exception, instructor.RefusalError)
    assert all(not e.success for e in errors.values())


def test_anthropic_errored_keeps_type_and_message(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "ok", "age": 3}),
             Reply.http_error(429, "Number of request tokens has exceeded your rate limit"),
             Reply.http_error(400, "messages: text content blocks must be non-empty"),
             Reply.tool("User", {"name": "no age"}),
             Reply.text("no tool call here"))
    processor = anthropic_processor(fake)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(5)))
    processor.wait(batch_id, poll_interval=0)
    results = processor.retrieve_results(batch_id)
    assert [r.result for r in filter_successful(results)] == [User(name="ok", age=3)]
    errors = filter_errors(results)
    assert [(e.custom_id, e.error_type) for e in errors] == [
        ("request-1", "rate_limit_error"), ("request-2", "invalid_request_error"),
        ("request-3", "validation_error"), ("request-4", "response_parsing_error")]
    assert errors[0].error_message == "Number of request tokens has exceeded your rate limit"
    assert errors[1].error_message == "messages: text content blocks must be non-empty"
    assert errors[1].raw_data["result"]["type"] == "errored"


def test_unreadable_results_lines_are_errors_not_exceptions() -> None:
    good = {"custom_id": "request-0", "response": {"status_code": 200, "body": {"choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": '{"name": "a", "age": 1}'}}]}}}
    text = "\n".join([json.dumps(good), '{"custom_id": "request-1", "response": {broken', "", "[1, 2]"])
    results = BatchProcessor("openai/gpt-4o-mini", User).parse_results(text)
    assert [type(r).__name__ for r in results] == ["BatchSuccess", "BatchError", "BatchError"]
    assert (results[1].custom_id, results[1].error_type) == ("request-1", "parse_error")
    users, errors = BatchJob.parse_from_string(text, User)
    assert users == [User(name="a", age=1)]
    assert errors[0] == {"error": "Failed to parse JSON", "raw_line": '{"custom_id": "request-1", "response": {broken'}


def test_parse_from_file_reads_both_providers_and_foreign_tool_names(tmp_path: Path) -> None:
    """Lines written by other tools (a tool named `extract_data`, JSON in text) parse too."""
    rows = [
        {"custom_id": "o-tool", "response": {"status_code": 200, "body": {"choices": [{"index": 0, "finish_reason":
            "tool_calls", "message": {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type":
            "function", "function": {"name": "extract_data", "arguments": '{"name": "t", "age": 2}'}}]}}]}}},
        {"custom_id": "a-tool", "result": {"type": "succeeded", "message": {"type": "message", "role": "assistant",
            "stop_reason": "tool_use", "content": [{"type": "tool_use", "id": "t", "name": "extract_data",
                                                    "input": {"name": "u", "age": 3}}]}}},
        {"custom_id": "a-text", "result": {"type": "succeeded", "message": {"type": "message", "role": "assistant",
            "stop_reason": "end_turn", "content": [{"type": "text", "text": '```json\n{"name": "v", "age": 4}\n```'}]}}},
        {"custom_id": "a-expired", "result": {"type": "expired"}},
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    users, errors = BatchJob.parse_from_file(str(path), User)
    assert users == [User(name="t", age=2), User(name="u", age=3), User(name="v", age=4)]
    assert errors == [rows[3]]  # the line itself (COMPAT 11.4)
    assert [r.custom_id for r in BatchJob.iter_file(str(path), User)] == [r["custom_id"] for r in rows]


# -- status, cancel, list ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_status_polling_until_done(fake: FakeProvider, make: Any) -> None:
    fake.batches.complete_after = 3
    fake.add(*[Reply.json({"name": "a", "age": 1}) if make is openai_processor
               else Reply.tool("User", {"name": "a", "age": 1})] * 2)
    processor = make(fake)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(2)))
    seen = [processor.get_batch_info(batch_id) for _ in range(4)]
    assert [s.status for s in seen] == [BatchStatus.PROCESSING] * 3 + [BatchStatus.COMPLETED]
    assert not seen[0].is_done and seen[-1].is_done
    assert fake.pending == 0  # the lines ran when the job completed
    assert len(processor.retrieve_results(batch_id)) == 2


def test_results_before_the_job_ends_say_so(fake: FakeProvider) -> None:
    fake.batches.complete_after = 5
    processor = openai_processor(fake)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(1)))
    with pytest.raises(ValueError, match="has no results yet"):
        processor.retrieve_results(batch_id)
    with pytest.raises(TimeoutError, match="still"):
        processor.wait(batch_id, poll_interval=0.01, timeout=0.02)


@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_cancel(fake: FakeProvider, make: Any) -> None:
    fake.batches.complete_after = 10
    processor = make(fake)
    batch_id = processor.submit_batch(processor.create_batch_from_messages(conversations(3)))
    cancelling = BatchJobInfo.from_provider(processor.provider, processor.cancel_batch(batch_id))
    assert cancelling.raw_status in ("cancelling", "canceling") and not cancelling.is_done
    assert cancelling.status is BatchStatus.CANCELLED
    final = processor.get_batch_info(batch_id)
    assert final.status is BatchStatus.CANCELLED and final.is_done
    results = processor.retrieve_results(batch_id)
    assert not [r for r in fake.requests if r.path.endswith(("/chat/completions", "/v1/messages"))]  # nothing ran
    if make is anthropic_processor:
        assert [(r.custom_id, r.error_type) for r in results] == [(f"request-{i}", "canceled") for i in range(3)]
        assert processor.delete_batch(batch_id)["status"] == "deleted"
        assert batch_id not in fake.batches.jobs
    else:
        assert results == []
        assert processor.delete_batch(batch_id)["status"] == "not_deleted"
        assert batch_id in fake.batches.jobs


@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_list_batches_newest_first(fake: FakeProvider, make: Any) -> None:
    processor = make(fake)
    ids = [processor.submit_batch(processor.create_batch_from_messages(conversations(1))) for _ in range(3)]
    listed = processor.list_batches(limit=2)
    assert [j.id for j in listed] == ids[::-1][:2]
    assert all(isinstance(j, BatchJobInfo) and j.provider == processor.provider for j in listed)


# -- bad input ----------------------------------------------------------------------------------------
def test_model_string_and_provider_errors() -> None:
    with pytest.raises(ValueError, match="Model string must be in format") as bad:
        BatchProcessor("gpt-4o-mini", User)
    assert isinstance(bad.value, instructor.ModelStringError)
    with pytest.raises(ValueError, match="^Unsupported provider: cohere") as unsupported:
        BatchProcessor("cohere/command-r", User)
    assert all(name in str(unsupported.value) for name in ("openai", "anthropic", "bedrock", "google", "mistral"))
    with pytest.raises(instructor.UnsupportedModeError, match="ANTHROPIC_TOOLS"):
        BatchProcessor("openai/gpt-4o-mini", User, mode=Mode.ANTHROPIC_TOOLS)


def test_the_api_key_is_never_in_a_repr(fake: FakeProvider) -> None:
    processor = BatchProcessor("openai/gpt-4o-mini", User, api_key="sk-secret-batch-key",
                               base_url=fake.openai_base_url)
    assert "sk-secret" not in repr(processor)
    assert "sk-secret" not in repr(BatchJob("batch_1", processor))


# -- the surface ------------------------------------------------------------------------------------
def test_batch_stub_matches_runtime() -> None:
    import ast

    import instructor.batch as batch

    stub = Path(batch.__file__).with_suffix(".pyi")
    declared = {alias.asname or alias.name for node in ast.parse(stub.read_text()).body
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert declared == set(batch.__all__) == set(dir(batch))
    for name in declared:
        assert getattr(batch, name).__name__ == name
    assert instructor.BatchProcessor is batch.BatchProcessor and instructor.BatchJob is batch.BatchJob
    assert instructor.BatchRequest is batch.BatchRequest
