"""OpenTelemetry spans and metrics for every call, in the GenAI semantic conventions: off until switched on.

`instructor.instrument()` (every client, `instructor.core.instrumentation`) or `client.instrument()`
(one client) switches it on. Nothing here imports OpenTelemetry until then, and a call with it off pays one attribute read
(`_BaseInstructor._telemetry`, in `_Call.__init__`) and a `None` check at each seam.

What a call emits (docs/observability.md lists every attribute, and where it follows or extends
the conventions; `instructor.core.telemetry_attributes` reads them off each provider's wire):

- a call span, `instructor.create User` (INTERNAL), from the loop's start to its result, its
  error, or the end of its stream (read to the end, closed early, or garbage collected): the
  response model, the mode, the attempts and re-asks, the tokens of every attempt, the budget
  used, the client of a fallback chain that answered, `instructor.fallback` events;
- a span per attempt, `chat gpt-4o-mini` (CLIENT): the GenAI conventions' inference span, one
  request to the provider (`gen_ai.*`: operation, provider, request and response model, response
  id, finish reasons, token usage), its attempt number, and when its answer did not validate an
  `instructor.validation_error` event (field paths and error types, never values);
- metrics per attempt: `gen_ai.client.operation.duration` and `gen_ai.client.token.usage`
  (histograms, the conventions' names, units and buckets); `instructor.client.reasks` and
  `instructor.client.fallbacks` (counters).

Prompts, answers and validated values are recorded only with `capture_content=True`
(`instructor.core.telemetry_content`), and so are exception messages (a pydantic error's text
quotes the input).

The seams (`instructor.core.retry`, `instructor.core.call`): each loop function of a call runs
inside `CallTrace.run_sync` / `run_async` / `stream_sync` / `stream_async`; `_Call.attempt_started`
and `attempt_ended` open and close the attempt span; a fallback chain's walk (`_Walk.next_call`)
hands the call's trace to the next client's call. A whole answer's attempt span is the current
span while the SDK is called (an SDK's or httpx's own spans nest under it); a stream's spans are
never made current (a generator's context would leak into the caller's code between items).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from operator import add
from time import perf_counter
from typing import TYPE_CHECKING, Any, TypeVar

from instructor.core.billing import token_counts
from instructor.core.telemetry_attributes import (
    ATTEMPT_USAGE,
    CALL_USAGE,
    PROVIDER_NAMES,
    REQUEST_KEYS,
    TokenCounts,
    client_facts,
    client_name,
    model_of,
    request_attributes,
    response_attributes,
    response_model_name,
    usage_attributes,
    usage_of,
    validation_details,
)

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

    from instructor.core.call import _Call

R = TypeVar("R")
#: the conventions' advised bucket boundaries
_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

class Telemetry:
    """One `instrument()` switch: the tracer, the metric instruments and the options, shared by the
    calls it traces (each call's state is a `CallTrace`)."""

    __slots__ = ("tracer", "capture_content", "duration", "tokens", "reasks", "fallbacks", "_otel")

    def __init__(self, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None,
                 capture_content: bool = False) -> None:
        if not isinstance(capture_content, bool):
            raise TypeError(f"capture_content= takes True or False, got {capture_content!r}.")
        try:
            from opentelemetry import context, metrics, trace
        except ImportError as exc:
            from instructor.core.exceptions import MissingDependencyError

            raise MissingDependencyError(
                "Telemetry needs the 'opentelemetry-api' package, which is not installed. "
                'Install it with: pip install "instructor[otel]"', package="opentelemetry-api", extra="otel",
            ) from exc
        from instructor import __version__

        self.tracer = trace.get_tracer("instructor", __version__, tracer_provider)
        meter = metrics.get_meter("instructor", __version__, meter_provider)
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s", description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(_DURATION_BUCKETS))
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}", description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(_TOKEN_BUCKETS))
        self.reasks = meter.create_counter(
            "instructor.client.reasks", unit="{reask}",
            description="Requests sent again because the answer did not validate.")
        self.fallbacks = meter.create_counter(
            "instructor.client.fallbacks", unit="{fallback}",
            description="Calls a fallback chain moved on from one client to the next.")
        self.capture_content = capture_content
        self._otel = (trace, context)

    def trace(self) -> CallTrace:
        """The state of one call's spans (started when its loop starts)."""
        return CallTrace(self)

    def __repr__(self) -> str:
        return f"Telemetry(capture_content={self.capture_content})"


