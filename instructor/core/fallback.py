"""Fallback chains: the create family over an ordered list of clients, of any providers.

`instructor.fallback(primary, secondary, ...)` (or `from_provider(..., fallbacks=[...])`)
answers with the first client that can: when a call on one client stops on a failure
the chain moves on for (`on=`: by default "transport", a connection error, a timeout,
HTTP 408/425/429/5xx once the SDK's own retries are spent), the same call is made on the
next client. What moves on, and when, is decided by the failure policy
(`instructor.core.retry.fall_back`); this module only holds the clients and builds
each one's call:

- each client's call is shaped by its own mode handler from the caller's original
  arguments: re-asks made on one client are not carried to the next (they are in the
  first one's wire format, and the next model may answer at once);
- `max_retries` holds per client, as on a client alone;
- one budget (`budget=`, `token_budget=`) spans the whole chain: every client's
  responses count against it, and it is checked before each next request;
- a stream falls back only while nothing of it has arrived;
- the result of a chain carries the client that answered as `_instructor_client`
  (pydantic models, lists, the final object of `create_partial`); hooks get it as
  the `client` metadata of every event;
- when the chain gives up, the last client's error is raised as that client alone
  would raise it, with `fallback_errors`: `(client, error)` of each client it moved on from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from instructor.core import retry as _loops
from instructor.core.client import (
    AsyncInstructor,
    Instructor,
    MaxRetries,
    _BaseInstructor,
    _is_iterable,
)
from instructor.core.hooks import HookHandler, HookName, Hooks

if TYPE_CHECKING:
    from instructor.core.call import _Call

T = TypeVar("T")
SelfT = TypeVar("SelfT", bound="_BaseFallback")

#: the failures a chain can move on for (`on=`); a spent budget never moves on: it spans the chain
FAILURES = frozenset({"transport", "invalid", "truncation", "refusal", "other"})


def _moves_on_for(on: Any) -> tuple[frozenset[str], tuple[type[BaseException], ...]]:
    """`on=` as (failure names, exception classes).

    Raises:
        ValueError: an unknown failure name, or nothing at all.
        TypeError: something that is neither a failure name nor an exception class.
    """
    items = [on] if isinstance(on, (str, type)) else list(on)
    names: set[str] = set()
    classes: list[type[BaseException]] = []
    for item in items:
        if isinstance(item, str):
            if item not in FAILURES:
                hint = " (a budget spans the whole chain: it never moves on)" if item == "budget" else ""
                raise ValueError(f"on= names failures a chain moves on for: {', '.join(sorted(FAILURES))}; "
                                 f"got {item!r}{hint}.")
            names.add(item)
        elif isinstance(item, type) and issubclass(item, BaseException):
            classes.append(item)
        else:
            raise TypeError(f"on= takes failure names ({', '.join(sorted(FAILURES))}) and exception classes, "
                            f"got {item!r}.")
    if not names and not classes:
        raise ValueError("on= is empty: a chain that moves on for nothing is its first client. "
                         "Leave on= out to move on for transport failures.")
    return frozenset(names), tuple(classes)


class _Walk:
    """One call's walk along a chain: which client is next, how to build its call, what failed."""

    __slots__ = ("chain", "index", "build", "errors")

    def __init__(self, chain: _BaseFallback, build: Any) -> None:
        self.chain = chain
        self.index = 0
        self.build = build
        self.errors: list[tuple[_BaseInstructor[Any], BaseException]] = []

    def moves_on(self, failure: Any, exc: BaseException, raised: BaseException) -> bool:
        """Whether the chain moves on after a call stopped on `exc` (a `failure`) and raised `raised`."""
        chain = self.chain
        if failure.value in chain._failures:
            return True
        classes = chain._classes
        return bool(classes) and any(isinstance(e, classes) for e in (exc, exc.__cause__, raised))

    @property
    def has_next(self) -> bool:
        """Whether a client is left to move on to."""
        return self.index + 1 < len(self.chain.clients)

    def next_call(self, call: _Call, exc: BaseException) -> _Call:
        """The same call on the next client, sharing `call`'s budget; `exc` is what `call` raised."""
        self.errors.append((call.owner, exc))
        self.index += 1
        following: _Call = self.build(self.chain.clients[self.index])
        following.chain = self
        following.spend = call.spend  # one budget across the chain (each response at its own model's price)
        following.trace = trace = call.trace  # one call span across the chain, traced as its first client
        if trace is not None:
            trace.moved_on(call, following, exc)
        return following

    def final(self, exc: BaseException) -> BaseException:
        """`exc`, the error the chain ends in, carrying the errors it moved on from."""
        if self.errors:
            try:
                exc.fallback_errors = list(self.errors)  # type: ignore[attr-defined]
            except AttributeError:  # an exception class with __slots__: the traceback chains them still
                pass
        return exc


