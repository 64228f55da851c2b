"""Every attempt loop of a `create` call, and the one policy that says what follows a failure.

Calls run one way: client -> retry -> call. The client builds the call
(`instructor.core.call._Call`: the request, shaped once by the mode handler, and
the record of its attempts) and hands it to one of four loops here: whole or
streamed, sync or async (`complete_sync`, `complete_async`, `stream_sync`,
`stream_async`). Each counts attempts itself for an int `max_retries`, or lets a
tenacity `Retrying` / `AsyncRetrying` object count them. One attempt is:

    check_budget -> call.attempt_started(n) -> call.create(**request) (the SDK) ->
    call.on_response (parse, validate) | the per-chunk loop of a stream

and whatever it raises is judged here, and only here: `classify` names what went
wrong, `decide` says whether to go round again (the call has already built the
re-ask into its request) or what the call raises:

| failure    | what went wrong                                        | what follows                          |
|------------|--------------------------------------------------------|---------------------------------------|
| INVALID    | the answer does not fit: validation, JSON, no tool call, a tool nobody offered | re-asked while attempts and the `timeout=` deadline last, then `InstructorRetryException` |
| TRANSPORT  | the SDK call raised a connection error, a timeout, an HTTP 408/425/429 or 5xx (after the SDK's own retries), or a stream broke before its first chunk | the next client of a fallback chain; else `InstructorRetryException` caused by it (with `response_model=None`, the SDK's error as it is). Never re-sent by us, never pasted into a prompt |
| TRUNCATED  | `IncompleteOutputException`: a length stop, a cut stream | raised as it is; with `retry_truncated=True`, first one more request with the output limit doubled |
| REFUSAL    | `RefusalError`: the model refused, a content filter    | `InstructorRetryException` caused by it, never re-asked |
| BUDGET     | `TokenBudgetError`: the call's budget is spent          | raised as it is, before the next request (a re-ask, a fallback, a truncation retry) |
| OTHER      | anything else the SDK raised (HTTP 400, 401, an unknown keyword), or any other error | as TRANSPORT, but a fallback chain moves on only when told to (`on=`) |

With a tenacity object its own `retry=` policy decides whether to go again;
`decide` only says what the call raises when it stops.

Transport errors are told apart without importing any SDK (`is_transport_error`):
the handler's own `is_transport_error(exc)` when it has one, else by duck typing: an
HTTP status on the exception (`status_code`, `status`, `code`, an httpx response's,
botocore's `ResponseMetadata.HTTPStatusCode`), else a connection or timeout class
in its MRO, known by name (the Stainless SDKs' `APIConnectionError`, httpx's
`TransportError`, botocore's `HTTPClientError`, aiohttp's `ClientConnectionError`,
the builtins `ConnectionError` and `TimeoutError`...).

Fallback chains (`instructor.core.fallback`): the chain builds the call of its first
client and hands it to a `chain_*` loop here, which runs it as any call; when the
call stops on a failure the chain moves on for (`on=`, transport by default),
`fall_back` builds the same call for the next client, shaped by that client's own
handler from the caller's original messages (re-asks made on one client are not
carried to the next), sharing the first call's `Spending`. A stream falls back only
while nothing of it has arrived.

One budget (`instructor.Budget`, or the published `token_budget=`) across re-asks,
fallbacks and streams: `check_budget`, before every request (a call's first finds nothing spent).

The seams of what comes next:
- early stream cuts: the `_FEEDING` branch of the streamed attempts;
- telemetry (`instructor.core.telemetry`, when switched on: `call.trace`): the call
  span around each public loop function (`CallTrace.run_sync`... wrap the `_`-named
  loops, which a chain's loops call directly), and one span per attempt between
  `call.attempt_started(n)` and `call.attempt_ended(n, error)`.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Iterator, Mapping
from time import monotonic
from typing import TYPE_CHECKING, Any

from instructor.core.exceptions import (
    FailedAttempt,
    IncompleteOutputException,
    InstructorRetryException,
    RefusalError,
    StreamInterruptedError,
    TokenBudgetError,
)
from instructor.core.handler import invalid_answer_errors

if TYPE_CHECKING:
    from instructor.core.call import _Call
    from instructor.core.client import MaxRetries


# -- the policy ------------------------------------------------------------------------------
class Failure(enum.Enum):
    """What went wrong in an attempt (see the module docstring for what follows each); the values
    are what a fallback chain's `on=` names."""

    INVALID = "invalid"
    TRANSPORT = "transport"
    TRUNCATED = "truncation"
    REFUSAL = "refusal"
    BUDGET = "budget"
    OTHER = "other"


