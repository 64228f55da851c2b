"""`Instructor` and `AsyncInstructor`: the create* family around one SDK call.

One call: hooks `completion:kwargs` -> the mode handler turns the response
model into request kwargs -> the SDK call -> the handler parses the response
-> validation; on failure the handler builds the re-ask and the loop goes
round again, up to `max_retries` attempts. The sync and async clients share
everything but the SDK call and the loop (`_Call` holds the shared part).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

from instructor.core.exceptions import (
    FailedAttempt,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.core.hooks import HookHandler, HookName, Hooks
from instructor.core.messages import prepare_messages
from instructor.core.mode_registry import ModeHandler, get_handler
from instructor.mode import Mode

if TYPE_CHECKING:
    from instructor.core.response_model import ResponseSpec
    from instructor.core.streaming import StreamConsumer, StreamedResponse

T = TypeVar("T")
ClientT = TypeVar("ClientT")
SelfT = TypeVar("SelfT", bound="_BaseInstructor[Any]")

MaxRetries = Any  # an int (attempts in all) or a tenacity Retrying / AsyncRetrying


class _Retry(Exception):
    """Internal: this attempt failed validation and the request was re-asked."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _Call:
    """The state of one `create` call that sync and async clients share."""

    __slots__ = ("spec", "handler", "hooks", "request", "context", "strict", "failed", "usage", "last_response",
                 "streaming", "cache")

    def __init__(
        self,
        owner: _BaseInstructor[Any],
        response_model: Any,
        messages: Sequence[Any] | None,
        context: Mapping[str, Any] | None,
        strict: bool | None,
        hooks: Hooks | None,
        kwargs: dict[str, Any],
    ) -> None:
        # pydantic loads here, at the first call: building a client (from_provider) never pays for it
        from instructor.core.response_model import resolve_response_model

        self.spec: ResponseSpec | None = resolve_response_model(response_model)
        self.hooks = owner.hooks.combine(hooks) if hooks else owner.hooks
        self.context = context
        self.strict = strict
        self.failed: list[FailedAttempt] = []
        self.usage: dict[str, int] = {}
        self.last_response: Any = None
        request = {**owner.default_kwargs, **kwargs}
        self.cache = _call_cache(request, owner)  # [cache] pops cache=, cache_namespace=, cache_ttl=
        autodetect_images = bool(request.pop("autodetect_images", False))
        if messages is not None:
            request["messages"] = prepare_messages(messages, context, provider=owner.provider, mode=owner.mode,
                                                   autodetect_images=autodetect_images)
        self.streaming = _wants_stream(self.spec, request)
        if self.spec is None:
            self.handler: ModeHandler | None = None
            self.request = request
        else:
            self.handler = owner.handler
            self.request = self.handler.prepare_request(self.spec.model, request)

    def before(self) -> dict[str, Any]:
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_KWARGS, **self.request)
        return self.request

    def on_error(self, exc: BaseException) -> None:
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_ERROR, exc)

    def sdk_failed(self, exc: Exception) -> Exception:
        """What a failed SDK call raises: the SDK's own exception, unchanged, except a
        `RecursionError` (the SDK's json decoder on a hostile, deeply nested body),
        which becomes a typed `ResponseParsingError`."""
        if isinstance(exc, RecursionError):
            error = ResponseParsingError(
                f"The provider's response could not be decoded: it nests JSON deeper than Python's "
                f"recursion limit ({exc}). The model produced a pathologically nested answer; retry "
                "the call, or constrain the output (max_tokens, a flatter schema).",
            )
            error.__cause__ = exc
            exc = error
        self.on_error(exc)
        return exc

    def on_response(self, response: Any, attempt: int, last: bool) -> Any:
        """Parse `response`; return the result, or re-ask and raise `_Retry`."""
        self.last_response = response
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_RESPONSE, response)
        if self.handler is None or self.spec is None:
            return response
        for key, value in self.handler.usage(response).items():
            self.usage[key] = self.usage.get(key, 0) + value
        try:
            parsed = self.handler.parse_response(
                response, self.spec.model, context=self.context, strict=self.strict
            )
        except IncompleteOutputException as exc:
            exc.n_attempts = attempt
            exc.failed_attempts = list(self.failed)
            if exc.last_completion is None:
                exc.last_completion = response
            raise
        except (ValueError, AssertionError) as exc:  # pydantic ValidationError is a ValueError
            return self._failed(exc, response, attempt, last)
        result = self.spec.unwrap(parsed)
        if hasattr(result, "__pydantic_fields__"):
            try:
                result._raw_response = response
            except (AttributeError, TypeError):
                pass
        return result

    # -- streamed attempts (the machinery is instructor.core.streaming) --------------------------
    def open_stream(self) -> tuple[StreamedResponse, StreamConsumer]:
        from instructor.core.streaming import StreamedResponse, consumer_for

        assert self.spec is not None
        return StreamedResponse(), consumer_for(self.spec, self.context, self.strict)

    def _stream_ended(self, response: StreamedResponse) -> None:
        self.last_response = response
        for key, value in response.usage.items():
            self.usage[key] = self.usage.get(key, 0) + value
        if self.hooks:
            self.hooks.emit(HookName.COMPLETION_RESPONSE, response)

    def stream_broken(self, exc: Exception, response: StreamedResponse, attempt: int) -> Exception:
        """The typed error a stream that broke off ends in (not re-asked)."""
        from instructor.core.streaming import stream_failure

        self._stream_ended(response)
        error = stream_failure(exc, response)
        if isinstance(error, IncompleteOutputException):
            error.n_attempts = attempt
            error.failed_attempts = list(self.failed)  # type: ignore[attr-defined]
        self.on_error(error)
        return error

    def stream_invalid(self, exc: Exception, response: StreamedResponse, attempt: int, last: bool) -> Any:
        """The streamed answer failed validation: re-ask (raise `_Retry`) or give up."""
        self._stream_ended(response)
        return self._failed(exc, response, attempt, last)

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

    def _failed(self, exc: Exception, response: Any, attempt: int, last: bool) -> Any:
        self.failed.append(FailedAttempt(attempt, exc, response))
        if self.hooks:
            self.hooks.emit(HookName.PARSE_ERROR, exc)
        if last:
            if self.hooks:
                self.hooks.emit(HookName.COMPLETION_LAST_ATTEMPT, exc)
            raise self.exhausted()
        assert self.handler is not None
        self.request = self.handler.reask(self.request, response, exc)
        raise _Retry(exc)

    def exhausted(self) -> InstructorRetryException:
        n = len(self.failed)
        name = getattr(self.spec.original, "__name__", repr(self.spec.original)) if self.spec else "response"
        last = self.failed[-1].exception if self.failed else None
        error = InstructorRetryException(
            f"Failed to produce a valid {name} after {n} attempt{'s' if n != 1 else ''}. "
            f"Last error: {last}. Raise max_retries, or make the model or prompt easier to satisfy.",
            n_attempts=n,
            last_completion=self.last_response,
            failed_attempts=self.failed,
            total_usage=self.usage,
            messages=self.request.get("messages"),
            create_kwargs={k: v for k, v in self.request.items() if k != "messages"},
        )
        error.__cause__ = last
        return error


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


