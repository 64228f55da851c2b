"""OpenTelemetry spans and metrics of whole-answer calls (`instructor.instrument()`, `client.instrument()`).

Through the real provider SDKs against the fake provider, into the real `opentelemetry-sdk`'s
in-memory span exporter and metric reader: a call span and a span per attempt in the GenAI
semantic conventions, re-asks as validation-error events (paths and types, never values),
errors as span status, fallback chains, budgets, the metrics, content only when asked for, the
global and per-client switches, and nothing of OpenTelemetry imported while it is off.
Streams, batch jobs and patched clients: `test_telemetry_streams.py`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, StatusCode
from telemetry_harness import (
    BAD,
    GOOD,
    MESSAGES,
    MODELS,
    PROVIDER_NAMES,
    Otel,
    User,
    all_text,
    client,
)

import instructor
from instructor import Budget
from instructor.testing import FakeProvider, Reply

PROVIDERS = list(MODELS)
#: sampling settings in each wire's words (anthropic 2.x takes no temperature), and the conventions' names
SAMPLING: dict[str, dict[str, Any]] = {
    "openai": {"temperature": 0.2, "max_tokens": 300, "seed": 7},
    "anthropic": {"max_tokens": 300, "stop_sequences": ["END"]},
    "bedrock": {"inferenceConfig": {"temperature": 0.2, "maxTokens": 300, "topP": 0.9}},
}
REQUESTED = {
    "openai": {"gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 300, "gen_ai.request.seed": 7},
    "anthropic": {"gen_ai.request.max_tokens": 300, "gen_ai.request.stop_sequences": ("END",)},
    "bedrock": {"gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 300, "gen_ai.request.top_p": 0.9},
}


def run(call: Any, use_async: bool) -> Any:
    return asyncio.run(call) if use_async else call


# -- a call span and an attempt span per request -----------------------------------------------------

@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_reasked_call_is_a_call_span_with_an_attempt_span_per_request(
        fake: FakeProvider, otel: Otel, provider: str, use_async: bool) -> None:
    fake.add(Reply.tool("User", BAD, usage=(100, 20)), Reply.tool("User", GOOD, usage=(130, 21)))
    traced = client(provider, fake, use_async).instrument(**otel.providers)
    sampling = SAMPLING[provider]
    user = run(traced.create(response_model=User, messages=MESSAGES, max_retries=2, **sampling), use_async)
    assert user == User(**GOOD)

    call, (first, second) = otel.call_span(), otel.attempts()
    model = MODELS[provider]
    assert call.name == "instructor.create User" and call.kind is SpanKind.INTERNAL and call.parent is None
    assert call.status.status_code is StatusCode.UNSET
    assert dict(call.attributes or {}) == {
        "instructor.provider": provider, "instructor.mode": "TOOLS", "instructor.model": model,
        "instructor.response_model": "User", "instructor.attempts": 2, "instructor.reasks": 1,
        "instructor.usage.input_tokens": 230, "instructor.usage.output_tokens": 41,
    }
    for n, attempt in enumerate((first, second), 1):
        attributes = attempt.attributes or {}
        assert attempt.name == f"chat {model}" and attempt.kind is SpanKind.CLIENT
        assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id
        assert attempt.context.trace_id == call.context.trace_id
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.provider.name"] == PROVIDER_NAMES[provider]
        assert "gen_ai.system" not in attributes, "the conventions' older name is not emitted"
        assert attributes["gen_ai.request.model"] == model and attributes["gen_ai.output.type"] == "json"
        assert {k: v for k, v in attributes.items() if k.startswith("gen_ai.request.") and k != "gen_ai.request.model"} \
            == REQUESTED[provider]
        assert attributes["instructor.attempt"] == n and attributes["instructor.response_model"] == "User"
        assert attributes["server.address"] == "127.0.0.1" and f"127.0.0.1:{attributes['server.port']}" in fake.url
        assert attributes["gen_ai.response.finish_reasons"] == (("tool_calls",) if provider == "openai"
                                                                else ("tool_use",))
        if provider != "bedrock":  # Converse answers carry no id or model
            assert attributes["gen_ai.response.model"] == model
            assert isinstance(attributes["gen_ai.response.id"], str)
    assert (first.attributes or {})["gen_ai.usage.input_tokens"] == 100
    assert (second.attributes or {})["gen_ai.usage.output_tokens"] == 21
    assert "instructor.reask" not in (first.attributes or {}) and (second.attributes or {})["instructor.reask"]
    assert first.end_time is not None and second.start_time is not None and first.end_time <= second.start_time

    # the answer that did not validate: the attempt failed, an event lists where and why, never the values
    assert first.status.status_code is StatusCode.ERROR and second.status.status_code is StatusCode.UNSET
    assert (first.attributes or {})["error.type"] == "ValidationError" and not first.status.description
    (event,) = first.events
    assert event.name == "instructor.validation_error"
    assert dict(event.attributes or {}) == {
        "error.type": "ValidationError", "instructor.validation.error_count": 1,
        "instructor.validation.paths": ("age",), "instructor.validation.types": ("greater_than_equal",),
    }
    for span in otel.spans():
        assert "-7" not in all_text(span) and "hunter2" not in all_text(span), "a value was recorded"
        assert "gen_ai.input.messages" not in (span.attributes or {})


def test_geminis_config_object_gives_the_sampling_settings(fake: FakeProvider, otel: Otel) -> None:
    from google.genai import types

    fake.add(Reply.tool("User", GOOD))
    traced = instructor.from_provider("google/gemini-2.5-flash", api_key="test-key",
                                      base_url=fake.genai_base_url).instrument(**otel.providers)
    config = types.GenerateContentConfig(temperature=0.2, max_output_tokens=300, top_k=5, stop_sequences=["END"])
    traced.create(response_model=User, messages=MESSAGES, config=config)
    attributes = otel.attempts()[0].attributes or {}
    assert {k: v for k, v in attributes.items() if k.startswith("gen_ai.request.") and k != "gen_ai.request.model"} == {
        "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 300, "gen_ai.request.top_k": 5,
        "gen_ai.request.stop_sequences": ("END",)}
    assert attributes["gen_ai.operation.name"] == "generate_content"


def test_the_metrics_follow_the_conventions(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", BAD, usage=(100, 20)), Reply.tool("User", GOOD, usage=(130, 21)),
             Reply.tool("User", GOOD, usage=(7, 3)))
    traced = client("anthropic", fake).instrument(**otel.providers)
    traced.create(response_model=User, messages=MESSAGES, max_retries=2)
    traced.create(response_model=User, messages=MESSAGES)

    base = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": MODELS["anthropic"]}
    tokens = {point.attributes["gen_ai.token.type"]: point for point in otel.points("gen_ai.client.token.usage")}
    assert set(tokens) == {"input", "output"}
    assert tokens["input"].sum == 237 and tokens["input"].count == 3 and tokens["output"].sum == 44
    assert dict(tokens["input"].attributes) == {**base, "gen_ai.token.type": "input"}
    assert tokens["input"].explicit_bounds[:3] == (1, 4, 16), "the conventions' advised buckets"

    durations = {point.attributes.get("error.type"): point for point in otel.points("gen_ai.client.operation.duration")}
    assert set(durations) == {None, "ValidationError"}
    assert durations[None].count == 2 and durations["ValidationError"].count == 1
    assert dict(durations[None].attributes) == base
    assert 0 < durations[None].sum < 10, "seconds"
    assert durations[None].explicit_bounds[:2] == (0.01, 0.02)

    (reasks,) = otel.points("instructor.client.reasks")
    assert reasks.value == 1
    assert dict(reasks.attributes) == {**base, "instructor.response_model": "User", "error.type": "ValidationError"}


@pytest.mark.parametrize("spans", ["sampled out", "no-op provider"])
def test_spans_that_do_not_record_leave_the_metrics_as_they_are(fake: FakeProvider, otel: Otel, spans: str) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
    from opentelemetry.trace import INVALID_SPAN, NoOpTracerProvider, get_current_span

    fake.add(Reply.tool("User", BAD, usage=(100, 20)), Reply.tool("User", GOOD, usage=(130, 21)))
    tracer_provider = TracerProvider(sampler=ALWAYS_OFF) if spans == "sampled out" else NoOpTracerProvider()
    if isinstance(tracer_provider, TracerProvider):
        tracer_provider.add_span_processor(SimpleSpanProcessor(otel.spans_out))
    traced = client("anthropic", fake).instrument(tracer_provider=tracer_provider, meter_provider=otel.meter_provider)
    assert traced.create(response_model=User, messages=MESSAGES, max_retries=2) == User(**GOOD)

    assert otel.spans() == [] and get_current_span() is INVALID_SPAN
    base = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": MODELS["anthropic"]}
    tokens = {point.attributes["gen_ai.token.type"]: point for point in otel.points("gen_ai.client.token.usage")}
    assert tokens["input"].sum == 230 and tokens["output"].sum == 41 and tokens["input"].count == 2
    assert dict(tokens["output"].attributes) == {**base, "gen_ai.token.type": "output"}
    durations = {point.attributes.get("error.type"): point.count
                 for point in otel.points("gen_ai.client.operation.duration")}
    assert durations == {None: 1, "ValidationError": 1}
    (reasks,) = otel.points("instructor.client.reasks")
    assert reasks.value == 1 and reasks.attributes["error.type"] == "ValidationError"


def test_a_traced_call_is_freed_when_its_caller_lets_go(fake: FakeProvider, otel: Otel) -> None:
    """A call's trace lets go of the call when its span ends: the call, its request and the
    provider's responses are freed with the caller's last reference, as an untraced call's are,
    not left in a reference cycle for the next garbage collection."""
    import gc
    import weakref

    fake.always(Reply.tool("User", GOOD))
    traced = client("openai", fake).instrument(**otel.providers)
    responses: list[weakref.ref[Any]] = []
    traced.on("completion:response", lambda response, **_: responses.append(weakref.ref(response)))
    gc.disable()
    try:
        traced.create(response_model=User, messages=MESSAGES)
        assert len(responses) == 1 and responses[0]() is None, "the response outlived its call"
    finally:
        gc.enable()
    assert len(otel.attempts()) == 1


# -- errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_error_is_the_spans_status_and_error_type(fake: FakeProvider, otel: Otel, provider: str) -> None:
    fake.always(Reply.http_error(400, "the prompt is hunter2"))
    traced = client(provider, fake).instrument(**otel.providers)
    with pytest.raises(Exception) as info:
        traced.create(response_model=User, messages=MESSAGES, max_retries=0)
    error = info.value
    name = type(error.__cause__ or error).__qualname__ if isinstance(error, instructor.InstructorError) \
        else type(error).__qualname__
    call, (attempt,) = otel.call_span(), otel.attempts()
    assert call.status.status_code is StatusCode.ERROR and attempt.status.status_code is StatusCode.ERROR
    assert (call.attributes or {})["error.type"] == type(error).__qualname__
    assert (attempt.attributes or {})["error.type"] == name
    assert not call.status.description and not attempt.status.description and not call.events, \
        "the message (which may quote the input) is content"
    (point,) = otel.points("gen_ai.client.operation.duration")
    assert point.attributes["error.type"] == name
    assert "hunter2" not in all_text(call) + all_text(attempt)


def test_retries_used_up_end_the_call_span_with_the_failure(fake: FakeProvider, otel: Otel) -> None:
    fake.always(Reply.tool("User", BAD))
    traced = client("openai", fake).instrument(**otel.providers)
    with pytest.raises(instructor.InstructorRetryException) as info:
        traced.create(response_model=User, messages=MESSAGES, max_retries=2)
    call, attempts = otel.call_span(), otel.attempts()
    assert [(a.attributes or {})["instructor.attempt"] for a in attempts] == [1, 2, 3] and info.value.n_attempts == 3
    assert all(a.status.status_code is StatusCode.ERROR and a.events[0].name == "instructor.validation_error"
               for a in attempts)
    attributes = call.attributes or {}
    assert call.status.status_code is StatusCode.ERROR
    assert attributes["error.type"] == "InstructorRetryException" and attributes["instructor.failure"] == "invalid"
    assert attributes["instructor.attempts"] == 3 and attributes["instructor.reasks"] == 2
    assert otel.points("instructor.client.reasks")[0].value == 2


# -- fallback chains and budgets -----------------------------------------------------------------------

@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_fallback_chain_is_one_call_span_that_names_the_client_that_answered(
        fake: FakeProvider, otel: Otel, use_async: bool) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.tool("User", BAD), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake, use_async), client("anthropic", fake, use_async),
                                client("bedrock", fake, use_async))
    for member in chain.clients:
        member.instrument(**otel.providers)
    user = run(chain.create(response_model=User, messages=MESSAGES, max_retries=2), use_async)
    assert user == User(**GOOD)

    call, attempts = otel.call_span(), otel.attempts()
    assert [(a.attributes or {})["gen_ai.provider.name"] for a in attempts] == ["openai", "anthropic", "anthropic"]
    assert all(a.parent is not None and a.parent.span_id == call.context.span_id for a in attempts)
    assert attempts[0].status.status_code is StatusCode.ERROR
    assert (attempts[0].attributes or {})["error.type"] == "InternalServerError"
    attributes = call.attributes or {}
    assert attributes["instructor.fallback.client"] == f"anthropic/{MODELS['anthropic']}"
    assert attributes["instructor.fallback.index"] == 1 and attributes["instructor.attempts"] == 3
    assert attributes["instructor.provider"] == "openai", "the call span is the chain's, started by its first client"
    assert call.status.status_code is StatusCode.UNSET
    (event,) = call.events
    assert event.name == "instructor.fallback" and dict(event.attributes or {}) == {
        "instructor.fallback.from": f"openai/{MODELS['openai']}",
        "instructor.fallback.to": f"anthropic/{MODELS['anthropic']}",
        "instructor.failure": "transport", "error.type": "InternalServerError",
    }
    (moved,) = otel.points("instructor.client.fallbacks")
    assert moved.value == 1 and dict(moved.attributes) == {
        "gen_ai.provider.name": "openai", "gen_ai.request.model": MODELS["openai"], "instructor.failure": "transport"}


def test_the_call_span_says_the_budget_and_what_was_used(fake: FakeProvider, otel: Otel) -> None:
    from instructor import Price

    fake.add(Reply.tool("User", BAD, usage=(1000, 200), cached_tokens=600, reasoning_tokens=100),
             Reply.tool("User", GOOD, usage=(1100, 100)))
    traced = client("openai", fake).instrument(**otel.providers)
    budget = Budget(tokens=10_000, cost=1.0, prices={"gpt-4o-mini": Price(input=1.0, output=4.0, cached_input=0.5)})
    traced.create(response_model=User, messages=MESSAGES, budget=budget)
    attributes = otel.call_span().attributes or {}
    assert attributes["instructor.budget.tokens"] == 10_000 and attributes["instructor.budget.cost"] == 1.0
    assert attributes["instructor.budget.used_tokens"] == 2400
    expected = (400 * 1.0 + 600 * 0.5 + 200 * 4.0 + 1100 * 1.0 + 100 * 4.0) / 1e6
    assert attributes["instructor.budget.used_cost"] == pytest.approx(expected)
    assert attributes["instructor.usage.cache_read.input_tokens"] == 600
    assert attributes["instructor.usage.reasoning.output_tokens"] == 100
    first = otel.attempts()[0].attributes or {}
    assert first["gen_ai.usage.cache_read.input_tokens"] == 600, "the conventions' name for cache reads"
    assert first["gen_ai.usage.reasoning.output_tokens"] == 100


def test_a_budget_that_stops_the_call_is_its_error(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", BAD, usage=(1000, 200)), Reply.tool("User", GOOD))
    traced = client("anthropic", fake).instrument(**otel.providers)
    with pytest.raises(instructor.BudgetExceeded):
        traced.create(response_model=User, messages=MESSAGES, budget=Budget(tokens=1000))
    call = otel.call_span()
    assert call.status.status_code is StatusCode.ERROR and len(otel.attempts()) == 1
    assert (call.attributes or {})["error.type"] == "BudgetExceeded"
    assert (call.attributes or {})["instructor.budget.used_tokens"] == 1200


# -- content, only when asked for ----------------------------------------------------------------------

@pytest.mark.parametrize("provider", PROVIDERS)
def test_capture_content_records_the_prompt_the_answer_and_the_value(
        fake: FakeProvider, otel: Otel, provider: str) -> None:
    fake.add(Reply.tool("User", BAD), Reply.tool("User", GOOD))
    traced = client(provider, fake).instrument(**otel.providers, capture_content=True)
    traced.create(response_model=User, messages=MESSAGES, max_retries=2)
    call, (first, second) = otel.call_span(), otel.attempts()
    assert json.loads((call.attributes or {})["instructor.output"]) == GOOD
    sent = json.loads((first.attributes or {})["gen_ai.input.messages"])
    assert sent[-1] == {"role": "user", "parts": [{"type": "text", "content": MESSAGES[0]["content"]}]}
    (answer,) = json.loads((first.attributes or {})["gen_ai.output.messages"])
    assert answer["role"] == "assistant" and answer["finish_reason"] in ("tool_calls", "tool_use")
    (tool_call,) = [part for part in answer["parts"] if part["type"] == "tool_call"]
    assert tool_call["name"] == "User" and tool_call["arguments"] in (BAD, json.dumps(BAD))
    resent = json.loads((second.attributes or {})["gen_ai.input.messages"])
    assert len(resent) > len(sent), "the re-ask carries the wrong answer and what was wrong with it"
    assert first.status.description and "greater than or equal to 0" in first.status.description
    assert {e.name for e in first.events} == {"instructor.validation_error", "exception"}


# -- the switches --------------------------------------------------------------------------------------

def test_the_global_switch_and_a_clients_own(fake: FakeProvider, otel: Otel) -> None:
    fake.always(Reply.tool("User", GOOD))
    plain, quiet = client("openai", fake), client("anthropic", fake)
    plain.create(response_model=User, messages=MESSAGES)
    assert otel.spans() == [], "off by default"

    instructor.instrument(**otel.providers)
    quiet.uninstrument()
    plain.create(response_model=User, messages=MESSAGES)
    quiet.create(response_model=User, messages=MESSAGES)
    client("bedrock", fake).create(response_model=User, messages=MESSAGES)  # built after the switch: traced too
    assert [(s.attributes or {})["instructor.provider"] for s in otel.named("instructor.")] == ["openai", "bedrock"]

    instructor.uninstrument()
    own = Otel()
    quiet.instrument(**own.providers)
    plain.create(response_model=User, messages=MESSAGES)
    quiet.create(response_model=User, messages=MESSAGES)
    assert len(otel.named("instructor.")) == 2, "uninstrument() stops the global switch"
    assert [s.name for s in own.spans()] == [f"chat {MODELS['anthropic']}", "instructor.create User"]
    own.shutdown()


def test_a_call_span_joins_the_applications_trace(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.tool("User", GOOD))
    traced = client("openai", fake).instrument(**otel.providers)
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handle request") as parent:
        traced.create(response_model=User, messages=MESSAGES)
    call = otel.call_span()
    assert call.parent is not None and call.parent.span_id == parent.get_span_context().span_id
    from opentelemetry import trace

    assert trace.get_current_span() is trace.INVALID_SPAN, "the call leaves no span current behind it"


def test_a_pass_through_call_is_traced_without_a_response_model(fake: FakeProvider, otel: Otel) -> None:
    fake.add(Reply.text("Hello"))
    traced = client("openai", fake).instrument(**otel.providers)
    assert traced.create(messages=MESSAGES).choices[0].message.content == "Hello"
    call, (attempt,) = otel.call_span(), otel.attempts()
    assert call.name == "instructor.create" and "instructor.response_model" not in (call.attributes or {})
    assert "gen_ai.output.type" not in (attempt.attributes or {})
    assert (attempt.attributes or {})["gen_ai.response.finish_reasons"] == ("stop",)


def test_a_switch_says_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="capture_content= takes True or False, got 'yes'"):
        instructor.instrument(capture_content="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        instructor.instrument(None)  # type: ignore[misc]  # keywords only


# -- free when off -------------------------------------------------------------------------------------

def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.subprocess
def test_nothing_of_opentelemetry_is_imported_until_switched_on(
        fake: FakeProvider, subprocess_env: dict[str, str]) -> None:
    code = """
        import sys
        import instructor
        from instructor.testing import Reply, FakeProvider, connect_kwargs
        from pydantic import BaseModel

        class User(BaseModel):
            name: str

        def otel():
            return sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry" or m == "instructor.core.telemetry")

        assert otel() == [], otel()
        with FakeProvider() as fake:
            fake.always(Reply.tool("User", {"name": "J"}))
            client = instructor.from_provider("openai/gpt-4o-mini", **connect_kwargs("openai", fake))
            client.create(response_model=User, messages=[{"role": "user", "content": "J"}])
            assert otel() == [], otel()
            client.uninstrument()
            assert otel() == [], otel()
            instructor.instrument()
            assert "opentelemetry.trace" in sys.modules
        print("ok")
    """
    done = _python(code, subprocess_env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.subprocess
def test_without_opentelemetry_the_switch_says_what_to_install(subprocess_env: dict[str, str]) -> None:
    code = """
        import sys
        sys.modules["opentelemetry"] = None  # as if opentelemetry-api were not installed
        import instructor
        try:
            instructor.instrument()
        except instructor.MissingDependencyError as exc:
            print(exc)
    """
    done = _python(code, subprocess_env)
    assert done.returncode == 0, done.stderr
    assert "opentelemetry-api" in done.stdout and 'pip install "instructor[otel]"' in done.stdout