class CallTrace:
    """One call's spans: the call span, the attempt span that is open, what the attempts added up to.

    A fallback chain's calls share one (`call` is the one that ran last). A span that does not
    record (a no-op tracer provider, a trace sampled out) gets nothing past what it started with
    (the attributes `_Shape` built once): the OpenTelemetry idiom, so that a call traced by a
    no-op provider costs next to nothing. The metrics are recorded either way.
    """

    __slots__ = ("telemetry", "call", "shape", "span", "recording", "parent", "token", "attempt", "attempt_shape",
                 "attempt_token", "attempt_started_at", "seen_response", "counts", "attempts", "reasks", "usage")

    def __init__(self, telemetry: Telemetry) -> None:
        # what the spans need is set when they start (`_start`, `attempt_started`): a trace is made per call
        self.telemetry = telemetry
        self.span: Span | None = None
        self.attempt: Span | None = None
        self.attempts = 0
        self.reasks = 0
        self.usage: TokenCounts | None = None  # what the attempts reported, summed (kept while the call span records)

    # -- the call span, around a loop function ---------------------------------------------------
    def run_sync(self, loop: Callable[[_Call, Any], R], call: _Call, max_retries: Any) -> R:
        """`loop(call, max_retries)` inside the call span (the current span while it runs)."""
        self._start(call, current=True)
        try:
            result = loop(call, max_retries)
        except BaseException as exc:
            self._end(exc)
            raise
        self._end(None, result)
        return result

    async def run_async(self, loop: Callable[[_Call, Any], Awaitable[R]], call: _Call, max_retries: Any) -> R:
        """The async twin of `run_sync`."""
        self._start(call, current=True)
        try:
            result = await loop(call, max_retries)
        except BaseException as exc:
            self._end(exc)
            raise
        self._end(None, result)
        return result

    def stream_sync(self, items: Iterator[Any], call: _Call) -> Iterator[Any]:
        """`items` (a streamed loop) inside the call span, which ends with the stream: read to its
        end, failed, or closed early (`break`, `close()`, garbage collected)."""
        self._start(call, current=False)
        last, error, done = None, None, False
        try:
            for item in items:
                last = item
                yield item
            done = True
        except GeneratorExit:
            raise
        except BaseException as exc:
            error = exc
            raise
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
            self._end(error, (last, None) if done else None, abandoned=not done and error is None)

    async def stream_async(self, items: AsyncIterator[Any], call: _Call) -> AsyncIterator[Any]:
        """The async twin of `stream_sync`."""
        self._start(call, current=False)
        last, error, done = None, None, False
        try:
            async for item in items:
                last = item
                yield item
            done = True
        except GeneratorExit:
            raise
        except BaseException as exc:
            error = exc
            raise
        finally:
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                await aclose()
            self._end(error, (last, None) if done else None, abandoned=not done and error is None)

    def _start(self, call: _Call, current: bool) -> None:
        trace, context = self.telemetry._otel
        self.call: _Call | None = call
        self.shape: _Shape | None = (shape := _call_shape(call))  # `call`'s
        self.span = span = self.telemetry.tracer.start_span(shape.call_name, kind=trace.SpanKind.INTERNAL,
                                                            attributes=shape.call_attributes)
        self.recording = span.is_recording()
        if span is trace.INVALID_SPAN:  # a no-op tracer's, with no span current: it is current already
            self.parent = self.token = None
            return
        self.parent = parent = trace.set_span_in_context(span)  # the attempts' parent
        self.token = context.attach(parent) if current else None

    def _end(self, error: BaseException | None, result: Any = None, abandoned: bool = False) -> None:
        """End the call span: `result` is the loop's `(value, completion)` (None: no value)."""
        span = self.span
        if span is None:
            return
        call = self.call
        assert call is not None
        # `call.trace` is this trace: dropping the call breaks the cycle, so that the call, its request
        # and its responses are freed when the caller lets go of them, not by the next garbage collection
        self.span = self.call = None
        if self.attempt is not None:  # abandoned, or an error no step of the attempt settled
            self.attempt_ended(call, error, abandoned=abandoned)
        if self.recording:
            span.set_attributes(self._outcome(span, call, error, result, abandoned))
        span.end()
        if self.token is not None:
            self.telemetry._otel[1].detach(self.token)

    def _outcome(self, span: Span, call: _Call, error: BaseException | None, result: Any, abandoned: bool
                 ) -> dict[str, Any]:
        """The attributes the call span ends with (and its status, when `error` ended it)."""
        attributes: dict[str, Any] = {"instructor.attempts": self.attempts, "instructor.reasks": self.reasks}
        if self.usage is not None:
            usage_attributes(self.usage, CALL_USAGE, attributes)
        spend = call.spend
        if spend is not None:
            budget = spend.budget
            if budget.tokens is not None:
                attributes["instructor.budget.tokens"] = budget.tokens
            if budget.cost is not None:
                attributes["instructor.budget.cost"] = float(budget.cost)
            attributes["instructor.budget.used_tokens"] = spend.usage.total_tokens
            if spend.known_cost is not None:
                attributes["instructor.budget.used_cost"] = spend.known_cost
        chain = call.chain
        if chain is not None:
            attributes["instructor.fallback.client"] = client_name(call.owner)
            attributes["instructor.fallback.index"] = chain.index
        if abandoned:
            attributes["instructor.stream.abandoned"] = True
        elif error is None and self.attempts == 0 and call.cache is not None:
            attributes["instructor.cache.hit"] = True
        capture = self.telemetry.capture_content
        if error is not None:
            _failed(span, error, attributes, capture)
            stopped = call.stopped
            if stopped is not None:
                attributes["instructor.failure"] = stopped[0].value
        elif capture and result is not None and call.spec is not None:
            from instructor.core.telemetry_content import dump_value

            attributes["instructor.output"] = dump_value(result[0])
        return attributes

    # -- the attempt span, between `_Call.attempt_started` and `attempt_ended` --------------------
    def attempt_started(self, call: _Call, n: int) -> None:
        """Attempt `n` of `call` is about to send its request."""
        if self.span is None:  # a loop that no `run_*` wraps: nothing to hang the attempt on
            return
        if self.attempt is not None:  # the previous attempt ended with no step settling it
            self.attempt_ended(call, None)
        telemetry = self.telemetry
        trace, context = telemetry._otel
        shape = self.shape
        if call is not self.call or shape is None:
            self.call = call
            self.shape = shape = _call_shape(call)
        attributes = shape.first_attempt if n == 1 else shape.attempt_attributes(n)
        if n > 1 or telemetry.capture_content or not REQUEST_KEYS.isdisjoint(call.request):
            attributes = self._varying(call, n, shape, attributes)
        parent = self.parent
        span = telemetry.tracer.start_span(shape.attempt_name, context=parent, kind=trace.SpanKind.CLIENT,
                                           attributes=attributes)
        self.attempt, self.attempt_shape, self.seen_response = span, shape, call.last_response
        self.counts: Mapping[str, int] | None = None  # the attempt's token counts, once its handler read them
        # (a no-op tracer hands back the call span, which is current already)
        self.attempt_token = (context.attach(trace.set_span_in_context(span, parent))
                              if not call.streaming and span is not self.span else None)
        self.attempt_started_at = perf_counter()

    def _varying(self, call: _Call, n: int, shape: _Shape, attributes: dict[str, Any]) -> dict[str, Any]:
        """`attributes` (the shape's) with what varies from request to request: the sampling
        settings, whether it is a re-ask (counted), the prompt (with `capture_content`)."""
        telemetry, request = self.telemetry, call.request
        varying = request_attributes(request)
        previous = call.last_error
        if n > 1 and previous is not None and _is_invalid_answer(previous):
            varying["instructor.reask"] = True
            self.reasks += 1
            telemetry.reasks.add(1, {**shape.metric, "instructor.response_model": shape.response_model or "",
                                     "error.type": type(previous).__qualname__})
        if telemetry.capture_content:
            from instructor.core.telemetry_content import input_attributes

            varying.update(input_attributes(request))
        return {**attributes, **varying} if varying else attributes

    def attempt_ended(self, call: _Call, error: BaseException | None, abandoned: bool = False) -> None:
        """The attempt that is open is over: `error` is what went wrong, None when it gave a result;
        `abandoned`: its stream was closed before its end."""
        span, shape = self.attempt, self.attempt_shape
        if span is None or shape is None:
            return
        seconds = perf_counter() - self.attempt_started_at
        self.attempt = None
        counts, self.counts = self.counts, None
        self.attempts += 1
        telemetry = self.telemetry
        response, usage = call.last_response, None
        if response is self.seen_response:  # an earlier attempt's (or none): this one got no answer
            response = None
        elif response is not None:
            usage = token_counts(counts) if type(counts) is dict else usage_of(call, response, counts)
            if usage is not None and usage[0] + usage[1] > 0:
                telemetry.tokens.record(usage[0], shape.input_metric)
                telemetry.tokens.record(usage[1], shape.output_metric)
                if self.recording:
                    total = self.usage
                    self.usage = usage if total is None else tuple(map(add, total, usage))  # type: ignore[assignment]
            else:
                usage = None
        if span.is_recording():
            span.set_attributes(self._attempt_outcome(span, response, usage, error, abandoned))
        span.end()
        metric = shape.metric
        if error is not None and not abandoned:
            metric = {**metric, "error.type": type(error).__qualname__}
        telemetry.duration.record(seconds, metric)
        if self.attempt_token is not None:
            telemetry._otel[1].detach(self.attempt_token)

    def _attempt_outcome(self, span: Span, response: Any, usage: TokenCounts | None, error: BaseException | None,
                         abandoned: bool) -> dict[str, Any]:
        """The attributes an attempt span ends with (and its status and validation event, when
        `error` ended it): what its `response` says, its token counts."""
        attributes: dict[str, Any] = {}
        capture = self.telemetry.capture_content
        if response is not None:
            response_attributes(response, attributes)
            if usage is not None:
                usage_attributes(usage, ATTEMPT_USAGE, attributes)
            if capture:
                from instructor.core.telemetry_content import output_attributes

                attributes.update(output_attributes(response))
        if abandoned:
            attributes["instructor.stream.abandoned"] = True
        elif error is not None:
            _failed(span, error, attributes, capture)
            if _is_invalid_answer(error):
                span.add_event("instructor.validation_error", validation_details(error))
        return attributes

    # -- fallback chains -------------------------------------------------------------------------
    def moved_on(self, call: _Call, following: _Call, exc: BaseException) -> None:
        """A fallback chain moves on from `call` (which raised `exc`) to `following`."""
        self.call, self.shape = following, None
        span = self.span
        if span is None:
            return
        stopped = call.stopped
        failure = stopped[0].value if stopped is not None else "other"
        if self.recording:
            error = stopped[1] if stopped is not None else exc
            span.add_event("instructor.fallback", {
                "instructor.fallback.from": client_name(call.owner),
                "instructor.fallback.to": client_name(following.owner),
                "instructor.failure": failure,
                "error.type": type(error).__qualname__,
            })
        facts = client_facts(call.owner)
        metric = {"gen_ai.provider.name": facts["gen_ai.provider.name"], "instructor.failure": failure}
        model = model_of(call.request, call.owner)
        if model is not None:
            metric["gen_ai.request.model"] = model
        self.telemetry.fallbacks.add(1, metric)


