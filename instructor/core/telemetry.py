"""OpenTelemetry spans and metrics for every call, in the GenAI semantic conventions: off until switched on.

`instructor.instrument()` (every client, `instructor.core.instrumentation`) or `client.instrument()`
(one client) switches it on. Nothing here imports OpenTelemetry until then, and a call with it off pays one attribute read
(`_BaseInstructor._telemetry`, in `_Call.__init__`) and a `None` check at each seam.

What a call emits (docs/observability.md lists every attribute, and where it follows or extends
the conventions):

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

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

    from instructor.core.call import _Call

R = TypeVar("R")
#: input, output, cached, cache write, reasoning tokens (`billing.token_counts`)
TokenCounts = tuple[int, int, int, int, int]

#: `instructor.<provider>` -> `gen_ai.provider.name`: the conventions' well-known values where
#: one applies, else instructor's own name of the provider (a custom value, as the conventions allow)
PROVIDER_NAMES = {
    "openai": "openai",
    "azure_openai": "azure.ai.openai",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "vertexai": "gcp.vertex_ai",
    "generative-ai": "gcp.gemini",
    "mistral": "mistral_ai",
    "cohere": "cohere",
    "groq": "groq",
    "perplexity": "perplexity",
    "xai": "x_ai",
    "deepseek": "deepseek",
}
#: providers whose API is Gemini's `generate_content` (the conventions' operation name for it)
_GENERATE_CONTENT = frozenset({"google", "vertexai", "generative-ai"})

#: request keys (of any provider's wire) -> the conventions' request attributes
_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "max_output_tokens": "gen_ai.request.max_tokens",
    "maxTokens": "gen_ai.request.max_tokens",
    "top_p": "gen_ai.request.top_p",
    "topP": "gen_ai.request.top_p",
    "top_k": "gen_ai.request.top_k",
    "seed": "gen_ai.request.seed",
    "random_seed": "gen_ai.request.seed",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "stop": "gen_ai.request.stop_sequences",
    "stop_sequences": "gen_ai.request.stop_sequences",
    "stopSequences": "gen_ai.request.stop_sequences",
    "n": "gen_ai.request.choice.count",
    "candidate_count": "gen_ai.request.choice.count",
}
_PARAM_KEYS = frozenset(_REQUEST_PARAMS)
#: where a wire keeps its sampling settings besides the top level (Bedrock, Gemini)
_NESTED_PARAMS = ("inferenceConfig", "config", "generation_config")
#: the request keys that may hold sampling settings
_REQUEST_KEYS = _PARAM_KEYS | frozenset(_NESTED_PARAMS)

#: the conventions' advised bucket boundaries
_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

#: at most this many validation errors are listed on an `instructor.validation_error` event
_MAX_LISTED_ERRORS = 32


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
            _usage_attributes(self.usage, _CALL_USAGE, attributes)
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
        if n > 1 or telemetry.capture_content or not _REQUEST_KEYS.isdisjoint(call.request):
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
        varying = _request_attributes(request)
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
            usage = token_counts(counts) if type(counts) is dict else _usage_of(call, response, counts)
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
            _response_attributes(response, attributes)
            if usage is not None:
                _usage_attributes(usage, _ATTEMPT_USAGE, attributes)
            if capture:
                from instructor.core.telemetry_content import output_attributes

                attributes.update(output_attributes(response))
        if abandoned:
            attributes["instructor.stream.abandoned"] = True
        elif error is not None:
            _failed(span, error, attributes, capture)
            if _is_invalid_answer(error):
                span.add_event("instructor.validation_error", _validation_details(error))
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
        facts = _client_facts(call.owner)
        metric = {"gen_ai.provider.name": facts["gen_ai.provider.name"], "instructor.failure": failure}
        model = _model_of(call.request, call.owner)
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
        facts = _client_facts(owner)
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
        model = _model_of(call.request, owner)
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


# -- what the spans say --------------------------------------------------------------------------
def response_model_name(spec: Any) -> str:
    """The name a span gives a call's response model: the model's, a `Partial`'s model's, an
    `Iterable`'s items' (`User|Admin`), a simple type's (`int`, `list[str]`)."""
    kind, options = spec.kind, spec.options
    if kind == "iterable" and options.get("item_models"):
        return "|".join(options["item_models"])  # {name: model}
    if kind == "partial" and "final" in options:
        return str(options["final"].__name__)
    if kind == "simple":
        original = spec.original
        return original.__name__ if isinstance(original, type) else repr(original).replace("typing.", "")
    return str(spec.model.__name__)


