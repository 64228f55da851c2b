"""COMPAT.md section 11.1-11.4: batch return shapes, BatchRequest, BatchJobInfo, parsing results.

Each test names the fact it holds. Jobs run through the real openai / anthropic
SDKs against the fake provider, which serves both batch APIs and runs each line
of a job through its chat wire with the next scripted reply.
"""

from __future__ import annotations

import copy
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anthropic
import openai
import pydantic
import pytest
from pydantic import BaseModel, Field

from instructor.batch import (
    BatchError,
    BatchJob,
    BatchJobInfo,
    BatchProcessor,
    BatchRequest,
    BatchStatus,
    BatchSuccess,
)
from instructor.testing import FakeProvider, Reply


class Person(BaseModel):
    name: str
    age: int


class Kid(Person):
    school: str = ""


class Address(BaseModel):
    city: str
    zip: str | None = None


class Profile(BaseModel):
    """A person with an optional nickname and nested addresses."""

    name: str
    nickname: str | None = None
    scores: dict[str, int] = Field(default_factory=dict)
    addresses: list[Address] = Field(default_factory=list)


MESSAGES = [{"role": "user", "content": "Jason is 25"}]


def openai_processor(fake: FakeProvider) -> BatchProcessor[Person]:
    client = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test", max_retries=0)
    return BatchProcessor("openai/gpt-4o-mini", Person, client=client)


def anthropic_processor(fake: FakeProvider) -> BatchProcessor[Person]:
    client = anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="sk-ant-test", max_retries=0)
    return BatchProcessor("anthropic/claude-sonnet-4-6", Person, client=client)


def submitted(processor: BatchProcessor[Person], n: int = 2) -> str:
    return processor.submit_batch(processor.create_batch_from_messages([MESSAGES] * n))


def replies(fake: FakeProvider, provider: str, n: int) -> None:
    one = Reply.json({"name": "Jason", "age": 25}) if provider == "openai" else Reply.tool(
        "Person", {"name": "Jason", "age": 25})
    fake.add(*[one] * n)


# -- 11.1 BatchProcessor return types ---------------------------------------------------------------
def test_s11_1_get_batch_status_is_the_published_dict_openai(fake: FakeProvider) -> None:
    fake.batches.complete_after = 1
    replies(fake, "openai", 2)
    processor = openai_processor(fake)
    batch_id = submitted(processor)
    status = processor.get_batch_status(batch_id)
    assert set(status) == {"id", "status", "created_at", "request_counts"}
    assert status["id"] == batch_id and status.get("status") == "in_progress"  # the raw word, not normalised
    assert isinstance(status["created_at"], int)
    assert status["request_counts"] == {"total": 2, "completed": 0, "failed": 0}
    assert processor.get_batch_status(batch_id)["status"] == "completed"


def test_s11_1_get_batch_status_is_the_published_dict_anthropic(fake: FakeProvider) -> None:
    fake.batches.complete_after = 1
    replies(fake, "anthropic", 2)
    processor = anthropic_processor(fake)
    batch_id = submitted(processor)
    status = processor.get_batch_status(batch_id)
    assert set(status) == {"id", "status", "created_at", "request_counts"}
    assert status["status"] == "in_progress"
    assert isinstance(status["created_at"], datetime) and status["created_at"].tzinfo is not None
    counts = status["request_counts"]
    assert isinstance(counts, anthropic.types.messages.MessageBatchRequestCounts)  # the SDK object, as published
    assert counts.processing == 2
    ended = processor.get_batch_status(batch_id)
    assert ended["status"] == "ended" and ended["request_counts"].succeeded == 2


@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_s11_1_get_batch_info_keeps_the_normalised_view(fake: FakeProvider, make: Any) -> None:
    processor = make(fake)
    replies(fake, processor.provider, 1)
    info = processor.get_batch_info(submitted(processor, 1))
    assert isinstance(info, BatchJobInfo) and info.status is BatchStatus.COMPLETED and info.is_done
    assert info.request_counts.total == 1


def test_s11_1_status_of_an_unknown_batch_raises_the_sdk_error(fake: FakeProvider) -> None:
    with pytest.raises(openai.NotFoundError):
        openai_processor(fake).get_batch_status("batch_nope")
    with pytest.raises(anthropic.NotFoundError):
        anthropic_processor(fake).get_batch_status("msgbatch_nope")


