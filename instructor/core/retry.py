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
| TRANSPORT  | the SDK call raised (HTTP status, timeout, connection) | `InstructorRetryException` caused by it, never re-sent (with `response_model=None`, the SDK's error as it is) |
| TRUNCATED  | `IncompleteOutputException`: a length stop, a cut stream | raised as it is                     |
| REFUSAL    | `RefusalError`: the model refused, a content filter    | `InstructorRetryException` caused by it, never re-asked |
| BUDGET     | `TokenBudgetError`: the call's `token_budget` is spent | raised as it is                       |
| OTHER      | anything else                                          | as TRANSPORT                          |

With a tenacity object its own `retry=` policy decides whether to go again;
`decide` only says what the call raises when it stops.

The homes of what comes next:
- fallback chains (a sequence of (client, call) pairs sharing one attempt record
  and one budget): the loops run the attempts of whatever call they hold, and
  `decide` on TRANSPORT is where the next client's call takes over;
- one budget across re-asks, fallbacks and streams: `check_budget`, before every
  re-ask request of every loop;
- early stream cuts: the `_FEEDING` branch of the streamed attempts;
- telemetry: a span around each loop function, and one per attempt between
  `call.attempt_started(n)` and `call.attempt_ended(n, error)`.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Iterator
from time import monotonic
from typing import TYPE_CHECKING, Any

from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorRetryException,
    RefusalError,
    TokenBudgetError,
)
from instructor.core.handler import invalid_answer_errors

if TYPE_CHECKING:
    from instructor.core.call import _Call
    from instructor.core.client import MaxRetries


# -- the policy ------------------------------------------------------------------------------
class Failure(enum.Enum):
    """What went wrong in an attempt (see the module docstring for what follows each)."""

    INVALID = "invalid answer"
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
        return Failure.TRUNCATED
    if isinstance(exc, RefusalError):
        return Failure.REFUSAL
    if exc is call.transport_error:
        return Failure.TRANSPORT
    failed = call.failed
    if failed and failed[-1].exception is exc and isinstance(exc, invalid_answer_errors()):
        return Failure.INVALID  # recorded, its re-ask built into the request
    return Failure.OTHER


def decide(call: _Call, exc: BaseException, n: int) -> BaseException | None:
    """After `exc` stopped attempt `n` of a counted loop: None to go round again, else what the call raises."""
    failure = classify(call, exc)
    if failure is Failure.INVALID and not _out_of_attempts(call, n):
        return None
    return raised(call, failure, exc, n)


def raised(call: _Call, failure: Failure, exc: BaseException, n: int,
           cause: BaseException | None = None) -> BaseException:
    """What a call that stops on `exc` (a `failure`) at attempt `n` raises.

    A truncation and a spent budget as they are (and an `InstructorRetryException`
    raised inside the attempt); with `response_model=None` the exception as it is;
    anything else an `InstructorRetryException` carrying every attempt, caused by
    `cause` (`exc` itself when None).
    """
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


def check_budget(call: _Call) -> None:
    """Before a re-ask is sent: raise `TokenBudgetExceeded` once the call's `token_budget` is spent, or
    `TokenUsageUnavailableError` when the provider reports no usage to count it by."""
    budget, failed, n = call.token_budget, call.failed, call.attempt
    if budget is None or not failed or failed[-1].attempt_number != n:
        return  # no budget, or the last attempt asked for no re-ask
    cause = failed[-1].exception
    if not isinstance(cause, invalid_answer_errors()):
        return
    from instructor.core.exceptions import TokenBudgetExceeded, TokenUsageUnavailableError
    from instructor.core.usage import tokens_used

    if not call.usage:
        error: TokenBudgetError = TokenUsageUnavailableError(
            f"token_budget={budget} was set, but the provider reported no token usage for attempt {n}, "
            "so the budget cannot be checked. Drop token_budget for this provider, or use max_retries.",
            **call.details(n), budget=budget,
        )
    else:
        used = tokens_used(call.usage)
        if used < budget:
            return
        error = TokenBudgetExceeded(
            f"The token budget is spent: {used} tokens used across {n} attempt{'s' if n != 1 else ''} "
            f"(token_budget={budget}); not re-asking. Raise token_budget, or make the task easier.",
            **call.details(n), budget=budget,
        )
    error.__cause__ = cause
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
    if call.token_budget is not None:
        check_budget(call)
    request = call.attempt_started(n)
    try:
        response = call.create(**request)
    except Exception as exc:
        raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
    return call.on_response(response, n)


async def _attempt_async(call: _Call, n: int) -> Any:
    """The async twin of `_attempt_sync`."""
    if call.token_budget is not None:
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


async def stream_async(call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
    """The async twin of `stream_sync`."""
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
    if call.token_budget is not None:
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
    if call.token_budget is not None:
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