def classify(call: _Call, exc: BaseException) -> Failure:
    """What `exc`, raised by an attempt of `call`, says went wrong."""
    if isinstance(exc, TokenBudgetError):
        return Failure.BUDGET
    if isinstance(exc, IncompleteOutputException):
        if isinstance(exc, StreamInterruptedError) and getattr(exc.last_completion, "count", None) == 0 \
                and exc.__cause__ is not None and is_transport_error(call.handler, exc.__cause__):
            return Failure.TRANSPORT  # broke before its first chunk: nothing of it arrived
        return Failure.TRUNCATED
    if isinstance(exc, RefusalError):
        return Failure.REFUSAL
    if exc is call.transport_error:
        return Failure.TRANSPORT if is_transport_error(call.handler, exc) else Failure.OTHER
    failed = call.failed
    if failed and failed[-1].exception is exc and isinstance(exc, invalid_answer_errors()):
        return Failure.INVALID  # recorded, its re-ask built into the request
    return Failure.OTHER


#: HTTP statuses a request may succeed with later, or elsewhere: timeouts, "too early", rate limits
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
#: exception classes (by name, anywhere in the MRO) of connections that failed or timed out
_TRANSPORT_CLASSES = frozenset({
    "APIConnectionError",  # openai, anthropic, groq, cerebras, fireworks, writer... (APITimeoutError is one)
    "TransportError",  # httpx / httpx2: ConnectError, ReadTimeout, RemoteProtocolError...
    "TimeoutException", "NetworkError",  # httpx's and httpcore's bases
    "HTTPClientError",  # botocore: EndpointConnectionError, ReadTimeoutError, ConnectionClosedError...
    "ClientConnectionError", "ServerTimeoutError",  # aiohttp
    "ConnectionError", "TimeoutError", "Timeout",  # the builtins, requests, urllib3
    "ProtocolError",  # urllib3 (a connection broken mid-body, as boto3's streams raise it), h11
})


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status an SDK's exception carries, wherever its SDK keeps it (None: it has none)."""
    for name in ("status_code", "status", "code"):
        value = getattr(exc, name, None)
        if type(value) is int and 100 <= value <= 599:
            return value
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):  # botocore's ClientError
        value = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    else:
        value = getattr(response, "status_code", None)  # httpx.HTTPStatusError
    return value if type(value) is int and 100 <= value <= 599 else None


def is_transport_error(handler: Any, exc: BaseException) -> bool:
    """Whether `exc`, raised by an SDK call, is the transport's failure (a connection, a timeout,
    HTTP 408/425/429/5xx) rather than the request's: the handler's own verdict
    (`handler.is_transport_error(exc)`, None for "no opinion"), else duck typing."""
    own = getattr(handler, "is_transport_error", None)
    if own is not None:
        verdict = own(exc)
        if verdict is not None:
            return bool(verdict)
    status = _http_status(exc)
    if status is not None:
        return status >= 500 or status in _TRANSIENT_STATUSES
    return any(cls.__name__ in _TRANSPORT_CLASSES for cls in type(exc).__mro__)


def decide(call: _Call, exc: BaseException, n: int) -> BaseException | None:
    """After `exc` stopped attempt `n` of a counted loop: None to go round again, else what the call raises."""
    failure = classify(call, exc)
    if failure is Failure.INVALID and not _out_of_attempts(call, n):
        return None
    if failure is Failure.TRUNCATED and call.retry_truncated and _larger_output_limit(call, exc, n):
        return None
    return raised(call, failure, exc, n)