@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_s11_1_list_batches_gives_batch_job_infos(fake: FakeProvider, make: Any) -> None:
    processor = make(fake)
    ids = [submitted(processor, 1) for _ in range(3)]
    listed = processor.list_batches(limit=2)
    assert [j.id for j in listed] == ids[::-1][:2]
    assert all(isinstance(j, BatchJobInfo) for j in listed)


@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_s11_1_submit_batch_returns_the_id(fake: FakeProvider, make: Any) -> None:
    processor = make(fake)
    batch_id = submitted(processor, 1)
    assert isinstance(batch_id, str) and batch_id in fake.batches.jobs


def test_s11_1_cancel_batch_is_the_sdk_object_as_a_dict(fake: FakeProvider) -> None:
    fake.batches.complete_after = 10
    for processor, status_key, word in ((openai_processor(fake), "status", "cancelling"),
                                        (anthropic_processor(fake), "processing_status", "canceling")):
        batch_id = submitted(processor, 1)
        cancelled = processor.cancel_batch(batch_id)
        assert isinstance(cancelled, dict) and cancelled["id"] == batch_id and cancelled[status_key] == word


def test_s11_1_delete_batch_gives_id_status_message(fake: FakeProvider) -> None:
    for processor in (openai_processor(fake), anthropic_processor(fake)):
        replies(fake, processor.provider, 1)
        batch_id = submitted(processor, 1)
        processor.get_batch_info(batch_id)  # ended
        answer = processor.delete_batch(batch_id)
        assert set(answer) == {"id", "status", "message"} and answer["id"] == batch_id
        # OpenAI keeps batches (nothing deleted, and the answer says so); Anthropic deletes for real
        assert (batch_id in fake.batches.jobs) is (processor.provider == "openai")
        assert "does not support batch deletion" in answer["message"] if processor.provider == "openai" \
            else answer["status"] == "deleted"


@pytest.mark.parametrize("make", [openai_processor, anthropic_processor])
def test_s11_1_get_results_parses_and_saves_the_raw_jsonl(fake: FakeProvider, make: Any, tmp_path: Path) -> None:
    processor = make(fake)
    replies(fake, processor.provider, 1)
    fake.add(Reply.http_error(500, "boom"))
    batch_id = submitted(processor, 2)
    processor.get_batch_info(batch_id)
    results = processor.get_results(batch_id)
    assert [type(r) for r in results] == [BatchSuccess, BatchError]
    assert results[0].result == Person(name="Jason", age=25)  # type: ignore[union-attr]
    saved = tmp_path / "results.jsonl"
    assert processor.get_results(batch_id, file_path=str(saved)) == results
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == ["request-0", "request-1"]
    assert processor.retrieve_results(batch_id) == results


# -- 11.2 BatchRequest --------------------------------------------------------------------------------
def test_s11_2_batch_request_is_generic() -> None:
    parametrised = BatchRequest[Person]
    assert parametrised.__name__ == "BatchRequest[Person]"
    fields = {"custom_id": "a", "messages": MESSAGES, "model": "gpt-4o-mini"}
    assert parametrised(response_model=Kid, **fields).response_model is Kid  # a subclass is fine
    with pytest.raises(pydantic.ValidationError):
        parametrised(response_model=Address, **fields)
    assert BatchRequest(response_model=Address, **fields).response_model is Address  # unparametrised: any model
    with pytest.raises(pydantic.ValidationError):
        BatchRequest(response_model=int, **fields)
    request = BatchRequest(response_model=Person, **fields)
    assert (request.max_tokens, request.temperature) == (1000, 0.1)
    # the name and the schema come from the value, not the parameter
    line = parametrised(response_model=Kid, **fields).to_openai_format()
    assert line["body"]["response_format"]["json_schema"]["name"] == "Kid"


def test_s11_2_openai_envelope() -> None:
    messages = [{"role": "system", "content": "Extract."}, *MESSAGES]
    line = BatchRequest(custom_id="request-7", messages=messages, response_model=Profile, model="gpt-4o-mini",
                        temperature=None).to_openai_format()
    assert line["custom_id"] == "request-7" and (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
    body = line["body"]
    assert set(body) == {"model", "messages", "max_tokens", "temperature", "response_format"}
    assert body["messages"] == messages  # as given, system kept
    assert (body["max_tokens"], body["temperature"]) == (1000, None)  # null when None
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]
    assert (schema["name"], schema["strict"]) == ("Profile", True)


