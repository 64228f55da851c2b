"""One `create` call's state and its per-attempt steps (`_Call`); the loops that drive them are
`instructor.core.retry`.

Calls run one way: the client builds a `_Call` (the request, shaped once by the
mode handler; the attempts so far; the usage; the re-ask bookkeeping) and hands
it to a loop of `instructor.core.retry`, which runs attempts through the steps
here: `attempt_started(n)` -> the SDK's create function (`create`) ->
`on_response` (whole answers) or `open_stream` and the `stream_*` steps (streamed
ones). Each attempt ends in exactly one step that says how it went
(`sdk_failed`, `on_response`, or `_stream_ended` for a stream), and that step calls
`attempt_ended(n, error)`: with `attempt_started`, the seam a tracer plugs into.
A failure the steps record (with its re-ask built into `request`) is raised raw
for the loop's policy to judge.

Loaded at the first `create`, not when a client is built: `from_provider` needs
only the client classes (`instructor.core.client`), and this module brings the
exceptions, message preparation, usage and mode-handler modules with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from instructor.core.exceptions import (
    FailedAttempt,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.core.handler import invalid_answer_errors
from instructor.core.hooks import HookName, Hooks
from instructor.core.messages import prepare_messages
from instructor.core.response_model import resolve_response_model
from instructor.core.usage import usage_object

if TYPE_CHECKING:
    from instructor.core.billing import Price, Spending
    from instructor.core.client import _BaseInstructor
    from instructor.core.handler import ChunkReader, ModeHandler
    from instructor.core.response_model import ResponseSpec
    from instructor.core.streaming.consumers import StreamConsumer
    from instructor.core.streaming.response import StreamedResponse
    from instructor.core.telemetry import CallTrace

def _messages_of(request: Mapping[str, Any]) -> Any:
    for key in ("messages", "contents", "chat_history"):
        if key in request:
            return request[key]
    return None


class _Call:
    """The state of one `create` call that sync and async clients share, and its per-attempt steps.

    `owner` is the client the call runs on (it keeps the SDK client alive while a
    stream is read), `create` its SDK create function, `handler` its mode handler,
    `request` the SDK kwargs of the next attempt (shaped once by the handler; each
    re-ask edits it), `failed` the attempts that failed validation or parsing,
    `usage` / `usages` the token counts and usage objects of every attempt.
    """

    __slots__ = ("owner", "spec", "create", "handler", "hooks", "request", "context", "strict", "failed", "usage",
                 "usages", "last_response", "streaming", "max_attempts", "deadline", "attempt",
                 "cache", "transport_error", "spend", "price", "retry_truncated", "chain", "received", "stopped",
                 "last_error", "keep_chunks", "trace")

    def __init__(
        self,
        owner: _BaseInstructor[Any],
        response_model: Any,
        messages: Sequence[Any] | None,
        context: Mapping[str, Any] | None,
        strict: bool | None,
        hooks: Hooks | None,
        token_budget: int | None,
        kwargs: dict[str, Any],
    ) -> None:
        self.spec: ResponseSpec | None = resolve_response_model(response_model)
        self.hooks = owner.hooks + hooks if hooks else owner.hooks
        self.context = context
        self.strict = strict
        self.failed: list[FailedAttempt] = []
        self.usage: dict[str, int] = {}
        self.usages: list[Any] = []
        self.last_response: Any = None
        self.max_attempts: int | None = None
        self.attempt = 0
        request = {**owner.default_kwargs, **kwargs}
        self.cache = _call_cache(request, owner)  # [cache] pops cache=, cache_namespace=, cache_ttl=
        autodetect_images = bool(request.pop("autodetect_images", False))
        # a stream's StreamedResponse keeps the SDK's chunks only when asked (they cost megabytes)
        self.keep_chunks = bool(request.pop("keep_chunks", False))
        if messages is not None:
            request["messages"] = prepare_messages(messages, context, provider=owner.provider, mode=owner.mode,
                                                   autodetect_images=autodetect_images)
        self.streaming = _wants_stream(self.spec, request)
        timeout = request.get("timeout")
        self.deadline: float | None = None
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            from time import monotonic

            self.deadline = monotonic() + timeout
        self.spend: Spending | None = None
        self.price: Price | None = None
        self.retry_truncated = False
        if "budget" in request or token_budget is not None:
            self._start_spending(request, token_budget, "budget" in kwargs, owner.provider)
        if "retry_truncated" in request:
            self.retry_truncated = _flag(request.pop("retry_truncated"), "retry_truncated")
        self.owner = owner
        telemetry = owner._telemetry  # the client's own switch, else `instructor.instrument()`'s
        self.trace: CallTrace | None = telemetry.trace() if telemetry else None
        self.create = owner.create_fn
        self.transport_error: Exception | None = None
        self.chain: Any = None  # a fallback chain's walk (`instructor.core.fallback`), when the call has one
        self.received = False  # whether any stream of this call delivered a chunk
        self.stopped: tuple[Any, BaseException] | None = None  # (Failure, exception) once the call gave up
        self.last_error: BaseException | None = None  # what ended the last attempt (None: it gave a result)
        self.handler: ModeHandler = owner.handler
        # shaped once, here, with or without a response model: the create function sends it as it is
        self.request = self.handler.prepare_request(None if self.spec is None else self.spec.model, request)

    def attempt_started(self, n: int) -> dict[str, Any]:
        """Attempt `n` begins: the `completion:kwargs` hook; returns the request to send."""
        self.attempt = n
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_KWARGS, **self.request)
        if self.trace is not None:
            self.trace.attempt_started(self, n)
        return self.request

    def attempt_ended(self, n: int, error: BaseException | None) -> None:
        """Attempt `n` is over: `error` is what went wrong, None when it gave a result.

        Called once per attempt by the step that settled it; a tracer's span per
        attempt ends here.
        """
        self.last_error = error
        if self.trace is not None:
            self.trace.attempt_ended(self, error)

    def _start_spending(self, request: dict[str, Any], token_budget: int | None, explicit: bool, provider: str
                        ) -> None:
        """Pop `budget=` from `request` and start counting what the call spends against it (or against
        `token_budget`). A client's default `budget` does not apply to `response_model=None` calls."""
        budget = request.pop("budget", None)
        if token_budget is not None:
            _check_budget_value(token_budget, self.spec, self.streaming)
            if explicit and budget is not None:
                raise ValueError("Pass either token_budget= or budget=, not both: budget=instructor.Budget("
                                 f"tokens={token_budget}) counts the same tokens.")
            budget = None
        elif budget is None or (self.spec is None and not explicit):
            return
        from instructor.core.billing import Budget, Spending

        if budget is not None and not isinstance(budget, Budget):
            raise TypeError(f"budget= takes an instructor.Budget, got {budget!r}. "
                            "Write budget=instructor.Budget(tokens=..., cost=..., prices=...).")
        if self.spec is None:
            raise ValueError("budget= counts what re-asks and fallbacks spend, so it needs a response_model; "
                             "got response_model=None. Drop budget=, or pass a response_model.")
        self.spend = Spending(budget if budget is not None else token_budget)  # type: ignore[arg-type]
        self.price = self.spend.budget.price_of(provider, request.get("model") or request.get("modelId"))

    def _is_last(self, n: int) -> bool:
        return self.max_attempts is not None and n >= self.max_attempts

    def sdk_failed(self, exc: Exception, n: int) -> Exception:
        """What a failed SDK call raises into the loop: the SDK's own exception, except a
        `RecursionError` (the SDK's json decoder on a hostile, deeply nested body), which
        becomes a typed `ResponseParsingError` chaining it."""
        typed = _typed_recursion(exc)
        if typed is exc:
            self.transport_error = exc
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_ERROR, typed, attempt_number=n,
                                          max_attempts=self.max_attempts,
                                          is_last_attempt=self.max_attempts is not None, client=self.owner)
        self.attempt_ended(n, typed)
        return typed

    def on_response(self, response: Any, n: int) -> Any:
        """Parse `response`: return the result, or record the failure (and its re-ask) and raise it."""
        self.last_response = response
        hooks = self.hooks
        if hooks:
            hooks.emit_with_metadata(HookName.COMPLETION_RESPONSE, response, client=self.owner)
        handler, spec = self.handler, self.spec
        if spec is None:
            self.attempt_ended(n, None)
            return response
        counts = handler.usage(response)
        if self.trace is not None:
            self.trace.counts = counts  # read once: the attempt span reports them
        for key, value in counts.items():
            self.usage[key] = self.usage.get(key, 0) + value
        self.usages.append(usage_object(response))
        if self.spend is not None:
            self.spend.add(counts, self.price)
        if hooks and counts:
            hooks.emit_with_metadata(HookName.COMPLETION_USAGE, self.total_usage(), attempt_number=n,
                                     client=self.owner)
        try:
            parsed = handler.parse_response(response, spec.model, context=self.context, strict=self.strict)
        except IncompleteOutputException as exc:
            exc.n_attempts = n
            exc.failed_attempts = list(self.failed)
            if exc.last_completion is None:
                exc.last_completion = response
            self.attempt_ended(n, exc)
            raise
        except Exception as exc:
            typed = _typed_recursion(exc)
            self.failed_attempt(typed, response, n)
            self.attempt_ended(n, typed)
            if typed is exc:
                raise
            raise typed from exc
        self.attempt_ended(n, None)
        result = spec.unwrap(parsed)
        usages = self.usages
        # the cumulative usage when every attempt reported one: one attempt's is its own (no copy)
        total = (usages[0] if len(usages) == 1 else self.total_usage()) if None not in usages else None
        if type(result) is list:
            from instructor.dsl.list_response import ListResponse

            result = ListResponse(result, raw_response=response, total_usage=total)
        elif hasattr(result, "__pydantic_fields__"):
            try:
                result._raw_response = response
                if total is not None:
                    result._total_usage = total
            except (AttributeError, TypeError):
                pass
        if self.chain is not None:
            _answered_by(result, self.owner)
        return result

    def failed_attempt(self, exc: Exception, response: Any, n: int) -> None:
        """Record a failed parse; a failure that is re-asked gets its re-ask built into `request`."""
        self.failed.append(FailedAttempt(n, exc, response))
        reasked = isinstance(exc, invalid_answer_errors())
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.PARSE_ERROR, exc, attempt_number=n,
                                          max_attempts=self.max_attempts,
                                          is_last_attempt=not reasked or self._is_last(n), client=self.owner)
        if not reasked:
            return
        try:
            self.request = self.handler.reask(self.request, response, exc)
        except Exception as error:  # the answer cannot even be echoed back (e.g. nested too deep)
            raise _typed_recursion(error)  # noqa: B904 - a RecursionError's typed form chains it

    def total_usage(self) -> Any:
        from instructor.core.usage import total_usage

        return total_usage(self.usages, self.usage)

    def details(self, n: int) -> dict[str, Any]:
        return {
            "n_attempts": n,
            "total_usage": self.total_usage(),
            "last_completion": self.failed[-1].completion if self.failed else None,
            "messages": _messages_of(self.request),
            "create_kwargs": self.request,
            "failed_attempts": list(self.failed),
        }

    def retry_error(self, exc: BaseException, n: int, cause: BaseException | None = None) -> InstructorRetryException:
        """The `InstructorRetryException` a call that gives up on `exc` at attempt `n` raises: every
        attempt's record, caused by `cause` (by `exc` itself when None)."""
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_LAST_ATTEMPT, exc, attempt_number=n,
                                          max_attempts=self.max_attempts, is_last_attempt=True,
                                          client=self.owner)
        error = InstructorRetryException(str(exc), **self.details(n))
        error.__cause__ = cause if cause is not None else exc
        return error

    # -- streamed attempts (the machinery is instructor.core.streaming) --------------------------
    def open_stream(self, stream: Any, asynchronous: bool
                    ) -> tuple[StreamedResponse, StreamConsumer, Any, Callable[[Any], None], ChunkReader]:
        """What a streamed attempt (`instructor.core.retry`) drives to read `stream`:
        `(response, consumer, chunks, record, reader)`.

        The attempt takes each of `chunks`, calls `record(chunk)` (counting it in `response`, with
        its usage, and keeping it with `keep_chunks=True`), feeds the deltas of
        `reader.feed(chunk)` to `response` and `consumer`, and calls `reader.end()` once the
        chunks ran out. When the handler reads chunks with a `ChunkReader` (its `iter_stream`
        is a `ReadStream`, as every built-in one is), `chunks` is the SDK's stream itself: no
        layer of ours between the SDK yielding a chunk and the loop, and the reader fills in
        what it noted (id, model, finish reason...) once the stream is over
        (`StreamedResponse.finish`). Otherwise `chunks` is the handler's own reading of the
        stream (recorded on the way in), `record` does nothing and `reader` hands each delta on
        as it is.
        """
        from instructor.core.handler import AsyncReadStream, ReadStream
        from instructor.core.streaming.consumers import consumer_for
        from instructor.core.streaming.response import (
            EACH_DELTA,
            StreamedResponse,
            arecord_chunks,
            no_record,
            record_chunks,
        )

        assert self.spec is not None
        response, handler = StreamedResponse(self.keep_chunks), self.handler
        consumer = consumer_for(self.spec, self.context, self.strict, tools=bool(getattr(handler, "tools", False)))
        recorded: Any
        deltas: Any
        if asynchronous:
            recorded = arecord_chunks(stream, response, handler.usage)
            deltas = handler.aiter_stream(recorded)
            driven = type(deltas) is AsyncReadStream
        else:
            recorded = record_chunks(stream, response, handler.usage)
            deltas = handler.iter_stream(recorded)
            driven = type(deltas) is ReadStream
        if driven and deltas.stream is recorded:  # the handler's reader, over the chunks we record
            response._reader = deltas.reader
            return response, consumer, stream, response.recorder(handler.usage), deltas.reader
        return response, consumer, deltas, no_record, EACH_DELTA

    def _stream_ended(self, response: StreamedResponse, error: BaseException | None) -> None:
        """Account for a stream attempt that is over, however it ended (`error`: None when it gave a result)."""
        response.finish()
        self.last_response = response
        for key, value in response.usage.items():
            self.usage[key] = self.usage.get(key, 0) + value
        self.usages.append(None)  # a stream has counts, no usage object
        if response.count:
            self.received = True
            if self.spend is not None:
                self.spend.add(response.usage, self.price)
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_RESPONSE, response, client=self.owner)
            if response.usage:
                self.hooks.emit_with_metadata(HookName.COMPLETION_USAGE, self.total_usage(),
                                              attempt_number=self.attempt, client=self.owner)
        self.attempt_ended(self.attempt, error)

    def stream_broken(self, exc: Exception, response: StreamedResponse, n: int) -> Exception:
        """The typed error a stream that broke off ends in (not re-asked)."""
        from instructor.core.exceptions import StreamInterruptedError
        from instructor.core.streaming.response import stream_failure

        error = stream_failure(exc, response)
        self._stream_ended(response, error)
        if isinstance(error, StreamInterruptedError):
            for key, value in self.details(n).items():
                if key != "last_completion":  # the StreamedResponse of this attempt stays
                    setattr(error, key, value)
        elif isinstance(error, IncompleteOutputException):
            error.n_attempts = n
            error.failed_attempts = list(self.failed)
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_ERROR, error, attempt_number=n,
                                          max_attempts=self.max_attempts, is_last_attempt=True,
                                          client=self.owner)
        return error

    def stream_invalid(self, exc: Exception, response: StreamedResponse, n: int) -> None:
        """The streamed answer failed: record it (and its re-ask); the loop decides."""
        self._stream_ended(response, exc)
        self.failed_attempt(exc, response, n)

    def stream_finished(self, response: StreamedResponse, outputs: list[Any]) -> list[Any]:
        """Account for a clean stream; the final object carries the `StreamedResponse`."""
        self._stream_ended(response, None)
        if outputs and hasattr(outputs[-1], "__pydantic_fields__") and self.spec is not None \
                and self.spec.kind == "partial":
            try:
                outputs[-1]._raw_response = response
            except (AttributeError, TypeError):
                pass
            if self.chain is not None:
                _answered_by(outputs[-1], self.owner)
        return outputs

    # the sync and async attempts differ only in how they read the next delta: the rest is here,
    # called on failures and once per attempt, never per delta on the happy path
    def stream_read_failed(self, exc: Exception, response: StreamedResponse, n: int) -> NoReturn:
        """Raise what a stream that broke while being read ends in (called inside its `except`)."""
        error = self.stream_broken(_typed_recursion(exc), response, n)
        if error is exc:
            raise exc  # the handler's own typed error, now carrying what was received
        raise error from exc

    def stream_feed_failed(self, exc: Exception, response: StreamedResponse, n: int) -> NoReturn:
        """Record the attempt whose delta the consumer refused, and raise its typed error."""
        typed = _typed_recursion(exc)
        self.stream_invalid(typed, response, n)
        if typed is exc:
            raise exc
        raise typed from exc

    def stream_end(self, consumer: StreamConsumer, response: StreamedResponse, n: int) -> list[Any]:
        """The last outputs of a stream that ended (the final object validated), or its error."""
        try:
            outputs = consumer.finish()
        except IncompleteOutputException as exc:  # the JSON stops mid-way: never re-asked
            self.stream_broken(exc, response, n)
            raise
        except Exception as exc:
            self.stream_invalid(exc, response, n)
            raise
        return self.stream_finished(response, outputs)

    def not_streaming(self) -> None:
        """`create_with_completion` returns one completion: a streaming call is a caller's mistake."""
        if self.streaming:
            raise ValueError(
                "create_with_completion returns one completion, and this call streams "
                "(Partial[...], or Iterable[...] with stream=True). Use create, create_partial or "
                "create_iterable; the final object's `_raw_response` holds the StreamedResponse."
            )


