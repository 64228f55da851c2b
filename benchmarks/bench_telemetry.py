"""(k) What telemetry costs a warm small call: `create(response_model=User)` traced vs not, in microseconds.

The same instructor client twice, on `openai.OpenAI` clients whose in-process HTTP transport (the
SDK's own httpx `MockTransport`, as in (d)) answers every request with the same tool-call
completion, so microseconds are not drowned in HTTP noise:

- off: `instructor.from_provider("openai/gpt-4o-mini", ...)`, telemetry off (the default);
- on: the same, `.instrument(tracer_provider=..., meter_provider=...)` with the real
  `opentelemetry-sdk`: a `TracerProvider` whose `SimpleSpanProcessor` hands every span to an
  `InMemorySpanExporter` (emptied between blocks), and a `MeterProvider` with an
  `InMemoryMetricReader` (its histograms and counters aggregate on every record, as they do
  under any exporter). So the figure is the SDK's span and metric work plus instructor's, with
  no network export: what an application pays on its own thread with a batching exporter,
  whose export happens on another one.

- noop: the same, instrumented with the API's no-op tracer and meter providers: instructor's own
  work (building the attributes, reading the response) without the SDK's; the note reports it.
- floor: the untraced call, then the OpenTelemetry SDK's work for it done by hand with the same
  providers and no instructor code: the two spans with the attributes instructor gives them, the
  attempt span current as it is, and the three metric records. The least any instrumentation that
  emits what the issue asks can cost with this SDK.

Each call makes two spans (the call and its attempt) and three metric records. The budget:
on / off <= 1.02. Rounds alternate which side goes first. Runs in its own fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _harness import PYTHON, Comparison, Row, bench_env, ratio_row, unavailable

BUDGET = 1.02
WHAT = "warm `create(response_model=User)` with telemetry on (OpenTelemetry SDK, in-memory exporter) vs off"


def _child(rounds: int, calls: int) -> dict[str, Any]:
    import gc
    import time

    import openai
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import NoOpTracerProvider
    from pydantic import BaseModel

    import instructor
    from instructor.testing import RecordedRequest, Reply
    from instructor.testing.wires.openai import OpenAIWire

    class User(BaseModel):
        name: str
        age: int

    http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]  # httpx or its successor
    request = RecordedRequest("POST", "/v1/chat/completions", {}, b"", json={"model": "gpt-4o-mini"})
    body = OpenAIWire().render(Reply.tool("User", {"name": "Jason", "age": 25}, usage=(60, 12)), request).body
    messages = [{"role": "user", "content": "Extract it."}]

    def client() -> Any:
        transport = http.MockTransport(
            lambda _: http.Response(200, headers={"content-type": "application/json"}, content=body))
        return instructor.from_provider("openai/gpt-4o-mini", api_key="sk-bench", base_url="http://bench.invalid/v1",
                                        max_retries=0, http_client=openai.DefaultHttpxClient(transport=transport))

    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    off = client()
    on = client().instrument(tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[reader]))
    noop = client().instrument(tracer_provider=NoOpTracerProvider(), meter_provider=NoOpMeterProvider())

    def call(target: Any) -> User:
        result: User = target.create(response_model=User, messages=messages, strict=True)
        return result

    from opentelemetry import context, trace

    tracer = tracer_provider.get_tracer("floor")
    meter = MeterProvider(metric_readers=[InMemoryMetricReader()]).get_meter("floor")
    durations, tokens = meter.create_histogram("gen_ai.client.operation.duration"), meter.create_histogram("t")
    call_attributes: dict[str, Any] = {"instructor.provider": "openai", "instructor.mode": "TOOLS", "instructor.model": "gpt-4o-mini",
                       "instructor.response_model": "User"}
    metric: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini"}
    attempt_attributes: dict[str, Any] = {**metric, "instructor.mode": "TOOLS", "server.address": "bench.invalid", "server.port": 80,
                          "instructor.attempt": 1, "gen_ai.output.type": "json", "instructor.response_model": "User"}
    answer_attributes: dict[str, Any] = {"gen_ai.response.id": "chatcmpl-1", "gen_ai.response.model": "gpt-4o-mini",
                         "gen_ai.response.finish_reasons": ("stop",), "gen_ai.usage.input_tokens": 60,
                         "gen_ai.usage.output_tokens": 12}

    def floor(_: Any) -> User:
        span = tracer.start_span("instructor.create User", kind=trace.SpanKind.INTERNAL, attributes=call_attributes)
        outer = context.attach(trace.set_span_in_context(span))
        parent = trace.set_span_in_context(span)
        attempt = tracer.start_span("chat gpt-4o-mini", context=parent, kind=trace.SpanKind.CLIENT,
                                    attributes=attempt_attributes)
        inner = context.attach(trace.set_span_in_context(attempt, parent))
        result = call(off)
        attempt.set_attributes(answer_attributes)
        tokens.record(60, {**metric, "gen_ai.token.type": "input"})
        tokens.record(12, {**metric, "gen_ai.token.type": "output"})
        attempt.end()
        durations.record(0.0007, metric)
        context.detach(inner)
        span.set_attributes({"instructor.attempts": 1, "instructor.reasks": 0, "instructor.usage.input_tokens": 60,
                             "instructor.usage.output_tokens": 12})
        span.end()
        context.detach(outer)
        return result

    assert call(off) == call(on) == User(name="Jason", age=25)
    assert len(spans.get_finished_spans()) == 2, "the traced side made its call span and its attempt span"

    def block(target: Any, cpu_times: list[float], run: Any = call) -> float:
        spans.clear()
        gc.collect()
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(calls):
            run(target)
        elapsed = time.perf_counter() - start
        cpu_times.append((time.process_time() - cpu) / calls * 1e6)
        return elapsed / calls * 1e6

    for _ in range(max(1, calls // 2)):  # warm-up
        call(off)
        call(on)
        call(noop)
        floor(None)
    floor_us: list[float] = []
    floor_cpu: list[float] = []
    on_us: list[float] = []
    off_us: list[float] = []
    noop_us: list[float] = []
    on_cpu: list[float] = []
    off_cpu: list[float] = []
    noop_cpu: list[float] = []
    for i in range(rounds):
        if i % 2:
            on_us.append(block(on, on_cpu))
            off_us.append(block(off, off_cpu))
        else:
            off_us.append(block(off, off_cpu))
            on_us.append(block(on, on_cpu))
        noop_us.append(block(noop, noop_cpu))
        floor_us.append(block(None, floor_cpu, floor))
    points = sum(len(m.data.data_points) for r in reader.get_metrics_data().resource_metrics  # type: ignore[union-attr]
                 for s in r.scope_metrics for m in s.metrics)
    assert points == 3, points  # input tokens, output tokens, the duration: one series each
    return {"on_us": on_us, "off_us": off_us, "on_cpu_us": on_cpu, "off_cpu_us": off_cpu, "noop_us": noop_us,
            "floor_us": floor_us}


def run(rounds: int = 15, calls: int = 40) -> list[Row]:
    proc = subprocess.run([PYTHON, __file__, "--child", str(rounds), str(calls)], capture_output=True, text=True,
                          env=bench_env(), timeout=900, cwd=Path(__file__).parent)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [unavailable("k", WHAT, reason, status="error", budget=f"≤ {BUDGET:.2f}x")]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    comparison = Comparison(data["on_us"], data["off_us"])
    cpu = Comparison(data["on_cpu_us"], data["off_cpu_us"])
    own = Comparison(data["noop_us"], data["off_us"])
    floor = Comparison(data["floor_us"], data["off_us"])
    return [ratio_row(
        "k", WHAT, comparison, unit="µs", digits=0, budget_ratio=BUDGET, label="telemetry on, warm small call",
        note=f"{comparison.delta_median:+.0f} µs per call ({cpu.delta_median:+.0f} µs CPU) for 2 spans and "
             f"3 metric records; the SDK's floor (the same spans and records made by hand, no instructor code) "
             f"{floor.ratio:.2f}x ({floor.delta_median:+.0f} µs); instructor's own work (the API's no-op providers) "
             f"{own.delta_median:+.0f} µs ({own.ratio:.3f}x); {rounds} rounds of {calls} calls per side", cpu=cpu,
        data={"overhead_us": comparison.delta_median, "cpu_ratio": cpu.ratio, "cpu_overhead_us": cpu.delta_median,
              "own_us": own.delta_median, "own_ratio": own.ratio, "floor_us": floor.delta_median,
              "floor_ratio": floor.ratio},
    )]


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    print(json.dumps(_child(int(sys.argv[2]), int(sys.argv[3]))))