def _objects(schema: Any) -> list[dict[str, Any]]:
    """Every object schema in `schema`, nested ones included."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(_objects(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_objects(value))
    return found


def test_s11_2_openai_line_schema_is_one_strict_mode_accepts() -> None:
    """Keep ours: every object closed and every property required (OpenAI's strict rules), optional fields too."""
    line = BatchRequest(custom_id="a", messages=MESSAGES, response_model=Profile, model="m").to_openai_format()
    schema = line["body"]["response_format"]["json_schema"]["schema"]
    objects = [o for o in _objects(schema) if "properties" in o]
    assert len(objects) >= 2  # Profile and Address
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"])


def test_s11_2_anthropic_envelope() -> None:
    messages = [{"role": "system", "content": "Extract."}, *MESSAGES]
    line = BatchRequest(custom_id="request-3", messages=messages, response_model=Person,
                        model="claude-sonnet-4-6").to_anthropic_format()
    assert set(line) == {"custom_id", "params"} and line["custom_id"] == "request-3"
    params = line["params"]
    assert set(params) == {"model", "max_tokens", "temperature", "messages", "tools", "tool_choice", "system"}
    assert (params["model"], params["max_tokens"], params["temperature"]) == ("claude-sonnet-4-6", 1000, 0.1)
    assert params["messages"] == MESSAGES and params["system"] == "Extract."
    # keep ours: the tool carries the model's name (what from_anthropic sends), one call forced
    assert [t["name"] for t in params["tools"]] == ["Person"]
    assert params["tools"][0]["input_schema"]["type"] == "object"
    assert params["tool_choice"] == {"type": "tool", "name": "Person", "disable_parallel_tool_use": True}
    no_system = BatchRequest(custom_id="b", messages=MESSAGES, response_model=Person, model="m")
    assert "system" not in no_system.to_anthropic_format()["params"]  # only when non-empty


def _system(messages: list[dict[str, Any]]) -> Any:
    request = BatchRequest(custom_id="a", messages=messages, response_model=Person, model="m")
    return request.to_anthropic_format()["params"]


def test_s11_2_anthropic_system_strings_are_joined_wherever_they_stand() -> None:
    messages = [{"role": "system", "content": "First."}, {"role": "user", "content": "hi"},
                {"role": "system", "content": ""}, {"role": "assistant", "content": "ok"},
                {"role": "system", "content": "Second."}]
    before = copy.deepcopy(messages)
    params = _system(messages)
    assert params["system"] == "First.\n\nSecond."  # joined; the empty one skipped
    assert [m["role"] for m in params["messages"]] == ["user", "assistant"]
    assert messages == before  # the input is not mutated


def test_s11_2_anthropic_system_blocks_are_kept() -> None:
    cached = {"type": "text", "text": "Long context.", "cache_control": {"type": "ephemeral"}}
    messages = [{"role": "system", "content": "Rules."}, {"role": "system", "content": [cached]},
                {"role": "system", "content": []}, *MESSAGES]
    before = copy.deepcopy(messages)
    assert _system(messages)["system"] == [{"type": "text", "text": "Rules."}, cached]
    assert messages == before


def test_s11_2_anthropic_system_dict_content_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="system message"):
        _system([{"role": "system", "content": {"type": "text", "text": "x"}}, *MESSAGES])


def test_s11_2_save_to_file_unknown_provider_raises_before_writing(tmp_path: Path) -> None:
    request = BatchRequest(custom_id="a", messages=MESSAGES, response_model=Person, model="m")
    path = tmp_path / "batch.jsonl"
    with pytest.raises(ValueError, match=r"^Unsupported provider: gemini"):
        request.save_to_file(str(path), "gemini")
    assert not path.exists()
    buffer = io.BytesIO()
    with pytest.raises(ValueError, match=r"^Unsupported provider: OpenAI"):  # the names are exact
        request.save_to_file(buffer, "OpenAI")
    assert buffer.getvalue() == b""