#: at most this many shapes are kept per client (a response model built anew for each call makes one each)
_MAX_SHAPES = 64


class _Shape:
    """What every call of one client with one model and one response model says the same way: the
    span names, the call span's attributes, an attempt span's (but for the request's sampling
    settings), the metric attribute sets. Built once per client (`_call_shape`), never changed after:
    the same dicts go to every span and record (an SDK copies what it keeps, and keys its metric
    aggregations by the attribute set)."""

    __slots__ = ("spec", "mode", "response_model", "call_name", "call_attributes", "attempt_name", "attempt_base",
                 "first_attempt", "attempts", "metric", "input_metric", "output_metric")

    def __init__(self, call: _Call, model: str | None) -> None:
        owner, spec = call.owner, call.spec
        self.spec, self.mode = spec, owner.mode  # `spec` kept: its id is a key of the client's shapes
        attributes: dict[str, Any] = {"instructor.provider": owner.provider, "instructor.mode": owner.mode.name}
        if model is not None:
            attributes["instructor.model"] = model
        method, name = "instructor.create", None
        if spec is not None:
            name = response_model_name(spec)
            attributes["instructor.response_model"] = name
            if call.streaming:
                attributes["instructor.stream"] = True
                method = "instructor.create_partial" if spec.kind == "partial" else "instructor.create_iterable"
            method = f"{method} {name}"
        self.response_model, self.call_name, self.call_attributes = name, method, attributes
        facts = client_facts(owner)
        operation = facts["gen_ai.operation.name"]
        metric = {"gen_ai.operation.name": operation, "gen_ai.provider.name": facts["gen_ai.provider.name"]}
        attempt = dict(facts)
        if model is not None:
            metric["gen_ai.request.model"] = attempt["gen_ai.request.model"] = model
        if name is not None:
            attempt["gen_ai.output.type"] = "json"
            attempt["instructor.response_model"] = name
        self.attempt_name = f"{operation} {model or ''}".rstrip()
        self.attempt_base = attempt
        self.first_attempt = {**attempt, "instructor.attempt": 1}
        self.attempts: dict[int, dict[str, Any]] = {}  # the next few attempts'; built when one runs
        self.metric = metric
        self.input_metric = {**metric, "gen_ai.token.type": "input"}
        self.output_metric = {**metric, "gen_ai.token.type": "output"}

    def attempt_attributes(self, n: int) -> dict[str, Any]:
        """The attributes attempt `n`'s span starts with (the first few numbers' built once; the first's is
        `first_attempt`)."""
        attributes = self.attempts.get(n)
        if attributes is None:
            attributes = {**self.attempt_base, "instructor.attempt": n}
            if n <= 8:
                self.attempts[n] = attributes
        return attributes


