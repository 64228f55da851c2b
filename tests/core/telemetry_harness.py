"""What the telemetry tests share: the real OpenTelemetry SDK with its in-memory span exporter and
metric reader (the `otel` fixture, tests/conftest.py), and clients of the real provider SDKs
against the fake provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, Field

import instructor
from instructor.testing import FakeProvider, connect_kwargs


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


GOOD = {"name": "Jason", "age": 25}
BAD = {"name": "Jason", "age": -7}
MESSAGES = [{"role": "user", "content": "Jason is 25, his secret is hunter2"}]
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest",
          "bedrock": "anthropic.claude-3-5-haiku-20241022-v1:0"}
#: the conventions' `gen_ai.provider.name` of each
PROVIDER_NAMES = {"openai": "openai", "anthropic": "anthropic", "bedrock": "aws.bedrock"}


@dataclass
class Otel:
    """An SDK tracer provider and meter provider that keep what they get in memory."""

    spans_out: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    reader: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)

    def __post_init__(self) -> None:
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_out))
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    @property
    def providers(self) -> dict[str, Any]:
        return {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_out.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [span for span in self.spans() if span.name.startswith(prefix)]

    def call_span(self) -> ReadableSpan:
        (span,) = self.named("instructor.")
        return span

    def attempts(self) -> list[ReadableSpan]:
        """The attempt spans, in the order they started."""
        return sorted((s for s in self.spans() if not s.name.startswith("instructor.")), key=lambda s: s.start_time)

    def points(self, metric: str) -> list[Any]:
        """The data points of `metric` collected so far."""
        data = self.reader.get_metrics_data()
        if data is None:
            return []
        return [point for resource in data.resource_metrics for scope in resource.scope_metrics
                for found in scope.metrics if found.name == metric for point in found.data.data_points]

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def client(provider: str, fake: FakeProvider, use_async: bool = False, **kw: Any) -> Any:
    """An instructor client of the real `provider` SDK talking to `fake` (no SDK retries)."""
    options: dict[str, Any] = {} if provider == "bedrock" else {"max_retries": 0}
    return instructor.from_provider(f"{provider}/{MODELS[provider]}", async_client=use_async,
                                    **connect_kwargs(provider, fake), **options, **kw)


def all_text(span: ReadableSpan) -> str:
    """Every attribute value and event attribute value of `span`, and its status text, as one string."""
    values: list[Any] = [*(span.attributes or {}).values(), span.status.description or ""]
    for event in span.events:
        values.extend((event.attributes or {}).values())
    return repr(values)