def test_s11_2_save_to_file_appends_to_a_path_and_writes_bytes_to_a_buffer(tmp_path: Path) -> None:
    request = BatchRequest(custom_id="a", messages=MESSAGES, response_model=Person, model="m")
    path = tmp_path / "batch.jsonl"
    request.save_to_file(str(path), "openai")
    request.model_copy(update={"custom_id": "b"}).save_to_file(str(path), "openai")
    assert [json.loads(x)["custom_id"] for x in path.read_text().splitlines()] == ["a", "b"]
    buffer = io.BytesIO()
    request.save_to_file(buffer, "anthropic")
    assert json.loads(buffer.getvalue().decode("utf-8"))["custom_id"] == "a"
    with pytest.raises(ValueError, match="file path or a buffer"):
        request.save_to_file(42, "openai")  # type: ignore[arg-type]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_s11_2_saved_lines_run_at_the_provider(fake: FakeProvider, provider: str, tmp_path: Path) -> None:
    """Lines written by BatchRequest.save_to_file submit and run as they are, through the real SDK."""
    path = tmp_path / "batch.jsonl"
    model = "gpt-4o-mini" if provider == "openai" else "claude-sonnet-4-6"
    for i in range(2):
        BatchRequest[Person](custom_id=f"person-{i}", response_model=Person, model=model, messages=[
            {"role": "system", "content": "Extract the person."}, *MESSAGES]).save_to_file(str(path), provider)
    processor = openai_processor(fake) if provider == "openai" else anthropic_processor(fake)
    replies(fake, provider, 2)
    batch_id = processor.submit_batch(str(path))
    processor.wait(batch_id, poll_interval=0)
    results = processor.retrieve_results(batch_id)
    assert [(r.custom_id, r.result) for r in results] == [  # type: ignore[union-attr]
        (f"person-{i}", Person(name="Jason", age=25)) for i in range(2)]
    sent = [r.json for r in fake.requests if r.path.endswith(("/chat/completions", "/v1/messages"))]
    if provider == "anthropic":
        assert sent[0]["system"] == "Extract the person."
    else:
        assert sent[0]["messages"][0] == {"role": "system", "content": "Extract the person."}


# -- 11.3 BatchJobInfo / BatchStatus ------------------------------------------------------------------
def test_s11_3_batch_status_members() -> None:
    assert [m.name for m in BatchStatus] == ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "EXPIRED"]
    assert BatchStatus.COMPLETED == "completed" and isinstance(BatchStatus.FAILED, str)


def test_s11_3_job_info_fields() -> None:
    info = BatchJobInfo.from_openai({"id": "batch_1", "status": "completed", "completion_window": "24h",
                                     "endpoint": "/v1/chat/completions"})
    assert {"id", "provider", "status", "raw_status", "timestamps", "request_counts", "files", "error",
            "metadata", "raw_data", "model", "endpoint", "completion_window"} <= set(BatchJobInfo.model_fields)
    assert (info.completion_window, info.endpoint, info.metadata, info.error) == (
        "24h", "/v1/chat/completions", {}, None)
    assert info.raw_data == {"id": "batch_1", "status": "completed", "completion_window": "24h",
                             "endpoint": "/v1/chat/completions"}


@pytest.mark.parametrize(("raw", "status"), [
    ("validating", BatchStatus.PENDING), ("in_progress", BatchStatus.PROCESSING),
    ("finalizing", BatchStatus.PROCESSING), ("cancelling", BatchStatus.CANCELLED),
    ("completed", BatchStatus.COMPLETED), ("failed", BatchStatus.FAILED), ("expired", BatchStatus.EXPIRED),
    ("cancelled", BatchStatus.CANCELLED), ("something_new", BatchStatus.PENDING),
])
def test_s11_3_openai_status_mapping(raw: str, status: BatchStatus) -> None:
    info = BatchJobInfo.from_openai({"id": "batch_1", "status": raw})
    assert (info.status, info.raw_status) == (status, raw)


@pytest.mark.parametrize(("raw", "status"), [
    ("in_progress", BatchStatus.PROCESSING), ("ended", BatchStatus.COMPLETED), ("failed", BatchStatus.FAILED),
    ("cancelled", BatchStatus.CANCELLED), ("expired", BatchStatus.EXPIRED),
    ("canceling", BatchStatus.CANCELLED),  # keep ours: the real word of a batch being cancelled
    ("something_new", BatchStatus.PENDING),
])
def test_s11_3_anthropic_status_mapping(raw: str, status: BatchStatus) -> None:
    info = BatchJobInfo.from_anthropic({"id": "msgbatch_1", "processing_status": raw})
    assert (info.status, info.raw_status) == (status, raw)