def _typed_recursion(exc: Exception) -> Exception:
    """A `RecursionError` (a JSON decoder on a hostile, deeply nested body) as a typed
    `ResponseParsingError` chaining it; any other exception as it is."""
    if not isinstance(exc, RecursionError):
        return exc
    error = ResponseParsingError(
        f"The provider's response could not be decoded: it nests JSON deeper than Python's "
        f"recursion limit ({exc}). The model produced a pathologically nested answer; retry "
        "the call, or constrain the output (max_tokens, a flatter schema).",
    )
    error.__cause__ = exc
    return error


def _answered_by(result: Any, client: Any) -> None:
    """Mark a fallback chain's result with the client that answered (`_instructor_client`)."""
    try:
        result._instructor_client = client
    except (AttributeError, TypeError):  # a simple type (int, str...): the hooks say which client answered
        pass


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name}= takes True or False, got {value!r}.")
    return value


def _check_budget_value(budget: Any, spec: ResponseSpec | None, streaming: bool) -> None:
    """Raises TypeError / ValueError for a `token_budget` that cannot be honoured."""
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise TypeError(f"token_budget must be a positive int (tokens) or None, got {budget!r}.")
    if budget <= 0:
        raise ValueError(f"token_budget must be greater than zero, got {budget}.")
    if spec is None:
        raise ValueError("token_budget counts the tokens of re-asks, so it needs a response_model; "
                         "got response_model=None. Drop token_budget, or pass a response_model.")
    if streaming:
        raise ValueError("token_budget is not supported for streamed responses (Partial[...], Iterable[...] "
                         "with stream=True). Drop token_budget, or ask without streaming.")