def client_name(client: Any) -> str:
    """`provider/model` of an instructor client, for spans and events."""
    defaults = client.default_kwargs
    model = defaults.get("model") or defaults.get("modelId")
    return f"{client.provider}/{model}" if model else str(client.provider)


def _model_of(request: Mapping[str, Any], owner: Any) -> str | None:
    model = request.get("model") or request.get("modelId")
    if model is None:
        defaults = owner.default_kwargs
        model = defaults.get("model") or defaults.get("modelId")
    return model if isinstance(model, str) else None


def _client_facts(owner: Any) -> dict[str, Any]:
    """What every attempt span of a client says the same way: the operation, the provider, the
    server, the mode."""
    provider = owner.provider
    name = PROVIDER_NAMES.get(provider, provider)
    if provider == "google":  # the google-genai SDK serves Gemini's API and Vertex AI
        name = "gcp.vertex_ai" if getattr(owner.client, "vertexai", False) else "gcp.gemini"
    facts = {
        "gen_ai.operation.name": "generate_content" if provider in _GENERATE_CONTENT else "chat",
        "gen_ai.provider.name": name,
        "instructor.mode": owner.mode.name,
    }
    facts.update(_server_of(owner.client))
    return facts


def _server_of(client: Any) -> dict[str, Any]:
    """`server.address` and `server.port` of an SDK client, where it says its endpoint."""
    url = getattr(client, "base_url", None)
    if url is None:
        url = getattr(getattr(client, "meta", None), "endpoint_url", None)  # boto3
    if url is None:
        return {}
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(str(url))
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return {}
    if not parts.hostname:
        return {}
    server: dict[str, Any] = {"server.address": parts.hostname}
    if port is not None:
        server["server.port"] = port
    return server


def _request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request's sampling settings, as the conventions name them (top level, Bedrock's
    `inferenceConfig`, Gemini's `config`); mostly none."""
    attributes: dict[str, Any] = {}
    _params(request, request.keys() & _PARAM_KEYS, attributes)
    for key in _NESTED_PARAMS:
        nested = request.get(key)
        if nested is None:
            continue
        if isinstance(nested, Mapping):
            _params(nested, nested.keys() & _PARAM_KEYS, attributes)
        else:  # an SDK's config object (google-genai's GenerateContentConfig)
            values = {k: v for k in _config_keys(type(nested)) if (v := getattr(nested, k, None)) is not None}
            _params(values, values.keys(), attributes)
    return attributes


#: the sampling settings a config class can hold (read once per class: asking a pydantic object
#: for a name it lacks is slow)
_CONFIG_KEYS: dict[type, tuple[str, ...]] = {}


def _config_keys(cls: type) -> tuple[str, ...]:
    keys = _CONFIG_KEYS.get(cls)
    if keys is None:
        fields = getattr(cls, "model_fields", None)
        keys = _CONFIG_KEYS[cls] = tuple(k for k in _PARAM_KEYS if not isinstance(fields, Mapping) or k in fields)
    return keys