def test_s11_3_a_job_being_cancelled_is_cancelled_but_not_done() -> None:
    for info in (BatchJobInfo.from_openai({"id": "b", "status": "cancelling"}),
                 BatchJobInfo.from_anthropic({"id": "m", "processing_status": "canceling"})):
        assert info.status is BatchStatus.CANCELLED and not info.is_done
    ended = BatchJobInfo.from_anthropic({"id": "m", "processing_status": "ended",
                                         "cancel_initiated_at": "2026-01-01T00:00:00Z"})
    assert ended.status is BatchStatus.CANCELLED and ended.is_done  # ended because it was cancelled


def test_s11_3_openai_timestamps_are_epoch_seconds() -> None:
    info = BatchJobInfo.from_openai({"id": "b", "status": "completed", "created_at": 1_700_000_000,
                                     "in_progress_at": 1_700_000_010.5, "completed_at": 0, "failed_at": None})
    stamps = info.timestamps
    assert stamps.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert stamps.started_at is not None and stamps.started_at.tzinfo is timezone.utc
    assert stamps.started_at.timestamp() == 1_700_000_010.5
    assert stamps.completed_at is None and stamps.failed_at is None  # 0 is "not yet", not 1970


def test_s11_3_anthropic_timestamps_are_iso_strings_or_datetimes() -> None:
    when = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    info = BatchJobInfo.from_anthropic({"id": "m", "processing_status": "ended",
                                        "created_at": "2026-03-01T12:00:00Z", "ended_at": when,
                                        "expires_at": "not a date", "cancel_initiated_at": None})
    stamps = info.timestamps
    assert stamps.created_at == when and stamps.created_at.tzinfo is not None
    assert stamps.started_at == when and stamps.completed_at is when
    assert stamps.expires_at is None and stamps.cancelled_at is None  # unparsable is None


def test_s11_3_counts() -> None:
    openai_counts = BatchJobInfo.from_openai({"id": "b", "status": "completed",
                                              "request_counts": {"total": 5, "completed": 4, "failed": 1}})
    assert (openai_counts.request_counts.total, openai_counts.request_counts.completed,
            openai_counts.request_counts.failed) == (5, 4, 1)
    counts = BatchJobInfo.from_anthropic({"id": "m", "processing_status": "ended", "request_counts": {
        "processing": 1, "succeeded": 2, "errored": 3, "canceled": 4, "expired": 5}}).request_counts
    assert (counts.total, counts.processing, counts.succeeded, counts.errored, counts.cancelled, counts.expired) == (
        15, 1, 2, 3, 4, 5)
    assert (counts.completed, counts.failed) == (None, None)
    assert BatchJobInfo.from_anthropic({"id": "m", "processing_status": "ended"}).request_counts.total == 0


def test_s11_3_openai_errors_are_read_in_the_apis_list_shape() -> None:
    listed = BatchJobInfo.from_openai({"id": "b", "status": "failed", "errors": {"object": "list", "data": [
        {"code": "invalid_json_line", "message": "Line 3 is not JSON.", "param": None, "line": 3}]}})
    assert listed.error is not None
    assert (listed.error.error_type, listed.error.error_code, listed.error.error_message) == (
        "invalid_json_line", "invalid_json_line", "Line 3 is not JSON.")
    flat = BatchJobInfo.from_openai({"id": "b", "status": "failed", "errors": {
        "type": "server_error", "message": "oops", "code": "500"}})
    assert flat.error is not None and (flat.error.error_type, flat.error.error_message) == ("server_error", "oops")
    assert BatchJobInfo.from_openai({"id": "b", "status": "failed", "errors": {"data": []}}).error is None
    assert BatchJobInfo.from_anthropic({"id": "m", "processing_status": "ended"}).error is None


def test_s11_3_metadata_none_is_an_empty_dict() -> None:
    """Keep ours: a batch without metadata reads (the published release raised a ValidationError)."""
    assert BatchJobInfo.from_openai({"id": "b", "status": "completed", "metadata": None}).metadata == {}


def test_s11_3_sdk_objects_are_accepted_as_well_as_dicts(fake: FakeProvider) -> None:
    client = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test", max_retries=0)
    processor = BatchProcessor("openai/gpt-4o-mini", Person, client=client)
    batch = client.batches.retrieve(submitted(processor, 1))
    assert isinstance(batch, openai.types.Batch)
    assert BatchJobInfo.from_openai(batch) == BatchJobInfo.from_openai(batch.model_dump())
    aclient = anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="sk-ant-test", max_retries=0)
    abatch = aclient.messages.batches.retrieve(submitted(anthropic_processor(fake), 1))
    info = BatchJobInfo.from_anthropic(abatch)
    assert info == BatchJobInfo.from_anthropic(abatch.model_dump(mode="json")).model_copy(
        update={"raw_data": info.raw_data})
    assert info.request_counts.total == 1 and info.timestamps.created_at is not None


