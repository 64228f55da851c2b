"""OpenTelemetry spans of streamed calls, batch jobs and `instructor.patch`-ed clients.

A stream's call span and its attempt span end when the stream does: read to the end, failed,
or abandoned (`break`, `close()`, the generator garbage collected, the connection cut).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable
from typing import Any

import pytest
from opentelemetry.trace import StatusCode
from pydantic import BaseModel
from telemetry_harness import (
    GOOD,
    MESSAGES,
    MODELS,
    PROVIDER_NAMES,
    Otel,
    User,
    client,
)

import instructor
from instructor.testing import FakeProvider, Reply


class Task(BaseModel):
    id: int
    title: str


TASKS = [{"id": i, "title": f"task {i}"} for i in range(4)]


def drain(stream: Any, use_async: bool) -> list[Any]:
    if not use_async:
        return list(stream)

    async def read() -> list[Any]:
        return [item async for item in stream]

    return asyncio.run(read())


def assert_ended_with_the_stream(otel: Otel, name: str) -> tuple[Any, Any]:
    call, (attempt,) = otel.call_span(), otel.attempts()
    assert call.name == name and (call.attributes or {})["instructor.stream"] is True
    assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id
    assert call.end_time is not None and attempt.end_time is not None and attempt.end_time <= call.end_time
    return call, attempt


# -- read to the end -----------------------------------------------------------------------------------

@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("provider", list(MODELS))
def test_a_partial_stream_read_to_its_end(fake: FakeProvider, otel: Otel, provider: str, use_async: bool) -> None:
    fake.add(Reply.tool("User", GOOD, chunk_size=4, usage=(50, 12)))
    traced = client(provider, fake, use_async).instrument(**otel.providers)
    partials = drain(traced.create_partial(response_model=User, messages=MESSAGES), use_async)
    assert partials[-1] == User(**GOOD) and len(otel.spans()) == 2, "no span ends before the stream does"

    call, attempt = assert_ended_with_the_stream(otel, "instructor.create_partial User")
    attributes = attempt.attributes or {}
    assert attributes["gen_ai.provider.name"] == PROVIDER_NAMES[provider]
    assert attributes["gen_ai.usage.input_tokens"] == 50 and attributes["gen_ai.usage.output_tokens"] == 12
    assert attributes["gen_ai.response.finish_reasons"] in (("tool_calls",), ("tool_use",)), \
        "what the stream said, kept by the finished stream"
    if provider != "bedrock":  # ConverseStream sends no id or model
        assert attributes["gen_ai.response.model"] == MODELS[provider] and attributes["gen_ai.response.id"]
    assert call.status.status_code is StatusCode.UNSET and attempt.status.status_code is StatusCode.UNSET
    assert "instructor.stream.abandoned" not in (call.attributes or {})
    (tokens,) = [p for p in otel.points("gen_ai.client.token.usage") if p.attributes["gen_ai.token.type"] == "output"]
    assert tokens.sum == 12


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_an_iterable_stream_read_to_its_end(fake: FakeProvider, otel: Otel, use_async: bool) -> None:
    fake.add(Reply.tool("IterableTask", {"tasks": TASKS}, chunk_size=7))
    traced = client("openai", fake, use_async).instrument(**otel.providers, capture_content=True)
    tasks = drain(traced.create_iterable(response_model=Task, messages=MESSAGES), use_async)
    assert [t.model_dump() for t in tasks] == TASKS
    call, attempt = assert_ended_with_the_stream(otel, "instructor.create_iterable Task")
    assert (call.attributes or {})["instructor.response_model"] == "Task"
    assert "tasks" in (attempt.attributes or {})["gen_ai.output.messages"], "the streamed answer, captured"


def test_a_streamed_reask_is_a_second_attempt(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -7}, chunk_size=5), Reply.tool("User", GOOD, chunk_size=5))
    traced = client("anthropic", fake).instrument(**otel.providers)
    partials = list(traced.create_partial(response_model=User, messages=MESSAGES, max_retries=2))
    assert partials[-1] == User(**GOOD)
    first, second = otel.attempts()
    assert first.status.status_code is StatusCode.ERROR and first.events[0].name == "instructor.validation_error"
    assert (first.events[0].attributes or {})["instructor.validation.paths"] == ("age",)
    assert (second.attributes or {})["instructor.reask"] is True
    assert (otel.call_span().attributes or {})["instructor.reasks"] == 1


def test_a_stream_cut_early_ends_its_attempt_and_reasks(fake: FakeProvider, otel: Otel) -> None:
    """A field that closes invalid cuts the stream at once (the rest is never read): the attempt ends
    there as an invalid answer and the re-ask is the next attempt, under the same call span."""
    long_tail = {"age": -7, "name": "Jason" + " and more" * 200}
    fake.add(Reply.tool("User", long_tail, chunk_size=4), Reply.tool("User", GOOD, chunk_size=4))
    traced = client("openai", fake).instrument(**otel.providers)
    partials = list(traced.create_partial(response_model=User, messages=MESSAGES, max_retries=2))
    assert partials[-1] == User(**GOOD)
    call, (first, second) = otel.call_span(), otel.attempts()
    assert first.status.status_code is StatusCode.ERROR and first.end_time <= second.start_time  # type: ignore[operator]
    (event,) = first.events
    assert event.name == "instructor.validation_error"
    assert (event.attributes or {})["instructor.validation.paths"] == ("age",)
    assert (second.attributes or {})["instructor.reask"] is True and "instructor.stream.abandoned" not in (
        first.attributes or {})
    assert (call.attributes or {})["instructor.reasks"] == 1 and call.status.status_code is StatusCode.UNSET


# -- abandoned -----------------------------------------------------------------------------------------

def _first_of(stream: Iterable[Any]) -> Any:
    for item in stream:
        return item  # leaves the loop early: the generator is closed when it is collected
    return None


@pytest.mark.parametrize("how", ["break", "close", "collected"])
def test_a_stream_left_early_ends_its_spans(fake: FakeProvider, otel: Otel, how: str) -> None:
    fake.add(Reply.tool("User", GOOD, chunk_size=2))
    traced = client("openai", fake).instrument(**otel.providers)
    stream = traced.create_partial(response_model=User, messages=MESSAGES)
    if how == "break":
        for _ in stream:
            break
        assert otel.spans() == [], "still open while the caller holds the stream"
        del stream
    elif how == "close":
        next(stream)
        stream.close()
    else:
        _first_of(stream)
        del stream
    gc.collect()
    call, attempt = assert_ended_with_the_stream(otel, "instructor.create_partial User")
    assert (call.attributes or {})["instructor.stream.abandoned"] is True
    assert (attempt.attributes or {})["instructor.stream.abandoned"] is True
    assert call.status.status_code is StatusCode.UNSET, "leaving a stream is no error"
    assert (call.attributes or {})["instructor.attempts"] == 1


def test_an_async_stream_left_early_ends_its_spans(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", GOOD, chunk_size=2))
    traced = client("anthropic", fake, use_async=True).instrument(**otel.providers)

    async def first() -> None:
        stream = traced.create_partial(response_model=User, messages=MESSAGES)
        async for _ in stream:
            break
        await stream.aclose()

    asyncio.run(first())
    call, _ = assert_ended_with_the_stream(otel, "instructor.create_partial User")
    assert (call.attributes or {})["instructor.stream.abandoned"] is True


def test_a_stream_the_connection_cuts_is_an_error(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", GOOD, chunk_size=2, cut_stream_after=3))
    traced = client("openai", fake).instrument(**otel.providers)
    with pytest.raises(Exception) as info:
        list(traced.create_partial(response_model=User, messages=MESSAGES, max_retries=0))
    call, attempt = assert_ended_with_the_stream(otel, "instructor.create_partial User")
    assert call.status.status_code is StatusCode.ERROR and attempt.status.status_code is StatusCode.ERROR
    assert (call.attributes or {})["error.type"] == type(info.value).__qualname__
    assert "instructor.stream.abandoned" not in (call.attributes or {})


# -- batch jobs ----------------------------------------------------------------------------------------

def _openai_processor(fake: FakeProvider, base_url: str | None = None) -> Any:
    import openai

    from instructor.batch import BatchProcessor

    sdk = openai.OpenAI(base_url=base_url or fake.openai_base_url, api_key="test-key", max_retries=0)
    return BatchProcessor("openai/gpt-4o-mini", User, client=sdk, mode=instructor.Mode.TOOLS)


def _bedrock_processor(fake: FakeProvider) -> Any:
    from instructor.batch import BatchProcessor

    fake.batches.limits["bedrock"].min_requests = 1  # an account whose jobs may be this small

    return BatchProcessor("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", User, endpoint_url=fake.url,
                          region_name="us-east-1", aws_access_key_id="AKIDFAKE", aws_secret_access_key="fake",
                          batch_options={"s3_uri": "s3://batch-bucket/jobs",
                                         "role_arn": "arn:aws:iam::123456789012:role/bedrock-batch"})


@pytest.mark.parametrize(("make", "provider"), [(_openai_processor, "openai"), (_bedrock_processor, "aws.bedrock")],
                         ids=["openai", "bedrock"])
def test_a_batch_jobs_submission_and_results_are_spans(fake: FakeProvider, otel: Otel, make: Any,
                                                       provider: str) -> None:
    fake.add(Reply.tool("User", GOOD), Reply.tool("User", {"name": "no age"}))
    processor = make(fake)
    messages = [[{"role": "user", "content": f"user {i}"}] for i in range(2)]
    batch_file = processor.create_batch_from_messages(messages)
    instructor.instrument(**otel.providers)
    batch_id = processor.submit_batch(batch_file)
    processor.wait(batch_id, poll_interval=0)
    results = processor.retrieve_results(batch_id)
    assert [r.success for r in results] == [True, False]

    submit, read = otel.named("instructor.batch.submit"), otel.named("instructor.batch.results")
    assert len(submit) == 1 and len(read) == 1
    for span in (*submit, *read):
        attributes = span.attributes or {}
        assert attributes["instructor.batch.id"] == batch_id and attributes["gen_ai.provider.name"] == provider
        assert attributes["instructor.response_model"] == "User" and span.status.status_code is StatusCode.UNSET
    assert (read[0].attributes or {})["instructor.batch.succeeded"] == 1
    assert (read[0].attributes or {})["instructor.batch.failed"] == 1


def test_a_failed_submission_is_an_error_span(fake: FakeProvider, otel: Otel) -> None:
    processor = _openai_processor(fake, base_url="http://127.0.0.1:9/v1")  # nothing listens there
    instructor.instrument(**otel.providers)
    with pytest.raises(Exception) as info:
        processor.submit_batch(processor.create_batch_from_messages([MESSAGES]))
    (span,) = otel.named("instructor.batch.submit")
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == type(info.value).__qualname__


def test_batch_jobs_are_not_traced_when_off(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", GOOD))
    processor = _openai_processor(fake)
    batch_id = processor.submit_batch(processor.create_batch_from_messages([MESSAGES]))
    processor.wait(batch_id, poll_interval=0)
    assert len(processor.retrieve_results(batch_id)) == 1 and otel.spans() == []


# -- patched clients -----------------------------------------------------------------------------------

@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_patched_client_is_traced_by_the_global_switch(fake: FakeProvider, otel: Otel, use_async: bool) -> None:
    import openai

    fake.add(Reply.tool("User", GOOD, usage=(9, 4)))
    sdk: Any = (openai.AsyncOpenAI if use_async else openai.OpenAI)(base_url=fake.openai_base_url,
                                                                      api_key="test-key", max_retries=0)
    patched = instructor.patch(sdk)
    instructor.instrument(**otel.providers)
    result = patched.chat.completions.create(model="gpt-4o-mini", response_model=User, messages=MESSAGES)
    user = asyncio.run(result) if use_async else result
    assert user == User(**GOOD)
    call, (attempt,) = otel.call_span(), otel.attempts()
    assert call.name == "instructor.create User" and attempt.name == "chat gpt-4o-mini"
    assert (attempt.attributes or {})["gen_ai.usage.output_tokens"] == 4
