"""`Instructor` and `AsyncInstructor`: the create* family around one SDK call.

One call: hooks `completion:kwargs` -> the mode handler turns the response
model into request kwargs -> the SDK call -> the handler parses the response
-> validation; on a validation, JSON or parsing failure the handler builds the
re-ask and the loop goes round again, up to `max_retries` re-asks (the
published release's count: `max_retries=3` means up to 4 requests). Anything
else (an SDK error, a refusal) ends the call in an `InstructorRetryException`
caused by it. The sync and async clients share everything but the SDK call and
the loop (`_Call` holds the shared part).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast, overload

from instructor.core.exceptions import (
    AsyncValidationError,
    FailedAttempt,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
    TokenBudgetError,
)
from instructor.core.hooks import HookHandler, HookName, Hooks
from instructor.core.messages import prepare_messages
from instructor.core.mode_registry import ModeHandler, get_handler
from instructor.core.usage import usage_object
from instructor.mode import Mode

if TYPE_CHECKING:
    from instructor.core.response_model import ResponseSpec
    from instructor.core.streaming import StreamConsumer, StreamedResponse

T = TypeVar("T")
ClientT = TypeVar("ClientT")
SelfT = TypeVar("SelfT", bound="_BaseInstructor[Any]")

MaxRetries = Any  # an int (re-asks after the first attempt) or a tenacity Retrying / AsyncRetrying

_REASKED: tuple[type[BaseException], ...] = ()


def _reasked() -> tuple[type[BaseException], ...]:
    """The failures that are re-asked: the answer is there but does not fit the model."""
    global _REASKED
    if not _REASKED:
        import json

        from pydantic import ValidationError

        _REASKED = (ValidationError, json.JSONDecodeError, ResponseParsingError, AsyncValidationError)
    return _REASKED


def _messages_of(request: Mapping[str, Any]) -> Any:
    for key in ("messages", "contents", "chat_history"):
        if key in request:
            return request[key]
    return None


class _Call:
    """The state of one `create` call that sync and async clients share.

    The loops (`_run_sync`, `_run_async`, the `_stream` twins) call an attempt,
    which returns the result or raises what went wrong, raw: the validation
    error (already recorded in `failed`, its re-ask already in `request`), the
    SDK's own exception, or a typed error never re-asked. `retries(exc)` says
    whether to go round again and `give_up(exc, n)` what the call raises.
    """

    __slots__ = ("spec", "handler", "hooks", "request", "context", "strict", "failed", "usage", "usages",
                 "last_response", "streaming", "max_attempts", "deadline", "token_budget", "attempt", "cache")

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
        # pydantic loads here, at the first call: building a client (from_provider) never pays for it
        from instructor.core.response_model import resolve_response_model

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
        if messages is not None:
            request["messages"] = prepare_messages(messages, context, provider=owner.provider, mode=owner.mode,
                                                   autodetect_images=autodetect_images)
        self.streaming = _wants_stream(self.spec, request)
        timeout = request.get("timeout")
        self.deadline: float | None = None
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            from time import monotonic

            self.deadline = monotonic() + timeout
        self.token_budget = token_budget
        if token_budget is not None:
            _check_token_budget(token_budget, self.spec, self.streaming)
        if self.spec is None:
            self.handler: ModeHandler | None = None
            self.request = request
        else:
            self.handler = owner.handler
            self.request = self.handler.prepare_request(self.spec.model, request)

    def before(self, n: int) -> dict[str, Any]:
        self.attempt = n
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_KWARGS, **self.request)
        return self.request

    def _is_last(self, n: int) -> bool:
        return self.max_attempts is not None and n >= self.max_attempts

    def sdk_failed(self, exc: Exception, n: int) -> Exception:
        """What a failed SDK call raises into the loop: the SDK's own exception, except a
        `RecursionError` (the SDK's json decoder on a hostile, deeply nested body), which
        becomes a typed `ResponseParsingError` chaining it."""
        exc = _typed_recursion(exc)
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_ERROR, exc, attempt_number=n,
                                          max_attempts=self.max_attempts,
                                          is_last_attempt=self.max_attempts is not None)
        return exc

    def on_response(self, response: Any, n: int) -> Any:
        """Parse `response`: return the result, or record the failure (and its re-ask) and raise it."""
        self.last_response = response
        hooks = self.hooks
        if hooks:
            hooks.emit(HookName.COMPLETION_RESPONSE, response)
        handler, spec = self.handler, self.spec
        if handler is None or spec is None:
            return response
        counts = handler.usage(response)
        for key, value in counts.items():
            self.usage[key] = self.usage.get(key, 0) + value
        self.usages.append(usage_object(response))
        if hooks and counts:
            hooks.emit_with_metadata(HookName.COMPLETION_USAGE, self.total_usage(), attempt_number=n)
        try:
            parsed = handler.parse_response(response, spec.model, context=self.context, strict=self.strict)
        except IncompleteOutputException as exc:
            exc.n_attempts = n
            exc.failed_attempts = list(self.failed)
            if exc.last_completion is None:
                exc.last_completion = response
            raise
        except Exception as exc:
            typed = _typed_recursion(exc)
            self.failed_attempt(typed, response, n)
            if typed is exc:
                raise
            raise typed from exc
        result = spec.unwrap(parsed)
        usages = self.usages
        # the cumulative usage when every attempt reported one: one attempt's is its own (no copy)
        total = (usages[0] if len(usages) == 1 else self.total_usage()) if None not in usages else None
        if type(result) is list:
            from instructor.dsl.list_response import ListResponse

            return ListResponse(result, raw_response=response, total_usage=total)
        if hasattr(result, "__pydantic_fields__"):
            try:
                result._raw_response = response
                if total is not None:
                    result._total_usage = total
            except (AttributeError, TypeError):
                pass
        return result

    def failed_attempt(self, exc: Exception, response: Any, n: int) -> None:
        """Record a failed parse; a failure that is re-asked gets its re-ask built into `request`.

        Raises:
            TokenBudgetError: the call's `token_budget` is spent (or usage is unknown).
        """
        self.failed.append(FailedAttempt(n, exc, response))
        reasked = isinstance(exc, _reasked())
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.PARSE_ERROR, exc, attempt_number=n,
                                          max_attempts=self.max_attempts,
                                          is_last_attempt=not reasked or self._is_last(n))
        if not reasked:
            return
        assert self.handler is not None
        try:
            self.request = self.handler.reask(self.request, response, exc)
        except Exception as error:  # the answer cannot even be echoed back (e.g. nested too deep)
            raise _typed_recursion(error)  # noqa: B904 - a RecursionError's typed form chains it
        if self.token_budget is not None and not self._is_last(n):
            self._check_budget(exc, n)

    def _check_budget(self, exc: Exception, n: int) -> None:
        from instructor.core.exceptions import TokenBudgetExceeded, TokenUsageUnavailableError
        from instructor.core.usage import tokens_used

        budget = self.token_budget
        assert budget is not None
        if not self.usage:
            error: Exception = TokenUsageUnavailableError(
                f"token_budget={budget} was set, but the provider reported no token usage for attempt {n}, "
                "so the budget cannot be checked. Drop token_budget for this provider, or use max_retries.",
                **self._details(n), budget=budget,
            )
        else:
            used = tokens_used(self.usage)
            if used < budget:
                return
            error = TokenBudgetExceeded(
                f"The token budget is spent: {used} tokens used across {n} attempt{'s' if n != 1 else ''} "
                f"(token_budget={budget}); not re-asking. Raise token_budget, or make the task easier.",
                **self._details(n), budget=budget,
            )
        error.__cause__ = exc
        raise error

    def total_usage(self) -> Any:
        from instructor.core.usage import total_usage

        return total_usage(self.usages, self.usage)

    def _details(self, n: int) -> dict[str, Any]:
        return {
            "n_attempts": n,
            "total_usage": self.total_usage(),
            "last_completion": self.failed[-1].completion if self.failed else None,
            "messages": _messages_of(self.request),
            "create_kwargs": self.request,
            "failed_attempts": list(self.failed),
        }

    def retries(self, exc: Exception, n: int) -> bool:
        """Whether the int `max_retries` loop goes round again after `exc` at attempt `n`."""
        if self._is_last(n) or not self.failed or self.failed[-1].exception is not exc:
            return False  # the last attempt, or not a parse failure (an SDK error is never re-sent)
        if not isinstance(exc, _reasked()):
            return False
        if self.deadline is not None:
            from time import monotonic

            return monotonic() < self.deadline
        return True

    def give_up(self, exc: BaseException, n: int, cause: BaseException | None = None) -> BaseException:
        """What the call raises when it stops on `exc` at attempt `n`.

        `IncompleteOutputException` and `TokenBudgetError` as they are; with
        `response_model=None` the SDK's exception as it is; anything else an
        `InstructorRetryException` caused by it, carrying every attempt.
        """
        if isinstance(exc, (IncompleteOutputException, TokenBudgetError, InstructorRetryException)):
            return exc
        if self.spec is None:
            return exc
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_LAST_ATTEMPT, exc, attempt_number=n,
                                          max_attempts=self.max_attempts, is_last_attempt=True)
        error = InstructorRetryException(str(exc), **self._details(n))
        error.__cause__ = cause if cause is not None else exc
        return error

    # -- streamed attempts (the machinery is instructor.core.streaming) --------------------------
    def open_stream(self, stream: Any, asynchronous: bool) -> tuple[StreamedResponse, StreamConsumer, Any]:
        """The `StreamedResponse` recording `stream`, the consumer of its deltas, and the deltas
        (the handler's reading of the stream: an iterator, or an async one)."""
        from instructor.core.streaming import (
            StreamedResponse,
            arecord_chunks,
            consumer_for,
            record_chunks,
        )

        assert self.spec is not None and self.handler is not None
        response, handler = StreamedResponse(), self.handler
        consumer = consumer_for(self.spec, self.context, self.strict)
        if asynchronous:
            return response, consumer, handler.aiter_stream(arecord_chunks(stream, response, handler.usage))
        return response, consumer, handler.iter_stream(record_chunks(stream, response, handler.usage))

    def _stream_ended(self, response: StreamedResponse) -> None:
        self.last_response = response
        for key, value in response.usage.items():
            self.usage[key] = self.usage.get(key, 0) + value
        self.usages.append(None)  # a stream has counts, no usage object
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_RESPONSE, response)
            if response.usage:
                self.hooks.emit_with_metadata(HookName.COMPLETION_USAGE, self.total_usage(),
                                              attempt_number=self.attempt)

    def stream_broken(self, exc: Exception, response: StreamedResponse, n: int) -> Exception:
        """The typed error a stream that broke off ends in (not re-asked)."""
        from instructor.core.exceptions import StreamInterruptedError
        from instructor.core.streaming import stream_failure

        self._stream_ended(response)
        error = stream_failure(exc, response)
        if isinstance(error, StreamInterruptedError):
            for key, value in self._details(n).items():
                if key != "last_completion":  # the StreamedResponse of this attempt stays
                    setattr(error, key, value)
        elif isinstance(error, IncompleteOutputException):
            error.n_attempts = n
            error.failed_attempts = list(self.failed)
        if self.hooks:
            self.hooks.emit_with_metadata(HookName.COMPLETION_ERROR, error, attempt_number=n,
                                          max_attempts=self.max_attempts, is_last_attempt=True)
        return error

    def stream_invalid(self, exc: Exception, response: StreamedResponse, n: int) -> None:
        """The streamed answer failed: record it (and its re-ask); the loop decides."""
        self._stream_ended(response)
        self.failed_attempt(exc, response, n)

    def stream_finished(self, response: StreamedResponse, outputs: list[Any]) -> list[Any]:
        """Account for a clean stream; the final object carries the `StreamedResponse`."""
        self._stream_ended(response)
        if outputs and hasattr(outputs[-1], "__pydantic_fields__") and self.spec is not None \
                and self.spec.kind == "partial":
            try:
                outputs[-1]._raw_response = response
            except (AttributeError, TypeError):
                pass
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

    def tenacity_gave_up(self, exc: Exception) -> BaseException:
        """What the call raises when a loop over a tenacity `Retrying` object stops on `exc`."""
        from tenacity import RetryError

        if isinstance(exc, RetryError):
            inner, n = _retry_error_parts(exc)
            return self.give_up(inner, n, cause=exc)
        return self.give_up(exc, self.attempt)


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


def _check_token_budget(budget: Any, spec: ResponseSpec | None, streaming: bool) -> None:
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
    """[cache] The call's `instructor.cache.CallCache`, or None (the module loads only when asked for)."""
    if "cache" not in request and "cache_namespace" not in request and "cache_ttl" not in request:
        return None
    from instructor.cache import CallCache

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


def _not_streaming(call: _Call) -> None:
    if call.streaming:
        raise ValueError(
            "create_with_completion returns one completion, and this call streams "
            "(Partial[...], or Iterable[...] with stream=True). Use create, create_partial or "
            "create_iterable; the final object's `_raw_response` holds the StreamedResponse."
        )


def _close_stream(stream: Any) -> Any:
    close = getattr(stream, "close", None)
    return close() if callable(close) else None


def _is_count(max_retries: Any) -> bool:
    return isinstance(max_retries, int)


def _attempts_of(max_retries: int) -> int:
    """`max_retries` re-asks after the first attempt; a negative number counts as none."""
    return max(0, int(max_retries)) + 1


def _tenacity_settled(state: Any, failure: Exception | None) -> bool:
    """Tell tenacity how a streamed attempt went: True when it succeeded; when it failed, tenacity
    either raises (a `RetryError`, or the failure with `reraise=True`) or lets the loop go on."""
    with state:
        if failure is not None:
            raise failure
    return failure is None


def _need_tenacity() -> None:
    """A tenacity `Retrying` object as `max_retries` needs tenacity: its ImportError, as it is, if missing."""
    import tenacity  # noqa: F401


def _retry_error_parts(exc: Any) -> tuple[BaseException, int]:
    """The last exception inside a tenacity `RetryError`, and its attempt number."""
    last = exc.last_attempt
    inner = last.exception() if last.failed else exc
    return inner, last.attempt_number


class _BaseInstructor(Generic[ClientT]):
    """What both clients hold: the SDK client, its create function, mode, hooks, defaults."""

    def __init__(
        self,
        client: ClientT,
        create: Callable[..., Any],
        mode: Mode | str = Mode.TOOLS,
        *,
        provider: str = "openai",
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> None:
        self.client = client
        self.create_fn = create
        self.mode = Mode(mode)
        self.provider = provider
        self.default_kwargs: dict[str, Any] = kwargs
        self.hooks = hooks if hooks is not None else Hooks()
        self._handler: ModeHandler | None = None

    @property
    def handler(self) -> ModeHandler:
        """This client's mode handler (loaded on the first structured call)."""
        if self._handler is None:
            self._handler = get_handler(self.mode, provider=self.provider)
        return self._handler

    # the well-known spellings: client.chat.completions.create, client.messages.create
    @property
    def chat(self: SelfT) -> SelfT:
        return self

    @property
    def completions(self: SelfT) -> SelfT:
        return self

    @property
    def messages(self: SelfT) -> SelfT:
        return self

    @property
    def responses(self) -> Any:  # [responses] Mode.RESPONSES_TOOLS only: instructor/providers/openai/responses.py
        """`client.responses.create(input=..., response_model=...)`: the create family for the Responses API."""
        from instructor.providers.openai.responses import responses_of

        return responses_of(self)

    def on(self, hook: HookName | str, handler: HookHandler) -> None:
        """Call `handler` on every `hook` event of this client."""
        self.hooks.on(hook, handler)

    def off(self, hook: HookName | str, handler: HookHandler) -> None:
        """Remove `handler` from `hook`."""
        self.hooks.off(hook, handler)

    def clear(self, hook: HookName | str | None = None) -> None:
        """Remove every handler of `hook`, or of all hooks."""
        self.hooks.clear(hook)

    def __repr__(self) -> str:
        model = self.default_kwargs.get("model") or self.default_kwargs.get("modelId")
        return f"{type(self).__name__}(provider={self.provider!r}, mode=Mode.{self.mode.name}, model={model!r})"

    def _call(
        self,
        response_model: Any,
        messages: Sequence[Any] | None,
        context: Mapping[str, Any] | None,
        strict: bool | None,
        hooks: Hooks | None,
        kwargs: dict[str, Any],
        token_budget: int | None = None,
    ) -> _Call:
        validation_context = kwargs.pop("validation_context", None)
        if validation_context is not None:
            if context is not None:
                raise ValueError("Pass either context= or its older name validation_context=, not both.")
            context = validation_context
        return _Call(self, response_model, messages, context, strict, hooks, token_budget, kwargs)

    def _partial_call(self, response_model: Any, messages: Sequence[Any] | None, context: Mapping[str, Any] | None,
                      strict: bool | None, hooks: Hooks | None, kwargs: dict[str, Any]) -> _Call:
        """The call of `create_partial`: `Partial[response_model]`, streamed."""
        from instructor.dsl.partial import partial_model

        return self._call(partial_model(cast(Any, response_model)), messages, context, strict, hooks, kwargs)

    def _iterable_call(self, response_model: Any, messages: Sequence[Any] | None, context: Mapping[str, Any] | None,
                       strict: bool | None, hooks: Hooks | None, kwargs: dict[str, Any]) -> _Call:
        """The call of `create_iterable`: `Iterable[response_model]`, streamed."""
        from instructor.dsl.iterable import IterableModel

        kwargs["stream"] = True
        return self._call(IterableModel(response_model), messages, context, strict, hooks, kwargs)


class Instructor(_BaseInstructor[Any]):
    """A sync client: `create(response_model=..., messages=...)` returns a validated object.

    Example:
        >>> client = instructor.from_provider("openai/gpt-4o-mini")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """

    @overload
    def create(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        token_budget: int | None = None,
        **kwargs: Any,
    ) -> T: ...

    @overload
    def create(
        self,
        response_model: None = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        token_budget: int | None = None,
        **kwargs: Any,
    ) -> Any: ...

    def create(
        self,
        response_model: Any = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        token_budget: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ask for `response_model` and return it validated.

        Args:
            response_model: a pydantic model, a simple type (`int`, `Literal[...]`,
                `list[str]`...), or None to return the SDK's response untouched.
            messages: the conversation, in the provider's message format.
            max_retries: re-asks after the first attempt (an int: 3 means up to 4
                requests; negative counts as 0), or a tenacity `Retrying` object used
                as given. Only an answer that does not fit the model is re-asked
                (pydantic or JSON errors, `ResponseParsingError`): the error is fed
                back to the model.
            context: passed to pydantic validators, and fills `{{ placeholders }}`
                in messages (`validation_context=` is its older name).
            strict: pydantic strict validation of the answer (JSON strict: "25" is
                not an int); False validates leniently.
            hooks: extra hooks for this call, run after the client's.
            token_budget: stop re-asking once the attempts used this many tokens.
            **kwargs: passed to the SDK call (model, temperature, max_tokens...); a
                numeric `timeout` also bounds the re-ask loop.

        Returns the validated object, or for `Partial[Model]` (and `Iterable[Model]`
        with `stream=True`) an iterator over the objects as they arrive: see
        `create_partial` and `create_iterable`. A list answer (`Iterable[Model]`,
        `list[...]`) is a `ListResponse`.

        Raises:
            InstructorRetryException: the call gave up: every attempt failed
                validation, the SDK raised (its error is the `__cause__`, never
                re-sent), or the answer could not be used (a refusal...).
            IncompleteOutputException: the output was cut off by a length limit (or
                a stream ended before the model finished).
            TokenBudgetExceeded: `token_budget` was spent before a valid answer.
        """
        call = self._call(response_model, messages, context, strict, hooks, kwargs, token_budget)
        if call.streaming:
            return self._stream(call, max_retries)
        return self._complete(call, max_retries)[0]

    def create_partial(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Iterator[T]:
        """Stream `response_model` as it is written: ever more complete objects, then the valid one.

        Each object before the last is a `Partial[response_model]` (every field
        optional, unfinished strings shown as far as they arrived, `Literal` and
        enum fields only once complete); the last is a `response_model` validated
        in full, carrying the `StreamedResponse` as `_raw_response`. An invalid
        final object is re-asked like in `create`, and the partials start over.

        Args:
            response_model: the pydantic model to stream (the provider is asked for it).
            messages, max_retries, context, strict, hooks, **kwargs: as in `create`.

        Raises:
            IncompleteOutputException: the stream ended before the model finished
                (a length limit, no finish reason); `received` holds the text that
                arrived. A dropped connection raises `StreamInterruptedError`, both an
                `IncompleteOutputException` and an `InstructorRetryException`.
            InstructorRetryException: every attempt's final object failed validation,
                or the stream could not be read.

        Example:
            >>> for user in client.create_partial(response_model=User, messages=[...]):
            ...     print(user)
        """
        return self._stream(self._partial_call(response_model, messages, context, strict, hooks, kwargs),
                            max_retries)

    def create_iterable(
        self,
        messages: Sequence[Any],
        response_model: type[T],
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Iterator[T]:
        """Stream several `response_model` objects, each yielded as soon as it is complete and valid.

        `response_model` may be a Union of models (with `Mode.PARALLEL_TOOLS`, one
        tool per model). An item that fails validation is re-asked like in
        `create`: items already yielded stay yielded, and the new attempt's items follow.

        Args:
            messages: the conversation (first, as in the published release).
            response_model: the type of each item.
            max_retries, context, strict, hooks, **kwargs: as in `create`.

        Raises:
            IncompleteOutputException, InstructorRetryException: as in `create_partial`.

        Example:
            >>> for user in client.create_iterable(messages=[...], response_model=User):
            ...     print(user)
        """
        return self._stream(self._iterable_call(response_model, messages, context, strict, hooks, kwargs),
                            max_retries)

    def create_with_completion(
        self,
        messages: Sequence[Any] | None = None,
        response_model: Any = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Like `create`, and also return the SDK's raw completion: `(result, completion)`."""
        call = self._call(response_model, messages, context, strict, hooks, kwargs)
        _not_streaming(call)
        return self._complete(call, max_retries)

    def _complete(self, call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
        if call.cache is not None and (hit := call.cache.lookup(call)) is not None:  # [cache]
            return cast(tuple[Any, Any], hit)

        def attempt(n: int) -> Any:
            request = call.before(n)
            try:
                response = self.create_fn(**request)
            except Exception as exc:
                raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
            return call.on_response(response, n)

        result = _run_sync(attempt, max_retries, call)
        if call.cache is not None:  # [cache]
            call.cache.store(call, result)
        return result, call.last_response

    def _stream(self, call: _Call, max_retries: MaxRetries) -> Iterator[Any]:
        if _is_count(max_retries):
            call.max_attempts = _attempts_of(max_retries)
            n = 1
            while True:
                try:
                    yield from self._stream_attempt(call, n)
                    return
                except Exception as exc:
                    if not call.retries(exc, n):
                        raise call.give_up(exc, n)  # noqa: B904 - give_up sets the cause
                n += 1
        _need_tenacity()
        try:
            for state in max_retries:
                # the attempt runs outside `with state`: tenacity would swallow GeneratorExit
                failure: Exception | None = None
                try:
                    yield from self._stream_attempt(call, state.retry_state.attempt_number)
                except Exception as exc:
                    failure = exc
                if _tenacity_settled(state, failure):
                    return
        except Exception as exc:
            raise call.tenacity_gave_up(exc)  # noqa: B904 - give_up sets the cause

    def _stream_attempt(self, call: _Call, n: int) -> Iterator[Any]:
        request = call.before(n)
        try:
            stream = self.create_fn(**request)
        except Exception as exc:
            raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
        response, consumer, deltas = call.open_stream(stream, asynchronous=False)
        try:
            while True:
                try:
                    delta = next(deltas)
                except StopIteration:
                    break
                except Exception as exc:
                    call.stream_read_failed(exc, response, n)
                response.add_delta(delta)
                try:
                    outputs = consumer.feed(delta)
                except Exception as exc:
                    call.stream_feed_failed(exc, response, n)
                yield from outputs
            yield from call.stream_end(consumer, response, n)
        finally:
            close = getattr(deltas, "close", None)
            if close is not None:
                close()
            _close_stream(stream)


class AsyncInstructor(_BaseInstructor[Any]):
    """The async twin of `Instructor`: `await client.create(...)`."""

    @overload
    async def create(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        token_budget: int | None = None,
        **kwargs: Any,
    ) -> T: ...

    @overload
    async def create(
        self,
        response_model: None = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        token_budget: int | None = None,
        **kwargs: Any,
    ) -> Any: ...

    async def create(
        self,
        response_model: Any = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        token_budget: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ask for `response_model` and return it validated (see `Instructor.create`).

        For `Partial[Model]` and `Iterable[Model]` the awaited result is an async
        iterator (`Iterable[...]` streams, as `create_iterable` does):
        `async for user in await client.create(...)`.
        """
        if response_model is not None and "stream" not in kwargs and _is_iterable(response_model):
            kwargs["stream"] = True
        call = self._call(response_model, messages, context, strict, hooks, kwargs, token_budget)
        if call.streaming:
            return self._stream(call, max_retries)
        result, _ = await self._complete(call, max_retries)
        return result

    def create_partial(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[T]:
        """The async twin of `Instructor.create_partial`: `async for user in client.create_partial(...)`."""
        return self._stream(self._partial_call(response_model, messages, context, strict, hooks, kwargs),
                            max_retries)

    def create_iterable(
        self,
        messages: Sequence[Any],
        response_model: type[T],
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[T]:
        """The async twin of `Instructor.create_iterable`: `async for item in client.create_iterable(...)`."""
        return self._stream(self._iterable_call(response_model, messages, context, strict, hooks, kwargs),
                            max_retries)

    async def create_with_completion(
        self,
        messages: Sequence[Any] | None = None,
        response_model: Any = None,
        max_retries: MaxRetries = 3,
        context: Mapping[str, Any] | None = None,
        strict: bool = True,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Like `create`, and also return the SDK's raw completion: `(result, completion)`."""
        call = self._call(response_model, messages, context, strict, hooks, kwargs)
        _not_streaming(call)
        return await self._complete(call, max_retries)

    async def _complete(self, call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
        if call.cache is not None and (hit := call.cache.lookup(call)) is not None:  # [cache]
            return cast(tuple[Any, Any], hit)

        async def attempt(n: int) -> Any:
            request = call.before(n)
            try:
                response = await self.create_fn(**request)
            except Exception as exc:
                raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
            return call.on_response(response, n)

        result = await _run_async(attempt, max_retries, call)
        if call.cache is not None:  # [cache]
            call.cache.store(call, result)
        return result, call.last_response

    async def _stream(self, call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
        if _is_count(max_retries):
            call.max_attempts = _attempts_of(max_retries)
            n = 1
            while True:
                try:
                    async for item in self._stream_attempt(call, n):
                        yield item
                    return
                except Exception as exc:
                    if not call.retries(exc, n):
                        raise call.give_up(exc, n)  # noqa: B904 - give_up sets the cause
                n += 1
        _need_tenacity()
        try:
            async for state in max_retries:
                # the attempt runs outside `with state`: tenacity would swallow GeneratorExit
                failure: Exception | None = None
                try:
                    async for item in self._stream_attempt(call, state.retry_state.attempt_number):
                        yield item
                except Exception as exc:
                    failure = exc
                if _tenacity_settled(state, failure):
                    return
        except Exception as exc:
            raise call.tenacity_gave_up(exc)  # noqa: B904 - give_up sets the cause

    async def _stream_attempt(self, call: _Call, n: int) -> AsyncIterator[Any]:
        request = call.before(n)
        try:
            stream = await self.create_fn(**request)
        except Exception as exc:
            raise call.sdk_failed(exc, n)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
        response, consumer, deltas = call.open_stream(stream, asynchronous=True)
        try:
            while True:
                try:
                    delta = await deltas.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    call.stream_read_failed(exc, response, n)
                response.add_delta(delta)
                try:
                    outputs = consumer.feed(delta)
                except Exception as exc:
                    call.stream_feed_failed(exc, response, n)
                for item in outputs:
                    yield item
            for item in call.stream_end(consumer, response, n):
                yield item
        finally:
            aclose = getattr(deltas, "aclose", None)
            if aclose is not None:
                await aclose()
            closing = _close_stream(stream)
            if closing is not None and hasattr(closing, "__await__"):
                await closing


def _is_iterable(response_model: Any) -> bool:
    if isinstance(response_model, type) and not hasattr(response_model, "__instructor_response_spec__"):
        return False  # a plain class (a pydantic model, int...): the common case, decided at once
    from instructor.core.response_model import resolve_response_model

    spec = resolve_response_model(response_model)
    return spec is not None and spec.kind == "iterable"


def _run_sync(attempt: Callable[[int], Any], max_retries: MaxRetries, call: _Call) -> Any:
    if not _is_count(max_retries):
        return _run_tenacity_sync(attempt, max_retries, call)
    call.max_attempts = _attempts_of(max_retries)
    n = 1
    while True:
        try:
            return attempt(n)
        except Exception as exc:
            if not call.retries(exc, n):
                raise call.give_up(exc, n)  # noqa: B904 - give_up sets the cause
        n += 1


def _run_tenacity_sync(attempt: Callable[[int], Any], retrying: Any, call: _Call) -> Any:
    _need_tenacity()
    try:
        for state in retrying:
            with state:
                return attempt(state.retry_state.attempt_number)
    except Exception as exc:
        raise call.tenacity_gave_up(exc)  # noqa: B904 - give_up sets the cause
    raise call.give_up(RuntimeError("the tenacity object made no attempt"), 0)


async def _run_async(attempt: Callable[[int], Awaitable[Any]], max_retries: MaxRetries, call: _Call) -> Any:
    if _is_count(max_retries):
        call.max_attempts = _attempts_of(max_retries)
        n = 1
        while True:
            try:
                return await attempt(n)
            except Exception as exc:
                if not call.retries(exc, n):
                    raise call.give_up(exc, n)  # noqa: B904 - give_up sets the cause
            n += 1
    _need_tenacity()
    try:
        # an AsyncRetrying, used as given (a sync Retrying raises TypeError here, reported as the cause)
        async for state in max_retries:
            with state:
                return await attempt(state.retry_state.attempt_number)
    except Exception as exc:
        raise call.tenacity_gave_up(exc)  # noqa: B904 - give_up sets the cause
    raise call.give_up(RuntimeError("the tenacity object made no attempt"), 0)


__all__ = ["AsyncInstructor", "Instructor"]