class _BaseFallback:
    """What both chains hold: the clients, what moves on, the chain's own hooks."""

    def __init__(self, clients: Sequence[_BaseInstructor[Any]], on: Any = "transport") -> None:
        self.clients = tuple(clients)
        self._on = on
        self._failures, self._classes = _moves_on_for(on)
        self.hooks = Hooks()

    @property
    def moves_on(self) -> tuple[str | type[BaseException], ...]:
        """What the chain moves on for: failure names and exception classes (`on=`)."""
        return (*sorted(self._failures), *self._classes)

    # the well-known spellings: chain.chat.completions.create, chain.messages.create
    @property
    def chat(self: SelfT) -> SelfT:
        return self

    @property
    def completions(self: SelfT) -> SelfT:
        return self

    @property
    def messages(self: SelfT) -> SelfT:
        return self

    def on(self, hook: HookName | str, handler: HookHandler) -> None:
        """Call `handler` on every `hook` event of every client's attempts in this chain."""
        self.hooks.on(hook, handler)

    def off(self, hook: HookName | str, handler: HookHandler) -> None:
        """Remove `handler` from `hook`."""
        self.hooks.off(hook, handler)

    def clear(self, hook: HookName | str | None = None) -> None:
        """Remove every handler of `hook`, or of all hooks."""
        self.hooks.clear(hook)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.clients))}, on={self.moves_on!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as its clients (each as its `from_provider` recipe) and `on=`."""
        return _rebuild, (self.clients, self._on)

    def _start(self, method: str, response_model: Any, messages: Sequence[Any] | None,
               context: Mapping[str, Any] | None, strict: bool | None, hooks: Hooks | None,
               kwargs: dict[str, Any], token_budget: int | None = None) -> _Call:
        """The call of the chain's first client, ready to walk to the next ones.

        Raises:
            ValueError: `model=` for every client at once, or a budget with a cost limit and no
                price for one of the clients' models.
        """
        for key in ("model", "modelId"):
            if key in kwargs:
                raise ValueError(
                    f"{key}={kwargs[key]!r} would send the same model to every client of the chain. Give each "
                    "client its model when building it (from_provider('openai/gpt-4o-mini'), ...).")
        if self.hooks:
            hooks = self.hooks + hooks if hooks else self.hooks
        budget_args = (token_budget,) if method == "_call" else ()

        def build(client: _BaseInstructor[Any]) -> _Call:
            call: _Call = getattr(client, method)(response_model, messages, context, strict, hooks, dict(kwargs),
                                                  *budget_args)
            return call

        first = build(self.clients[0])
        first.chain = _Walk(self, build)
        spend = first.spend
        if spend is not None:
            if token_budget is None and "budget" not in kwargs:
                kwargs["budget"] = spend.limit  # the first client's default budget: the chain's
            for client in self.clients[1:]:  # a missing price shows now, not in an outage
                defaults = client.default_kwargs
                spend.budget.price_of(client.provider, defaults.get("model") or defaults.get("modelId"))
        return first


def _rebuild(clients: Sequence[Any], on: Any) -> FallbackChain | AsyncFallbackChain:
    chain: FallbackChain | AsyncFallbackChain = fallback(*clients, on=on)
    return chain


class FallbackChain(_BaseFallback):
    """Sync clients tried in order: the create family of `Instructor`, answered by the first client that can.

    Example:
        >>> chain = instructor.fallback(instructor.from_provider("openai/gpt-4o-mini"),
        ...                             instructor.from_provider("anthropic/claude-3-5-haiku-latest"))
        >>> user = chain.create(response_model=User, messages=[...])
        >>> user._instructor_client.provider
        'openai'
    """

    clients: tuple[Instructor, ...]

    @overload
    def create(self, response_model: type[T], messages: Sequence[Any] | None = None, max_retries: MaxRetries = 3,
               context: Mapping[str, Any] | None = None, strict: bool = True, hooks: Hooks | None = None,
               token_budget: int | None = None, **kwargs: Any) -> T: ...

    @overload
    def create(self, response_model: None = None, messages: Sequence[Any] | None = None,
               max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None, strict: bool = True,
               hooks: Hooks | None = None, token_budget: int | None = None, **kwargs: Any) -> Any: ...

    def create(self, response_model: Any = None, messages: Sequence[Any] | None = None, max_retries: MaxRetries = 3,
               context: Mapping[str, Any] | None = None, strict: bool = True, hooks: Hooks | None = None,
               token_budget: int | None = None, **kwargs: Any) -> Any:
        """`Instructor.create` on the first client that can answer (see the module docstring).

        Raises:
            as `Instructor.create` on the last client tried, with `fallback_errors`.
        """
        call = self._start("_call", response_model, messages, context, strict, hooks, kwargs, token_budget)
        if call.streaming:
            return _loops.chain_stream_sync(call, max_retries)
        return _loops.chain_complete_sync(call, max_retries)[0]

    def create_partial(self, response_model: type[T], messages: Sequence[Any] | None = None,
                       max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None, strict: bool = True,
                       hooks: Hooks | None = None, **kwargs: Any) -> Iterator[T]:
        """`Instructor.create_partial`; a stream moves on only before anything of it arrived."""
        call = self._start("_partial_call", response_model, messages, context, strict, hooks, kwargs)
        return _loops.chain_stream_sync(call, max_retries)

    def create_iterable(self, messages: Sequence[Any], response_model: type[T], max_retries: MaxRetries = 3,
                        context: Mapping[str, Any] | None = None, strict: bool = True, hooks: Hooks | None = None,
                        **kwargs: Any) -> Iterator[T]:
        """`Instructor.create_iterable`; a stream moves on only before anything of it arrived."""
        call = self._start("_iterable_call", response_model, messages, context, strict, hooks, kwargs)
        return _loops.chain_stream_sync(call, max_retries)

    def create_with_completion(self, messages: Sequence[Any] | None = None, response_model: Any = None,
                               max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None,
                               strict: bool = True, hooks: Hooks | None = None, **kwargs: Any) -> tuple[Any, Any]:
        """`Instructor.create_with_completion`: `(result, the completion of the client that answered)`."""
        call = self._start("_call", response_model, messages, context, strict, hooks, kwargs)
        call.not_streaming()
        return _loops.chain_complete_sync(call, max_retries)


class AsyncFallbackChain(_BaseFallback):
    """The async twin of `FallbackChain`, over `AsyncInstructor` clients: `await chain.create(...)`."""

    clients: tuple[AsyncInstructor, ...]

    @overload
    async def create(self, response_model: type[T], messages: Sequence[Any] | None = None,
                     max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None, strict: bool = True,
                     hooks: Hooks | None = None, token_budget: int | None = None, **kwargs: Any) -> T: ...

    @overload
    async def create(self, response_model: None = None, messages: Sequence[Any] | None = None,
                     max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None, strict: bool = True,
                     hooks: Hooks | None = None, token_budget: int | None = None, **kwargs: Any) -> Any: ...

    async def create(self, response_model: Any = None, messages: Sequence[Any] | None = None,
                     max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None, strict: bool = True,
                     hooks: Hooks | None = None, token_budget: int | None = None, **kwargs: Any) -> Any:
        """`AsyncInstructor.create` on the first client that can answer (see `FallbackChain.create`)."""
        if response_model is not None and "stream" not in kwargs and _is_iterable(response_model):
            kwargs["stream"] = True
        call = self._start("_call", response_model, messages, context, strict, hooks, kwargs, token_budget)
        if call.streaming:
            return _loops.chain_stream_async(call, max_retries)
        result, _ = await _loops.chain_complete_async(call, max_retries)
        return result

    def create_partial(self, response_model: type[T], messages: Sequence[Any] | None = None,
                       max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None, strict: bool = True,
                       hooks: Hooks | None = None, **kwargs: Any) -> AsyncIterator[T]:
        """`AsyncInstructor.create_partial`; a stream moves on only before anything of it arrived."""
        call = self._start("_partial_call", response_model, messages, context, strict, hooks, kwargs)
        return _loops.chain_stream_async(call, max_retries)

    def create_iterable(self, messages: Sequence[Any], response_model: type[T], max_retries: MaxRetries = 3,
                        context: Mapping[str, Any] | None = None, strict: bool = True, hooks: Hooks | None = None,
                        **kwargs: Any) -> AsyncIterator[T]:
        """`AsyncInstructor.create_iterable`; a stream moves on only before anything of it arrived."""
        call = self._start("_iterable_call", response_model, messages, context, strict, hooks, kwargs)
        return _loops.chain_stream_async(call, max_retries)

    async def create_with_completion(self, messages: Sequence[Any] | None = None, response_model: Any = None,
                                     max_retries: MaxRetries = 3, context: Mapping[str, Any] | None = None,
                                     strict: bool = True, hooks: Hooks | None = None, **kwargs: Any
                                     ) -> tuple[Any, Any]:
        """`AsyncInstructor.create_with_completion`: `(result, the completion of the client that answered)`."""
        call = self._start("_call", response_model, messages, context, strict, hooks, kwargs)
        call.not_streaming()
        return await _loops.chain_complete_async(call, max_retries)


def _clients_of(items: Iterable[Any]) -> list[_BaseInstructor[Any]]:
    """The clients of `items`, a chain's own flattened in."""
    clients: list[_BaseInstructor[Any]] = []
    for item in items:
        if isinstance(item, _BaseFallback):
            clients.extend(item.clients)
        elif isinstance(item, _BaseInstructor):
            clients.append(item)
        else:
            raise TypeError(
                f"instructor.fallback takes instructor clients (from_provider(...), from_openai(...)...), got "
                f"{item!r}. Wrap the SDK client first: instructor.from_openai(openai.OpenAI()).")
    return clients


@overload
def fallback(*clients: Instructor | FallbackChain, on: Any = "transport") -> FallbackChain: ...


@overload
def fallback(*clients: AsyncInstructor | AsyncFallbackChain, on: Any = "transport") -> AsyncFallbackChain: ...


def fallback(*clients: Any, on: Any = "transport") -> FallbackChain | AsyncFallbackChain:
    """A chain of clients, of any providers, tried in order: the create family of the first that can answer.

    Args:
        *clients: instructor clients, all sync (`Instructor`) or all async (`AsyncInstructor`);
            a chain among them adds its clients.
        on: what moves the chain to the next client: failure names ("transport": a connection
            error, a timeout, HTTP 408/425/429/5xx after the SDK's own retries; "invalid": every
            re-ask failed validation; "truncation", "refusal", "other": any other error the SDK
            raised, such as a 400), exception classes (`openai.BadRequestError`), or a list of both.

    Raises:
        ValueError: no client, or an `on=` that names no known failure.
        TypeError: something that is not an instructor client, or sync and async clients mixed.

    Example:
        >>> chain = instructor.fallback(instructor.from_provider("openai/gpt-4o-mini"),
        ...                             instructor.from_provider("anthropic/claude-3-5-haiku-latest"))
        >>> user = chain.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    members = _clients_of(clients)
    if not members:
        raise ValueError("instructor.fallback needs at least one client: fallback(primary, secondary, ...).")
    kinds = {isinstance(c, AsyncInstructor) for c in members}
    if len(kinds) > 1:
        from instructor.core.exceptions import ClientError

        described = ", ".join(f"{type(c).__name__} ({c.provider})" for c in members)
        raise ClientError(
            f"A fallback chain is all sync or all async clients; got {described}. Build them alike: "
            "from_provider(..., async_client=True) for every client of an async chain.")
    if kinds == {True}:
        return AsyncFallbackChain(members, on)
    return FallbackChain(members, on)


__all__ = ["AsyncFallbackChain", "FallbackChain", "fallback"]