def raised(call: _Call, failure: Failure, exc: BaseException, n: int,
           cause: BaseException | None = None) -> BaseException:
    """What a call that stops on `exc` (a `failure`) at attempt `n` raises.

    A truncation and a spent budget as they are (and an `InstructorRetryException`
    raised inside the attempt); with `response_model=None` the exception as it is;
    anything else an `InstructorRetryException` carrying every attempt, caused by
    `cause` (`exc` itself when None). The call keeps `(failure, exc)` as `stopped`:
    what a fallback chain decides by.
    """
    call.stopped = (failure, exc)
    if failure in (Failure.TRUNCATED, Failure.BUDGET) or isinstance(exc, InstructorRetryException):
        return exc
    if call.spec is None:
        return exc
    return call.retry_error(exc, n, cause)


def _out_of_attempts(call: _Call, n: int) -> bool:
    """No re-ask after attempt `n`: it was the last one `max_retries` allows, or the `timeout=` deadline passed."""
    if call.max_attempts is not None and n >= call.max_attempts:
        return True
    return call.deadline is not None and monotonic() >= call.deadline


#: where a request keeps its output limit, when the handler does not say (`output_limit_keys`)
_OUTPUT_LIMIT_KEYS: tuple[tuple[str, ...], ...] = (("max_tokens",),)


def _larger_output_limit(call: _Call, exc: BaseException, n: int) -> bool:
    """`retry_truncated=True`: once per call, build the next request with twice the output limit
    that cut attempt `n` (twice the output tokens it used when the request set none). False
    when there is no such request to send (already done once, the deadline passed, no count)."""
    call.retry_truncated = False  # once
    if call.deadline is not None and monotonic() >= call.deadline:
        return False
    keys = getattr(call.handler, "output_limit_keys", _OUTPUT_LIMIT_KEYS)
    request = call.request
    path, limit = keys[0], None
    for candidate in keys:
        value = _get_path(request, candidate)
        if type(value) is int:
            path, limit = candidate, value
            break
    if limit is None:
        from instructor.core.billing import Usage

        last = getattr(exc, "last_completion", None)
        usage = getattr(last, "usage", None)
        counts = usage if isinstance(usage, Mapping) else call.handler.usage(last) if last is not None else {}
        limit = Usage.of_counts(counts).output_tokens
        if not limit:
            return False
    call.request = _set_path(request, path, 2 * limit)
    call.failed.append(FailedAttempt(n, exc, getattr(exc, "last_completion", None)))
    if call.max_attempts is not None:
        call.max_attempts += 1  # one more request, not one of the re-asks max_retries allows
    return True


