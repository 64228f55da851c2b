"""The switch of telemetry: `instructor.instrument()`, `instructor.uninstrument()`, and the batch
jobs' spans, which follow it (the machinery is `instructor.core.telemetry`, imported only when on).

The switch is the class attribute `_BaseInstructor._telemetry`, which a client's own
`client.instrument()` / `client.uninstrument()` overrides: a call reads it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from instructor.core.client import _BaseInstructor

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from instructor.core.telemetry import Telemetry

R = TypeVar("R")


def instrument(*, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None,
               capture_content: bool = False) -> None:
    """Trace every call of every client (and batch job) with OpenTelemetry, from now on.

    Spans and metrics follow the OpenTelemetry GenAI semantic conventions: a span per
    `create` call, a child span per request to the provider (re-asks and fallbacks
    included), token usage and duration histograms. See the Observability page.

    Args:
        tracer_provider: where spans go; by default the global one the application set
            up (`opentelemetry.trace.set_tracer_provider`), also when set later.
        meter_provider: where metrics go; by default the global one.
        capture_content: also record prompts, answers, validated values and exception
            messages (they may hold personal data; off by default).

    Raises:
        MissingDependencyError: `opentelemetry-api` is not installed (`pip install "instructor[otel]"`).

    Example:
        >>> instructor.instrument()                   # the application's tracer and meter providers
        >>> user = client.create(response_model=User, messages=[...])   # traced
        >>> instructor.uninstrument()
    """
    from instructor.core.telemetry import Telemetry

    _BaseInstructor._telemetry = Telemetry(tracer_provider, meter_provider, capture_content)


def uninstrument() -> None:
    """Stop tracing the calls `instrument()` traces (a client's own `client.instrument()` stays)."""
    _BaseInstructor._telemetry = None


def current() -> Telemetry | None:
    """The telemetry `instrument()` switched on, or None."""
    telemetry = _BaseInstructor._telemetry
    return telemetry if telemetry else None


@contextmanager
def batch_submission(processor: Any) -> Iterator[Callable[[str], None]]:
    """Around a batch job's submission: its span when telemetry is on. Yields `submitted(batch_id)`."""
    telemetry = current()
    if telemetry is None:
        yield _ignore
        return
    from instructor.core.telemetry import batch_submission as traced

    with traced(telemetry, processor) as submitted:
        yield submitted


def batch_results(processor: Any, batch_id: str, results: Iterator[R]) -> Iterator[R]:
    """`results` as they are, or inside a span that counts them when telemetry is on."""
    telemetry = current()
    if telemetry is None:
        return results
    from instructor.core.telemetry import batch_results as traced

    return traced(telemetry, processor, batch_id, results)


def _ignore(_: str) -> None:
    return None


__all__ = ["batch_results", "batch_submission", "current", "instrument", "uninstrument"]
