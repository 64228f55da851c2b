"""`Instructor` and `AsyncInstructor`: the create family, each method building one call.

A method builds the call (`instructor.core.call._Call`: the caller's arguments
resolved, the request shaped by the client's mode handler) and hands it to a
loop of `instructor.core.retry`, which runs its attempts and decides what a
failure leads to (a re-ask, or the error the call raises: the published
release's rules, `max_retries=3` meaning up to 4 requests). Nothing of a call
happens here. Both modules load at the first create, so building a client
loads only this module, the hooks and the modes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast, get_origin, overload

from instructor.core.hooks import HookHandler, HookName, Hooks
from instructor.mode import Mode

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from instructor.core import retry as _loops
    from instructor.core.call import _Call
    from instructor.core.call import _Call as _call_class
    from instructor.core.handler import ModeHandler
    from instructor.core.telemetry import Telemetry
else:
    # `_Call` and the loops, bound at the first create (`_first_create`), not when a client is built;
    # held here, a call pays no import statement (the per-call path is measured in microseconds)
    _call_class = _loops = None

T = TypeVar("T")
ClientT = TypeVar("ClientT")
SelfT = TypeVar("SelfT", bound="_BaseInstructor[Any]")

MaxRetries = Any  # an int (re-asks after the first attempt) or a tenacity Retrying / AsyncRetrying


def _first_create() -> None:
    """Bind `_call_class` (`instructor.core.call._Call`) and `_loops` (`instructor.core.retry`)."""
    global _call_class, _loops
    from instructor.core import retry
    from instructor.core.call import _Call

    _call_class, _loops = _Call, retry  # type: ignore[misc]


class _BaseInstructor(Generic[ClientT]):
    """What both clients hold: the SDK client, its create function, mode, hooks, defaults."""

    #: the telemetry a call of this client emits with (`instructor.core.telemetry`): the class's is
    #: `instructor.instrument()`'s (None: off); a client's own (`client.instrument()`, or False for
    #: `client.uninstrument()`) overrides it. Read once per call, in `_Call.__init__`.
    _telemetry: Telemetry | Literal[False] | None = None

    def __init__(
        self,
        client: ClientT,
        create: Callable[..., Any],
        mode: Mode | str = Mode.TOOLS,
        provider: str = "openai",
        hooks: Hooks | None = None,
        **kwargs: Any,
    ) -> None:
        self.client = client
        self.create_fn = create
        self.mode = Mode(mode)
        if self.mode is Mode.FUNCTIONS:  # built directly with the oldest alias: warned and served as TOOLS,
            Mode.warn_mode_functions_deprecation()  # as the factories do (no handler serves it)
            self.mode = Mode.TOOLS
        self.provider = provider
        self.default_kwargs: dict[str, Any] = kwargs
        self.hooks = hooks if hooks is not None else Hooks()
        self._handler: ModeHandler | None = None
        #: (rebuild function, its arguments): set by `from_provider`, what the client pickles as
        self._recipe: tuple[Callable[..., Any], tuple[Any, ...]] | None = None

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        """Pickle as the recipe `from_provider` recorded; a client wrapping an SDK client built
        elsewhere cannot travel (the SDK client holds sockets and locks)."""
        import pickle

        if self._recipe is None:
            raise pickle.PicklingError(
                f"This {type(self).__name__} wraps a {type(self.client).__name__} built outside instructor, "
                "which cannot be pickled (it holds connections and locks). Build the client with "
                "instructor.from_provider('<provider>/<model>', ...): it pickles as its recipe and is "
                "rebuilt where it is unpickled."
            )
        for name, value in self._recipe[1][0].get("kwargs", {}).items():
            try:
                pickle.dumps(value)
            except Exception as exc:
                raise pickle.PicklingError(
                    f"The client's option {name}={value!r} cannot be pickled ({exc}). Leave it out of "
                    "from_provider(...) for a client that travels, or build it on the other side."
                ) from exc
        return self._recipe

    @property
    def kwargs(self) -> dict[str, Any]:
        """The per-call defaults (`default_kwargs`, the same dict) under the published name."""
        return self.default_kwargs

    @kwargs.setter
    def kwargs(self, value: dict[str, Any]) -> None:
        self.default_kwargs = value

    @property
    def handler(self) -> ModeHandler:
        """This client's mode handler (loaded on the first structured call)."""
        if self._handler is None:
            from instructor.core.mode_registry import get_handler

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
    def responses(self) -> Any:
        """`client.responses.create(input=..., response_model=...)`: the create family for OpenAI's
        Responses API, offered by the mode handler (`responses_view`) of `Mode.RESPONSES_TOOLS`.

        Raises:
            AttributeError: this client's mode handler has no Responses API view.
        """
        from instructor.core.exceptions import HandlerNotFoundError

        try:
            view = getattr(self.handler, "responses_view", None)
        except HandlerNotFoundError:
            view = None
        if view is None:
            raise AttributeError(
                f"client.responses needs a client in Mode.RESPONSES_TOOLS; this one is in Mode.{self.mode.name}. "
                "Build it with instructor.from_openai(openai_client, mode=instructor.Mode.RESPONSES_TOOLS)."
            )
        return view(self)

    if not TYPE_CHECKING:  # type checkers keep flagging misspelt attributes of the client

        def __getattr__(self, name: str) -> Any:
            """An attribute instructor does not define is the SDK client's (`client.models`,
            `client.base_url`...), as published. Private names and `responses` (which raised its
            own error) are not looked up there."""
            if name == "responses":
                return type(self).responses.__get__(self)  # raises the property's AttributeError again
            sdk = self.__dict__.get("client")
            if name.startswith("_") or sdk is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            return getattr(sdk, name)

    def instrument(self: SelfT, *, tracer_provider: TracerProvider | None = None,
                   meter_provider: MeterProvider | None = None, capture_content: bool = False) -> SelfT:
        """Trace this client's calls with OpenTelemetry, whatever `instructor.instrument()` says.

        Takes the options of `instructor.instrument` (the Observability page says what is
        emitted); returns the client itself.

        Raises:
            MissingDependencyError: `opentelemetry-api` is not installed (`pip install "instructor[otel]"`).

        Example:
            >>> client = instructor.from_provider("openai/gpt-4o-mini").instrument()
        """
        from instructor.core.telemetry import Telemetry

        self._telemetry = Telemetry(tracer_provider, meter_provider, capture_content)
        return self

    def uninstrument(self: SelfT) -> SelfT:
        """Never trace this client's calls, even with `instructor.instrument()` on; returns the client."""
        self._telemetry = False
        return self

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
        if _call_class is None:
            _first_create()
        return _call_class(self, response_model, messages, context, strict, hooks, token_budget, kwargs)

    def _partial_call(self, response_model: Any, messages: Sequence[Any] | None, context: Mapping[str, Any] | None,
                      strict: bool | None, hooks: Hooks | None, kwargs: dict[str, Any]) -> _Call:
        """The call of `create_partial`: `Partial[response_model]`, streamed."""
        from instructor.dsl.partial import partial_model

        # token_budget arrives through **kwargs (as published): the call refuses it for a stream
        return self._call(partial_model(cast(Any, response_model)), messages, context, strict, hooks, kwargs,
                          kwargs.pop("token_budget", None))

    def _iterable_call(self, response_model: Any, messages: Sequence[Any] | None, context: Mapping[str, Any] | None,
                       strict: bool | None, hooks: Hooks | None, kwargs: dict[str, Any]) -> _Call:
        """The call of `create_iterable`: `Iterable[response_model]`, streamed."""
        from instructor.dsl.iterable import IterableModel

        kwargs["stream"] = True
        return self._call(IterableModel(response_model), messages, context, strict, hooks, kwargs,
                          kwargs.pop("token_budget", None))


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
                numeric `timeout` also bounds the re-ask loop. Two are instructor's:
                `budget=instructor.Budget(tokens=..., cost=..., prices=...)` caps what
                the call spends across its re-asks (and a fallback chain's clients,
                and streams), checked before every next request;
                `retry_truncated=True` answers a cut-off answer with one more request
                with twice the output limit. Both also work as client defaults.

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
            TokenBudgetExceeded: `token_budget` was spent before a valid answer
                (`BudgetExceeded`, a subclass, for `budget=`).
        """
        call = self._call(response_model, messages, context, strict, hooks, kwargs, token_budget)
        if call.streaming:
            return _loops.stream_sync(call, max_retries)
        return _loops.complete_sync(call, max_retries)[0]

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
        call = self._partial_call(response_model, messages, context, strict, hooks, kwargs)
        return _loops.stream_sync(call, max_retries)

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
        call = self._iterable_call(response_model, messages, context, strict, hooks, kwargs)
        return _loops.stream_sync(call, max_retries)

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
        call.not_streaming()
        return _loops.complete_sync(call, max_retries)


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
            return _loops.stream_async(call, max_retries)
        result, _ = await _loops.complete_async(call, max_retries)
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
        call = self._partial_call(response_model, messages, context, strict, hooks, kwargs)
        return _loops.stream_async(call, max_retries)

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
        call = self._iterable_call(response_model, messages, context, strict, hooks, kwargs)
        return _loops.stream_async(call, max_retries)

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
        call.not_streaming()
        return await _loops.complete_async(call, max_retries)


def _is_iterable(response_model: Any) -> bool:
    """Whether an async `create` streams `response_model` (`Iterable[Model]`); `list[Model]` is a list."""
    if isinstance(response_model, type) and not hasattr(response_model, "__instructor_response_spec__"):
        return False  # a plain class (a pydantic model, int...): the common case, decided at once
    if get_origin(response_model) is list:
        return False
    from instructor.core.response_model import resolve_response_model

    spec = resolve_response_model(response_model)
    return spec is not None and spec.kind == "iterable"


def __getattr__(name: str) -> Any:
    """The names this path publishes that live elsewhere (`from_openai`, `Response`, `Partial`...):
    read from `instructor._published` on first access, so building a client loads none of them."""
    from instructor._published import resolve

    return resolve(__name__, name)


__all__ = ["AsyncInstructor", "Instructor"]