def test_s11_3_a_batch_without_id_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        BatchJobInfo.from_openai({"status": "completed"})
    with pytest.raises(KeyError):
        BatchJobInfo.from_anthropic({"processing_status": "ended"})


# -- 11.4 batch results -------------------------------------------------------------------------------
def _openai_line(custom_id: str, message: dict[str, Any], status: int = 200) -> dict[str, Any]:
    return {"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": {"status_code": status, "body": {
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", **message}}]}},
        "error": None}


def _anthropic_line(custom_id: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"custom_id": custom_id, "result": {"type": "succeeded", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "stop_reason": "end_turn", "content": content}}}


def test_s11_4_parse_reads_content_tool_calls_tool_use_and_json_text() -> None:
    lines = [
        _openai_line("o-content", {"content": '{"name": "A", "age": 1}'}),
        _openai_line("o-tool", {"content": None, "tool_calls": [{"id": "c", "type": "function", "function": {
            "name": "Person", "arguments": '{"name": "B", "age": 2}'}}]}),
        _anthropic_line("a-tool", [{"type": "tool_use", "id": "t", "name": "extract_data",
                                    "input": {"name": "C", "age": 3}}]),
        _anthropic_line("a-text", [{"type": "text", "text": '{"name": "D", "age": 4}'}]),
    ]
    people, errors = BatchJob.parse_from_string("\n".join(json.dumps(line) for line in lines), Person)
    assert [p.name for p in people] == ["A", "B", "C", "D"] and errors == []


def test_s11_4_parse_errors_are_the_original_lines(tmp_path: Path) -> None:
    lines = [
        {"custom_id": "o-error", "response": {"status_code": 400, "body": {"error": {
            "message": "bad", "type": "invalid_request_error"}}}, "error": None},
        {"custom_id": "o-error-field", "response": None, "error": {"code": "batch_expired", "message": "late"}},
        {"custom_id": "a-errored", "result": {"type": "errored", "error": {"type": "error", "error": {
            "type": "overloaded_error", "message": "Overloaded"}}}},
        {"custom_id": "a-canceled", "result": {"type": "canceled"}},
        {"custom_id": "a-expired", "result": {"type": "expired"}},
        {},
        _openai_line("o-invalid", {"content": '{"name": "E"}'}),
        _anthropic_line("a-invalid", [{"type": "tool_use", "id": "t", "name": "Person", "input": {"age": "x"}}]),
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    people, errors = BatchJob.parse_from_string(text, Person)
    assert people == [] and errors == lines  # each line itself, unchanged
    path = tmp_path / "results.jsonl"
    path.write_text(text)
    assert BatchJob.parse_from_file(str(path), Person) == ([], lines)


def test_s11_4_an_unparsable_line_is_failed_to_parse_json(tmp_path: Path) -> None:
    good = _openai_line("ok", {"content": '{"name": "A", "age": 1}'})
    text = json.dumps(good) + "\n" + '{"custom_id": "x", "response": {broken\n'
    people, errors = BatchJob.parse_from_string(text, Person)
    assert people == [Person(name="A", age=1)]
    assert errors == [{"error": "Failed to parse JSON", "raw_line": '{"custom_id": "x", "response": {broken'}]
    path = tmp_path / "results.jsonl"
    path.write_text(text)
    assert BatchJob.parse_from_file(str(path), Person) == (people, errors)


def test_s11_4_processor_results_keep_the_provider_error(fake: FakeProvider) -> None:
    """Keep ours: an Anthropic `errored` result keeps its type and message, and all-failed is no exception."""
    fake.add(Reply.http_error(429, "Too many requests"), Reply.http_error(529, "Overloaded"))
    processor = anthropic_processor(fake)
    batch_id = submitted(processor, 2)
    processor.wait(batch_id, poll_interval=0)
    results = processor.retrieve_results(batch_id)  # every request errored: results, not a raise
    assert [(r.custom_id, r.error_type, r.error_message) for r in results] == [  # type: ignore[union-attr]
        ("request-0", "rate_limit_error", "Too many requests"), ("request-1", "overloaded_error", "Overloaded")]
    assert all(isinstance(r, BatchError) and r.raw_data["result"]["type"] == "errored" for r in results)