def _params(source: Mapping[str, Any], keys: Any, attributes: dict[str, Any]) -> None:
    for key in keys:
        value = source[key]
        name = _REQUEST_PARAMS[key]
        if name == "gen_ai.request.stop_sequences":
            if isinstance(value, str):
                attributes[name] = (value,)
            elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                attributes[name] = tuple(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if name == "gen_ai.request.choice.count" and value == 1:
                continue
            attributes[name] = value


#: where a response class keeps its id, model and finish reasons: `(id, model, lists, reason)`
#: attribute names, None where it has none (`lists`: `(list attribute, reason attribute)` pairs)
_SHAPES: dict[type, tuple[str | None, str | None, tuple[tuple[str, str], ...], str | None]] = {}
_LISTS = (("choices", "finish_reason"), ("candidates", "finish_reason"))


def _shape_of(cls: type) -> tuple[str | None, str | None, tuple[tuple[str, str], ...], str | None] | None:
    """Which of the names `_response_attributes` reads a pydantic response class declares (read once
    per class: asking a pydantic object for a name it lacks is slow); None for other classes."""
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = getattr(cls, "model_fields", None)
        if not isinstance(fields, Mapping):
            return None
        shape = _SHAPES[cls] = (
            next((name for name in ("id", "response_id") if name in fields), None),
            next((name for name in ("model", "model_version") if name in fields), None),
            tuple(pair for pair in _LISTS if pair[0] in fields),
            next((name for name in ("stop_reason", "finish_reason") if name in fields), None),
        )
    return shape


def _response_attributes(response: Any, attributes: dict[str, Any]) -> None:
    """`gen_ai.response.id`, `.model`, `.finish_reasons` of any provider's response (or of a
    `StreamedResponse`), read by shape; what a response does not say is left out."""
    reasons: list[Any] = []
    shape = _shape_of(type(response))
    if shape is None and isinstance(response, Mapping):  # Bedrock's Converse: a dict, no id or model of the answer
        reasons.append(response.get("stopReason"))
    else:
        if shape is None:  # not a pydantic model: ask for every name
            shape = ("id" if getattr(response, "id", None) is not None else "response_id",
                     "model" if getattr(response, "model", None) is not None else "model_version", _LISTS,
                     "stop_reason" if getattr(response, "stop_reason", None) is not None else "finish_reason")
        id_name, model_name, lists, reason_name = shape
        answer_id = getattr(response, id_name, None) if id_name else None
        if isinstance(answer_id, str):
            attributes["gen_ai.response.id"] = answer_id
        model = getattr(response, model_name, None) if model_name else None
        if isinstance(model, str):
            attributes["gen_ai.response.model"] = model
        for many, one in lists:
            items = getattr(response, many, None)
            if isinstance(items, (list, tuple)):
                reasons.extend([getattr(item, one, None) for item in items])
        if not reasons and reason_name:
            reasons.append(getattr(response, reason_name, None))
    named = tuple([r if type(r) is str else str(getattr(r, "value", r)) for r in reasons if r is not None])
    if named:
        attributes["gen_ai.response.finish_reasons"] = named


def _usage_of(call: _Call, response: Any, counts: Any) -> TokenCounts | None:
    """The token counts of an attempt's response (`billing.token_counts`; None when it reported
    none) when its handler did not read them (a stream's, a pass-through response's)."""
    if counts is None and call.streaming:
        counts = getattr(response, "usage", None)
    if type(counts) is not dict and not isinstance(counts, Mapping):
        try:
            counts = call.handler.usage(response)
        except Exception:  # a pass-through response the handler cannot read (a raw stream...)
            return None
    return token_counts(counts) if counts else None


def _usage_names(prefix: str) -> tuple[str, str, str, str, str]:
    return (f"{prefix}input_tokens", f"{prefix}output_tokens", f"{prefix}cache_read.input_tokens",
            f"{prefix}cache_creation.input_tokens", f"{prefix}reasoning.output_tokens")


_ATTEMPT_USAGE = _usage_names("gen_ai.usage.")  # the conventions' names
_CALL_USAGE = _usage_names("instructor.usage.")  # the same, summed over a call's attempts


def _usage_attributes(usage: TokenCounts, names: tuple[str, str, str, str, str], attributes: dict[str, Any]) -> None:
    """`usage` under `names`: input and output always, the cached, cache write and reasoning parts when any."""
    inputs, outputs, *parts = names
    attributes[inputs], attributes[outputs] = usage[0], usage[1]
    for name, value in zip(parts, usage[2:], strict=True):
        if value:
            attributes[name] = value


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


def _validation_details(error: BaseException) -> dict[str, Any]:
    """What an answer that did not validate got wrong: the field paths and pydantic's error types,
    never the values (nor the messages, which quote them)."""
    details: dict[str, Any] = {"error.type": type(error).__qualname__}
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return details
    try:
        items = errors(include_url=False, include_context=False, include_input=False)
    except TypeError:
        items = errors()
    if not isinstance(items, list):
        return details
    listed = [item for item in items[:_MAX_LISTED_ERRORS] if isinstance(item, Mapping)]
    details["instructor.validation.error_count"] = len(items)
    details["instructor.validation.paths"] = tuple(
        ".".join(str(part) for part in item.get("loc", ())) for item in listed)
    details["instructor.validation.types"] = tuple(str(item.get("type", "")) for item in listed)
    return details


__all__ = ["CallTrace", "Telemetry", "batch_results", "batch_submission"]