def _call_cache(request: dict[str, Any], owner: _BaseInstructor[Any]) -> Any:
    """[cache] The call's `CallCache`, or None (`instructor.core.call_cache` loads only when asked for)."""
    if "cache" not in request and "cache_namespace" not in request and "cache_ttl" not in request:
        return None
    from instructor.core.call_cache import CallCache

    return CallCache.pop_from(request, owner)


def _wants_stream(spec: ResponseSpec | None, request: dict[str, Any]) -> bool:
    """Whether this call streams: `Partial[...]` always, `Iterable[...]` with `stream=True`.

    Raises:
        ValueError: `stream=False` with `Partial[...]`, or `stream=True` with a plain model.
    """
    if spec is None:
        return False  # response_model=None: the SDK's own stream, if asked, passes through
    if spec.kind == "partial":
        if request.get("stream") is False:
            raise ValueError(
                f"Partial[...] always streams, but stream=False was passed with "
                f"{spec.model.__name__}. Drop stream=False, or ask for {spec.model.__name__} itself."
            )
        request["stream"] = True
        return True
    if not request.get("stream"):
        return False
    if spec.kind != "iterable":
        name = getattr(spec.original, "__name__", repr(spec.original))
        raise ValueError(
            f"stream=True streams Partial[...] or Iterable[...] response models, got {name}. "
            f"Use client.create_partial(response_model={name}, ...) to stream it as it is written."
        )
    return True