def _call_shape(call: _Call) -> _Shape:
    """`call`'s `_Shape`, from its client's (built on the first call of its model and response model)."""
    owner = call.owner
    model = call.request.get("model")
    if not model or type(model) is not str:
        model = model_of(call.request, owner)
    shapes: dict[tuple[Any, ...], _Shape] | None = vars(owner).get("_telemetry_shapes")
    if shapes is None:
        shapes = vars(owner)["_telemetry_shapes"] = {}
    key = (model, id(call.spec), call.streaming)  # the shape keeps its spec alive: no other can take the id
    shape = shapes.get(key)
    if shape is None or shape.mode is not owner.mode:
        if len(shapes) >= _MAX_SHAPES:
            shapes.clear()
        shape = shapes[key] = _Shape(call, model)
    return shape


# -- batch jobs ----------------------------------------------------------------------------------
def _batch_attributes(processor: Any) -> dict[str, Any]:
    return {
        "gen_ai.provider.name": PROVIDER_NAMES.get(processor.provider, processor.provider),
        "gen_ai.request.model": processor.model_name,
        "instructor.response_model": getattr(processor.response_model, "__name__", repr(processor.response_model)),
        "instructor.mode": processor.mode.name,
    }


@contextmanager
def batch_submission(telemetry: Telemetry, processor: Any) -> Iterator[Callable[[str], None]]:
    """The span of one batch job's submission: yields `submitted(batch_id)`."""
    trace = telemetry._otel[0]
    span = telemetry.tracer.start_span(f"instructor.batch.submit {processor.model_name}", kind=trace.SpanKind.CLIENT,
                                       attributes=_batch_attributes(processor))

    def submitted(batch_id: str) -> None:
        span.set_attribute("instructor.batch.id", batch_id)

    try:
        yield submitted
    except BaseException as exc:
        attributes: dict[str, Any] = {}
        _failed(span, exc, attributes, telemetry.capture_content)
        span.set_attributes(attributes)
        raise
    finally:
        span.end()