def _get_path(request: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = request
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _set_path(request: Mapping[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `request` with `value` at `path` (the mappings on the way copied, or made)."""
    head, *rest = path
    copy = dict(request)
    inner = copy.get(head)
    copy[head] = _set_path(inner if isinstance(inner, Mapping) else {}, tuple(rest), value) if rest else value
    return copy


def check_budget(call: _Call) -> None:
    """Before a request is sent: raise once the call's budget is spent (`TokenBudgetExceeded` for
    `token_budget=`, `BudgetExceeded` for `budget=`), or `TokenUsageUnavailableError` when a
    response reported no usage to count it by. Caused by what made the call go round again."""
    spend = call.spend
    assert spend is not None
    reached = spend.reached()
    if reached is None:
        return
    from instructor.core.exceptions import (
        BudgetExceeded,
        TokenBudgetExceeded,
        TokenUsageUnavailableError,
    )

    n, limit = call.attempt, spend.limit
    usage, cost = spend.usage, spend.known_cost
    named = f"token_budget={limit}" if isinstance(limit, int) else spend.budget.describe()
    responses = f"{spend.responses} response{'s' if spend.responses != 1 else ''}"
    details = {**call.details(n), "budget": limit, "usage": usage, "cost": cost}
    error: TokenBudgetError
    if reached == "usage":
        error = TokenUsageUnavailableError(
            f"A budget was set ({named}), but the provider reported no token usage for a response, so "
            "it cannot be counted; not sending another request. Drop the budget for this provider, or "
            "bound the call with max_retries.", **details)
    else:
        spent = f"{usage.total_tokens} tokens" + (f", cost {cost:.6g}" if cost is not None else "")
        cls = TokenBudgetExceeded if isinstance(limit, int) else BudgetExceeded
        error = cls(
            f"The budget is spent: {spent} over {responses} ({named}); not sending another request. "
            "Raise the budget, or make the task easier.", **details)
    error.__cause__ = call.last_error
    raise error


def counted(call: _Call, max_retries: MaxRetries) -> bool:
    """True for an int `max_retries` (this module counts the attempts: `max_retries` re-asks after the
    first, a negative number counting as none); False for a tenacity object, which counts them."""
    if isinstance(max_retries, int):
        call.max_attempts = max(0, int(max_retries)) + 1
        return True
    import tenacity  # noqa: F401 - a tenacity object needs tenacity: its ImportError, as it is, if missing

    return False


def _tenacity_stopped(call: _Call, exc: BaseException) -> BaseException:
    """What the call raises when a tenacity object stops on `exc` (its `RetryError`, or with
    `reraise=True` the last attempt's own exception)."""
    from tenacity import RetryError

    if isinstance(exc, RetryError):
        last = exc.last_attempt
        inner = last.exception() if last.failed else exc
        assert inner is not None
        return raised(call, classify(call, inner), inner, last.attempt_number, cause=exc)
    return raised(call, classify(call, exc), exc, call.attempt)


def _settled(state: Any, failure: Exception | None) -> bool:
    """Tell tenacity how a streamed attempt went: True when it succeeded; when it failed, tenacity
    either raises (a `RetryError`, or the failure with `reraise=True`) or lets the loop go on."""
    with state:
        if failure is not None:
            raise failure
    return failure is None


def _no_attempt(call: _Call) -> BaseException:
    return raised(call, Failure.OTHER, RuntimeError("the tenacity object made no attempt"), 0)


# -- whole answers ---------------------------------------------------------------------------
def complete_sync(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    """Run `call` to its result: `(result, the last raw completion)`, from the cache when it has it."""
    if call.trace is not None:
        return call.trace.run_sync(_complete_sync, call, max_retries)
    return _complete_sync(call, max_retries)


def _complete_sync(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    cache = call.cache
    if cache is not None and (hit := cache.lookup(call)) is not None:
        return hit  # type: ignore[no-any-return]
    if counted(call, max_retries):
        n = 1
        while True:
            try:
                result = _attempt_sync(call, n)
                break
            except Exception as exc:
                error = decide(call, exc, n)
                if error is not None:
                    raise error  # noqa: B904 - `raised` sets the cause
            n += 1
    else:
        result = _tenacity_sync(call, max_retries)
    if cache is not None:
        cache.store(call, result)
    return result, call.last_response


async def complete_async(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    """The async twin of `complete_sync`."""
    if call.trace is not None:
        return await call.trace.run_async(_complete_async, call, max_retries)
    return await _complete_async(call, max_retries)


async def _complete_async(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    cache = call.cache
    if cache is not None and (hit := cache.lookup(call)) is not None:
        return hit  # type: ignore[no-any-return]
    if counted(call, max_retries):
        n = 1
        while True:
            try:
                result = await _attempt_async(call, n)
                break
            except Exception as exc:
                error = decide(call, exc, n)
                if error is not None:
                    raise error  # noqa: B904 - `raised` sets the cause
            n += 1
    else:
        result = await _tenacity_async(call, max_retries)
    if cache is not None:
        cache.store(call, result)
    return result, call.last_response


def _attempt_sync(call: _Call, n: int) -> Any:
    """Attempt `n`: the request, the SDK call, the parsed result; what went wrong is raised raw."""
    if call.spend is not None:
        check_budget(call)
    request = call.attempt_started(n)
    try:
        response = call.create(**request)
    except Exception as exc:
        raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
    return call.on_response(response, n)


async def _attempt_async(call: _Call, n: int) -> Any:
    """The async twin of `_attempt_sync`."""
    if call.spend is not None:
        check_budget(call)
    request = call.attempt_started(n)
    try:
        response = await call.create(**request)
    except Exception as exc:
        raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
    return call.on_response(response, n)


def _tenacity_sync(call: _Call, retrying: Any) -> Any:
    try:
        for state in retrying:
            with state:
                return _attempt_sync(call, state.retry_state.attempt_number)
    except Exception as exc:
        raise _tenacity_stopped(call, exc)  # noqa: B904 - `raised` sets the cause
    raise _no_attempt(call)


async def _tenacity_async(call: _Call, retrying: Any) -> Any:
    try:
        # an AsyncRetrying, used as given (a sync Retrying raises TypeError here, reported as the cause)
        async for state in retrying:
            with state:
                return await _attempt_async(call, state.retry_state.attempt_number)
    except Exception as exc:
        raise _tenacity_stopped(call, exc)  # noqa: B904 - `raised` sets the cause
    raise _no_attempt(call)


# -- streamed answers ------------------------------------------------------------------------
# where the exception that stops a streamed attempt came from (the loops of `_stream_attempt`)
_READING = 0  # reading the stream (the SDK, the handler's reader, recording): a broken stream
_FEEDING = 1  # the consumer, given a delta: an invalid answer
_ELSEWHERE = 2  # anything else (thrown in at a yield by the caller): passes as it is


def _close_stream(stream: Any) -> Any:
    close = getattr(stream, "close", None)
    return close() if callable(close) else None


def stream_sync(call: _Call, max_retries: MaxRetries) -> Iterator[Any]:
    """What `create_partial` / `create_iterable` yield: each attempt's outputs as they arrive, re-asked
    like a whole answer when the finished one does not fit."""
    if call.trace is not None:
        return call.trace.stream_sync(_stream_sync(call, max_retries), call)
    return _stream_sync(call, max_retries)


def _stream_sync(call: _Call, max_retries: MaxRetries) -> Iterator[Any]:
    if counted(call, max_retries):
        n = 1
        while True:
            try:
                yield from _stream_attempt(call, n)
                return
            except Exception as exc:
                error = decide(call, exc, n)
                if error is not None:
                    raise error  # noqa: B904 - `raised` sets the cause
            n += 1
    try:
        for state in max_retries:
            # the attempt runs outside `with state`: tenacity would swallow GeneratorExit
            failure: Exception | None = None
            try:
                yield from _stream_attempt(call, state.retry_state.attempt_number)
            except Exception as exc:
                failure = exc
            if _settled(state, failure):
                return
    except Exception as exc:
        raise _tenacity_stopped(call, exc)  # noqa: B904 - `raised` sets the cause


def stream_async(call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
    """The async twin of `stream_sync`."""
    if call.trace is not None:
        return call.trace.stream_async(_stream_async(call, max_retries), call)
    return _stream_async(call, max_retries)


async def _stream_async(call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
    if counted(call, max_retries):
        n = 1
        while True:
            try:
                async for item in _astream_attempt(call, n):
                    yield item
                return
            except Exception as exc:
                error = decide(call, exc, n)
                if error is not None:
                    raise error  # noqa: B904 - `raised` sets the cause
            n += 1
    try:
        async for state in max_retries:
            # the attempt runs outside `with state`: tenacity would swallow GeneratorExit
            failure: Exception | None = None
            try:
                async for item in _astream_attempt(call, state.retry_state.attempt_number):
                    yield item
            except Exception as exc:
                failure = exc
            if _settled(state, failure):
                return
    except Exception as exc:
        raise _tenacity_stopped(call, exc)  # noqa: B904 - `raised` sets the cause


def _stream_attempt(call: _Call, n: int) -> Iterator[Any]:
    if call.spend is not None:
        check_budget(call)
    request = call.attempt_started(n)
    try:
        stream = call.create(**request)
    except Exception as exc:
        raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
    response, consumer, chunks, record, reader = call.open_stream(stream, asynchronous=False)
    read, add_delta, feed = reader.feed, response.add_delta, consumer.feed
    at = _READING
    try:
        try:
            for chunk in chunks:
                record(chunk)
                for delta in read(chunk):
                    at = _ELSEWHERE
                    add_delta(delta)
                    at = _FEEDING
                    outputs = feed(delta)
                    at = _ELSEWHERE
                    yield from outputs
                    at = _READING
            reader.end()
        except Exception as exc:
            if at == _READING:
                call.stream_read_failed(exc, response, n)
            if at == _FEEDING:
                call.stream_feed_failed(exc, response, n)
            raise  # thrown in at a yield: the caller's own, as it is
        yield from call.stream_end(consumer, response, n)
    finally:
        if chunks is not stream:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        _close_stream(stream)


async def _astream_attempt(call: _Call, n: int) -> AsyncIterator[Any]:
    if call.spend is not None:
        check_budget(call)
    request = call.attempt_started(n)
    try:
        stream = await call.create(**request)
    except Exception as exc:
        raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
    response, consumer, chunks, record, reader = call.open_stream(stream, asynchronous=True)
    read, add_delta, feed = reader.feed, response.add_delta, consumer.feed
    at = _READING
    try:
        try:
            async for chunk in chunks:
                record(chunk)
                for delta in read(chunk):
                    at = _ELSEWHERE
                    add_delta(delta)
                    at = _FEEDING
                    outputs = feed(delta)
                    at = _ELSEWHERE
                    for item in outputs:
                        yield item
                    at = _READING
            reader.end()
        except Exception as exc:
            if at == _READING:
                call.stream_read_failed(exc, response, n)
            if at == _FEEDING:
                call.stream_feed_failed(exc, response, n)
            raise  # thrown in at a yield: the caller's own, as it is
        for item in call.stream_end(consumer, response, n):
            yield item
    finally:
        if chunks is not stream:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        closing = _close_stream(stream)
        if closing is not None and hasattr(closing, "__await__"):
            await closing


# -- fallback chains -------------------------------------------------------------------------
def fall_back(call: _Call, exc: Exception) -> _Call:
    """After `call`, one of a fallback chain's, raised `exc`: the call of the chain's next client,
    or `exc` raised again (the chain does not move on for that failure, a stream already
    received something, or no client is left), carrying the errors it moved on from."""
    chain = call.chain
    assert chain is not None
    stopped = call.stopped
    if stopped is None or (call.streaming and call.received) or not chain.moves_on(stopped[0], stopped[1], exc) \
            or not chain.has_next:
        raise chain.final(exc)
    if call.spend is not None:
        try:
            check_budget(call)  # before the next client's request, with this call's attempts
        except TokenBudgetError as error:
            raise chain.final(error)  # noqa: B904 - `check_budget` sets the cause
    following: _Call = chain.next_call(call, exc)
    return following


def chain_complete_sync(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    """`complete_sync` along a fallback chain, from its first client's `call`."""
    if call.trace is not None:
        return call.trace.run_sync(_chain_complete_sync, call, max_retries)
    return _chain_complete_sync(call, max_retries)


def _chain_complete_sync(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    while True:
        try:
            return _complete_sync(call, max_retries)
        except Exception as exc:
            call = fall_back(call, exc)


async def chain_complete_async(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    """The async twin of `chain_complete_sync`."""
    if call.trace is not None:
        return await call.trace.run_async(_chain_complete_async, call, max_retries)
    return await _chain_complete_async(call, max_retries)


async def _chain_complete_async(call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
    while True:
        try:
            return await _complete_async(call, max_retries)
        except Exception as exc:
            call = fall_back(call, exc)


def chain_stream_sync(call: _Call, max_retries: MaxRetries) -> Iterator[Any]:
    """`stream_sync` along a fallback chain: the next client only while nothing was received."""
    if call.trace is not None:
        return call.trace.stream_sync(_chain_stream_sync(call, max_retries), call)
    return _chain_stream_sync(call, max_retries)


def _chain_stream_sync(call: _Call, max_retries: MaxRetries) -> Iterator[Any]:
    while True:
        try:
            yield from _stream_sync(call, max_retries)
            return
        except Exception as exc:
            call = fall_back(call, exc)


def chain_stream_async(call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
    """The async twin of `chain_stream_sync`."""
    if call.trace is not None:
        return call.trace.stream_async(_chain_stream_async(call, max_retries), call)
    return _chain_stream_async(call, max_retries)


async def _chain_stream_async(call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
    while True:
        try:
            async for item in _stream_async(call, max_retries):
                yield item
            return
        except Exception as exc:
            call = fall_back(call, exc)