def _attempts_of(max_retries: int) -> int:
    if isinstance(max_retries, bool) or max_retries < 0:
        raise ValueError(f"max_retries must be a non-negative int or a tenacity object, got {max_retries!r}")
    return max(1, max_retries)


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
        validation_context: Mapping[str, Any] | None,
        context: Mapping[str, Any] | None,
        strict: bool | None,
        hooks: Hooks | None,
        kwargs: dict[str, Any],
    ) -> _Call:
        if validation_context is not None and context is not None:
            raise ValueError(
                "Pass either context= or its older name validation_context=, not both."
            )
        return _Call(self, response_model, messages, context if context is not None else validation_context,
                      strict, hooks, kwargs)


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
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> T: ...

    @overload
    def create(
        self,
        response_model: None = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Any: ...

    def create(
        self,
        response_model: Any = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ask for `response_model` and return it validated.

        Args:
            response_model: a pydantic model, a simple type (`int`, `Literal[...]`,
                `list[str]`...), or None to return the SDK's response untouched.
            messages: the conversation, in the provider's message format.
            max_retries: attempts in all (an int), or a tenacity `Retrying` object;
                each failed validation is fed back to the model before the next.
            context: passed to pydantic validators, and fills `{{ placeholders }}`
                in messages (`validation_context` is its older name).
            strict: pydantic strict validation for this call (None: the model's own).
            hooks: extra hooks for this call, run after the client's.
            **kwargs: passed to the SDK call (model, temperature, max_tokens...).

        Returns the validated object, or for `Partial[Model]` (and `Iterable[Model]`
        with `stream=True`) an iterator over the objects as they arrive: see
        `create_partial` and `create_iterable`. `Iterable[Model]` without
        `stream=True` returns the list.

        Raises:
            InstructorRetryException: every attempt failed validation.
            IncompleteOutputException: the output was cut off by a length limit (or
                a stream ended before the model finished).
        """
        call = self._call(response_model, messages, validation_context, context, strict, hooks, kwargs)
        if call.streaming:
            return self._stream(call, max_retries)
        return self._complete(call, max_retries)[0]

    def create_partial(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
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
            messages, max_retries, validation_context, context, strict, hooks, **kwargs:
                as in `create`.

        Raises:
            IncompleteOutputException: the stream ended before the model finished
                (a length limit, a dropped connection, no finish reason); `received`
                holds the text that arrived.
            ResponseParsingError: a stream chunk could not be read, or the model refused.
            InstructorRetryException: every attempt's final object failed validation.

        Example:
            >>> for user in client.create_partial(response_model=User, messages=[...]):
            ...     print(user)
        """
        from instructor.dsl.partial import partial_model

        call = self._call(partial_model(cast(Any, response_model)), messages, validation_context, context,
                          strict, hooks, kwargs)
        return self._stream(call, max_retries)

    def create_iterable(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Iterator[T]:
        """Stream several `response_model` objects, each yielded as soon as it is complete and valid.

        `response_model` may be a Union of models (with `Mode.PARALLEL_TOOLS`, one
        tool per model). An item that fails validation is re-asked like in
        `create`: items already yielded stay yielded, and the new attempt's items follow.

        Args:
            response_model: the type of each item.
            messages, max_retries, validation_context, context, strict, hooks, **kwargs:
                as in `create`.

        Raises:
            IncompleteOutputException, ResponseParsingError, InstructorRetryException:
                as in `create_partial`.

        Example:
            >>> for user in client.create_iterable(response_model=User, messages=[...]):
            ...     print(user)
        """
        from instructor.dsl.iterable import IterableModel

        kwargs["stream"] = True
        call = self._call(IterableModel(response_model), messages, validation_context, context, strict,
                          hooks, kwargs)
        return self._stream(call, max_retries)

    def create_with_completion(
        self,
        response_model: Any = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Like `create`, and also return the SDK's raw completion."""
        call = self._call(response_model, messages, validation_context, context, strict, hooks, kwargs)
        _not_streaming(call)
        return self._complete(call, max_retries)

    def _complete(self, call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
        if call.cache is not None and (hit := call.cache.lookup(call)) is not None:  # [cache]
            return cast(tuple[Any, Any], hit)

        def attempt(n: int, last: bool) -> Any:
            request = call.before()
            try:
                response = self.create_fn(**request)
            except Exception as exc:
                raise call.sdk_failed(exc)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
            return call.on_response(response, n, last)

        result = _run_sync(attempt, max_retries, call)
        if call.cache is not None:  # [cache]
            call.cache.store(call, result)
        return result, call.last_response

    def _stream(self, call: _Call, max_retries: MaxRetries) -> Iterator[Any]:
        if isinstance(max_retries, int):
            total = _attempts_of(max_retries)
            for n in range(1, total + 1):
                try:
                    yield from self._stream_attempt(call, n, n == total)
                    return
                except _Retry:
                    continue
            raise call.exhausted()  # pragma: no cover - the last attempt raises itself
        from tenacity import RetryError

        try:
            for state in max_retries:
                # the attempt runs outside `with state`: tenacity would swallow GeneratorExit
                failure: Exception | None = None
                try:
                    yield from self._stream_attempt(call, state.retry_state.attempt_number, False)
                except Exception as exc:
                    failure = exc
                with state:
                    if failure is not None:
                        raise failure
                if failure is None:
                    return
        except (_Retry, RetryError) as exc:
            raise call.exhausted() from getattr(exc, "error", exc)
        raise call.exhausted()

    def _stream_attempt(self, call: _Call, n: int, last: bool) -> Iterator[Any]:
        from instructor.core.streaming import record_chunks

        request = call.before()
        try:
            stream = self.create_fn(**request)
        except Exception as exc:
            raise call.sdk_failed(exc)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
        handler = self.handler
        response, consumer = call.open_stream()
        deltas = handler.iter_stream(record_chunks(stream, response, handler.usage))
        try:
            while True:
                try:
                    delta = next(deltas)
                except StopIteration:
                    break
                except Exception as exc:
                    error = call.stream_broken(exc, response, n)
                    if error is exc:
                        raise  # the handler's own typed error, now carrying what was received
                    raise error from exc
                response.add_delta(delta)
                try:
                    outputs = consumer.feed(delta)
                except (ValueError, AssertionError) as exc:
                    call.stream_invalid(exc, response, n, last)
                yield from outputs
            try:
                outputs = consumer.finish()
            except IncompleteOutputException as exc:  # the JSON stops mid-way: never re-asked
                call.stream_broken(exc, response, n)
                raise
            except (ValueError, AssertionError) as exc:
                call.stream_invalid(exc, response, n, last)
            yield from call.stream_finished(response, outputs)
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
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> T: ...

    @overload
    async def create(
        self,
        response_model: None = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Any: ...

    async def create(
        self,
        response_model: Any = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ask for `response_model` and return it validated (see `Instructor.create`).

        For `Partial[Model]` (and `Iterable[Model]` with `stream=True`) the awaited
        result is an async iterator: `async for user in await client.create(...)`.
        """
        call = self._call(response_model, messages, validation_context, context, strict, hooks, kwargs)
        if call.streaming:
            return self._stream(call, max_retries)
        result, _ = await self._complete(call, max_retries)
        return result

    def create_partial(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[T]:
        """The async twin of `Instructor.create_partial`: `async for user in client.create_partial(...)`."""
        from instructor.dsl.partial import partial_model

        call = self._call(partial_model(cast(Any, response_model)), messages, validation_context, context,
                          strict, hooks, kwargs)
        return self._stream(call, max_retries)

    def create_iterable(
        self,
        response_model: type[T],
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[T]:
        """The async twin of `Instructor.create_iterable`: `async for item in client.create_iterable(...)`."""
        from instructor.dsl.iterable import IterableModel

        kwargs["stream"] = True
        call = self._call(IterableModel(response_model), messages, validation_context, context, strict,
                          hooks, kwargs)
        return self._stream(call, max_retries)

    async def create_with_completion(
        self,
        response_model: Any = None,
        messages: Sequence[Any] | None = None,
        max_retries: MaxRetries = 1,
        validation_context: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Like `create`, and also return the SDK's raw completion."""
        call = self._call(response_model, messages, validation_context, context, strict, hooks, kwargs)
        _not_streaming(call)
        return await self._complete(call, max_retries)

    async def _complete(self, call: _Call, max_retries: MaxRetries) -> tuple[Any, Any]:
        if call.cache is not None and (hit := call.cache.lookup(call)) is not None:  # [cache]
            return cast(tuple[Any, Any], hit)

        async def attempt(n: int, last: bool) -> Any:
            request = call.before()
            try:
                response = await self.create_fn(**request)
            except Exception as exc:
                raise call.sdk_failed(exc)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
            return call.on_response(response, n, last)

        result = await _run_async(attempt, max_retries, call)
        if call.cache is not None:  # [cache]
            call.cache.store(call, result)
        return result, call.last_response

    async def _stream(self, call: _Call, max_retries: MaxRetries) -> AsyncIterator[Any]:
        if isinstance(max_retries, int):
            total = _attempts_of(max_retries)
            for n in range(1, total + 1):
                try:
                    async for item in self._stream_attempt(call, n, n == total):
                        yield item
                    return
                except _Retry:
                    continue
            raise call.exhausted()  # pragma: no cover - the last attempt raises itself
        from tenacity import RetryError

        states = max_retries if hasattr(max_retries, "__aiter__") else _as_async(max_retries)
        try:
            async for state in states:
                # the attempt runs outside `with state`: tenacity would swallow GeneratorExit
                failure: Exception | None = None
                try:
                    async for item in self._stream_attempt(call, state.retry_state.attempt_number, False):
                        yield item
                except Exception as exc:
                    failure = exc
                with state:
                    if failure is not None:
                        raise failure
                if failure is None:
                    return
        except (_Retry, RetryError) as exc:
            raise call.exhausted() from getattr(exc, "error", exc)
        raise call.exhausted()

    async def _stream_attempt(self, call: _Call, n: int, last: bool) -> AsyncIterator[Any]:
        from instructor.core.streaming import arecord_chunks

        request = call.before()
        try:
            stream = await self.create_fn(**request)
        except Exception as exc:
            raise call.sdk_failed(exc)  # noqa: B904 - the SDK's exception itself, or a typed one chaining it
        handler = self.handler
        response, consumer = call.open_stream()
        deltas = handler.aiter_stream(arecord_chunks(stream, response, handler.usage))
        try:
            while True:
                try:
                    delta = await deltas.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    error = call.stream_broken(exc, response, n)
                    if error is exc:
                        raise  # the handler's own typed error, now carrying what was received
                    raise error from exc
                response.add_delta(delta)
                try:
                    outputs = consumer.feed(delta)
                except (ValueError, AssertionError) as exc:
                    call.stream_invalid(exc, response, n, last)
                for item in outputs:
                    yield item
            try:
                outputs = consumer.finish()
            except IncompleteOutputException as exc:  # the JSON stops mid-way: never re-asked
                call.stream_broken(exc, response, n)
                raise
            except (ValueError, AssertionError) as exc:
                call.stream_invalid(exc, response, n, last)
            for item in call.stream_finished(response, outputs):
                yield item
        finally:
            aclose = getattr(deltas, "aclose", None)
            if aclose is not None:
                await aclose()
            closing = _close_stream(stream)
            if closing is not None and hasattr(closing, "__await__"):
                await closing


async def _as_async(states: Any) -> AsyncIterator[Any]:
    for state in states:
        yield state


def _run_sync(attempt: Callable[[int, bool], Any], max_retries: MaxRetries, call: _Call) -> Any:
    if isinstance(max_retries, int):
        total = _attempts_of(max_retries)
        for n in range(1, total + 1):
            try:
                return attempt(n, n == total)
            except _Retry:
                continue
        raise call.exhausted()  # pragma: no cover - the last attempt raises itself
    return _run_tenacity_sync(attempt, max_retries, call)


def _run_tenacity_sync(attempt: Callable[[int, bool], Any], retrying: Any, call: _Call) -> Any:
    from tenacity import RetryError

    try:
        for state in retrying:
            with state:
                return attempt(state.retry_state.attempt_number, False)
    except (_Retry, RetryError) as exc:
        raise call.exhausted() from getattr(exc, "error", exc)
    raise call.exhausted()


async def _run_async(
    attempt: Callable[[int, bool], Awaitable[Any]], max_retries: MaxRetries, call: _Call
) -> Any:
    if isinstance(max_retries, int):
        total = _attempts_of(max_retries)
        for n in range(1, total + 1):
            try:
                return await attempt(n, n == total)
            except _Retry:
                continue
        raise call.exhausted()  # pragma: no cover
    from tenacity import RetryError

    try:
        if hasattr(max_retries, "__aiter__"):
            async for state in max_retries:
                with state:
                    return await attempt(state.retry_state.attempt_number, False)
        else:
            for state in max_retries:
                with state:
                    return await attempt(state.retry_state.attempt_number, False)
    except (_Retry, RetryError) as exc:
        raise call.exhausted() from getattr(exc, "error", exc)
    raise call.exhausted()


__all__ = ["AsyncInstructor", "Instructor"]