def batch_results(telemetry: Telemetry, processor: Any, batch_id: str, results: Iterator[R]) -> Iterator[R]:
    """`results` (a batch job's parsed results) inside a span that counts them, ended with the iteration."""
    trace = telemetry._otel[0]
    span = telemetry.tracer.start_span(f"instructor.batch.results {processor.model_name}",
                                       kind=trace.SpanKind.CLIENT,
                                       attributes={**_batch_attributes(processor), "instructor.batch.id": batch_id})
    succeeded = failed = 0
    attributes: dict[str, Any] = {}
    try:
        for result in results:
            if getattr(result, "success", False):
                succeeded += 1
            else:
                failed += 1
            yield result
    except GeneratorExit:
        attributes["instructor.batch.abandoned"] = True
        raise
    except BaseException as exc:
        _failed(span, exc, attributes, telemetry.capture_content)
        raise
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
        attributes["instructor.batch.succeeded"] = succeeded
        attributes["instructor.batch.failed"] = failed
        span.set_attributes(attributes)
        span.end()


def _is_invalid_answer(error: BaseException) -> bool:
    from instructor.core.handler import invalid_answer_errors

    return isinstance(error, invalid_answer_errors())


def _failed(span: Span, error: BaseException, attributes: dict[str, Any], capture_content: bool) -> None:
    """Mark `span` as failed with `error`: status ERROR, `error.type` its class; its message (which
    may quote the input) and traceback only with `capture_content`."""
    from opentelemetry.trace import Status, StatusCode

    attributes["error.type"] = type(error).__qualname__
    if capture_content:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__qualname__}: {error}"))
    else:
        span.set_status(Status(StatusCode.ERROR))


__all__ = ["CallTrace", "Telemetry", "batch_results", "batch_submission"]
