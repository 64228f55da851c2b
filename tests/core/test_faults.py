"""The fault matrix: hostile output and failing transports, for every installed provider family.

Every case drives the real SDK over HTTP against the fake provider and must end,
within a bounded time, in either the correct object (after re-asking) or a
documented, typed exception carrying the raw completion(s) and the attempts:

- hostile output (invalid JSON, wrong shape, wrong tool, no answer, empty, refusal)
  is re-asked; when every attempt fails, `InstructorRetryException` holds them all;
- a length stop is `IncompleteOutputException`, never re-asked;
- HTTP errors, timeouts and dropped connections are the SDK's own exceptions, after
  the SDK's own retries; instructor never re-asks them, and the SDK never sees a re-ask
  where it retried (request bodies prove which layer sent what);
- a 10 MB answer and JSON nested 10,000 deep end quickly, never in a hang or a raw
  `RecursionError`.

The families come from `provider_families.py`; the counts are in docs/guarantees.md.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from provider_families import Arguments, Dotted, Family, installed_families, tool_families
from pydantic import BaseModel, Field, ValidationError

from instructor import (
    Hooks,
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
    RefusalError,
    ResponseParsingError,
)
from instructor.testing import FakeProvider, RecordedRequest, Reply


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Node(BaseModel):
    """A tree: the shape a hostile model nests without end."""

    children: list[Node] = []


GOOD = {"name": "Jason", "age": 25}
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
FAMILIES = installed_families()
by_family = pytest.mark.parametrize("family", FAMILIES, ids=str)
sync_and_async = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])

#: seconds a case may take; generous for a loaded 2-core CI runner, far below a hang
BOUND = 10.0


@contextmanager
def within(seconds: float = BOUND) -> Iterator[None]:
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.2f}s, bound {seconds}s"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def fake(server: FakeProvider) -> Iterator[FakeProvider]:
    """One server for the module (so sync clients can be reused), reset for every test."""
    server.reset()
    yield server
    server.reset()


@functools.cache
def _client(family: Family, url: str, sdk_retries: int, timeout: float, use_async: bool = False) -> Any:
    # building an SDK client costs ~0.1 s (its SSL context); the matrix reuses them
    return family.client(_SERVERS[url], sdk_retries=sdk_retries, timeout=timeout, async_client=use_async)


_SERVERS: dict[str, FakeProvider] = {}
#: every async call of the module runs on this one loop, so async clients (whose connection
#: pools belong to the loop that opened them) can be reused like the sync ones
_LOOP = asyncio.new_event_loop()


@pytest.fixture(scope="module", autouse=True)
def _close_loop() -> Iterator[None]:
    yield
    _LOOP.close()


def client_for(family: Family, fake: FakeProvider, sdk_retries: int, timeout: float, use_async: bool) -> Any:
    _SERVERS[fake.url] = fake
    return _client(family, fake.url, sdk_retries, timeout, use_async)


def run(family: Family, fake: FakeProvider, use_async: bool = False, *, model: Any = User,
        max_retries: int = 0, sdk_retries: int = 0, timeout: float = 10.0,
        hooks: dict[str, Callable[..., Any]] | None = None, **kw: Any) -> Any:
    """One `create` through `family`'s client, sync or async."""
    call_hooks = Hooks()
    for name, handler in (hooks or {}).items():
        call_hooks.on(name, handler)
    client = client_for(family, fake, sdk_retries, timeout, use_async)
    result = client.create(response_model=model, messages=MESSAGES, max_retries=max_retries, hooks=call_hooks, **kw)
    return _LOOP.run_until_complete(result) if use_async else result


def bodies(fake: FakeProvider) -> list[Any]:
    return [r.json for r in fake.requests]


# -- hostile output: re-asked, then exhausted ------------------------------------------------------

HostileScript = Callable[[Family], Reply]

HOSTILE: dict[str, HostileScript] = {
    "invalid_json": lambda f: f.answer("User", '{"name": "Jason", "age": 2'),
    "wrong_shape": lambda f: f.answer("User", {"user": {"name": "Jason"}, "years": "many"}),
    "wrong_types": lambda f: f.answer("User", {"name": 5, "age": "old"}),
    "json_array": lambda f: f.answer("User", "[1, 2, 3]"),
    "json_null": lambda f: f.answer("User", "null"),
    "failed_validator": lambda f: f.answer("User", {"name": "Jason", "age": -1}),
    "no_answer": lambda f: f.no_answer(),
    "empty": lambda f: f.empty(),
    "refusal": lambda f: f.refusal(),
    "wrong_tool": lambda f: f.wrong_tool(),  # type: ignore[misc]  # tool families only
}


#: providers whose handlers raise RefusalError for a refusal: never re-asked (COMPAT section 1.3)
REFUSAL_NOT_REASKED = frozenset({"openai", "anthropic"})


def hostile_cases() -> list[Any]:
    return [pytest.param(family, case, id=f"{family}-{case}")
            for family in FAMILIES for case in HOSTILE
            if (case != "wrong_tool" or family.wrong_tool is not None)
            and not (case == "refusal" and family.provider in REFUSAL_NOT_REASKED)]


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.provider in REFUSAL_NOT_REASKED], ids=str)
def test_a_refusal_is_a_refusal_error(fake: FakeProvider, family: Family) -> None:
    """The handler's side of "a refusal is not re-asked"; the retry loop decides how it surfaces."""
    fake.add(family.refusal(), family.answer("User", GOOD))
    with within(), pytest.raises(InstructorError) as info:
        run(family, fake, max_retries=1)
    exc = info.value
    errors = [exc, exc.__cause__, *getattr(exc, "errors", [])]
    assert any(isinstance(e, RefusalError) for e in errors)


@pytest.mark.parametrize(("family", "case"), hostile_cases())
def test_hostile_answer_is_reasked_then_succeeds(fake: FakeProvider, family: Family, case: str) -> None:
    fake.add(HOSTILE[case](family), family.answer("User", GOOD))
    with within():
        user = run(family, fake, max_retries=1)
    assert user == User(**GOOD)
    first, second = bodies(fake)
    # the re-ask tells the model what was wrong: the conversation grows (whatever the wire calls it)
    assert len(json.dumps(second)) > len(json.dumps(first))


@pytest.mark.parametrize(("family", "case"), hostile_cases())
def test_hostile_answer_every_time_carries_every_attempt(fake: FakeProvider, family: Family, case: str) -> None:
    fake.add(*[HOSTILE[case](family) for _ in range(3)])
    seen: list[BaseException] = []
    with within(), pytest.raises(InstructorRetryException) as info:
        run(family, fake, max_retries=2, hooks={"parse:error": seen.append})
    exc = info.value
    assert exc.n_attempts == 3 and [a.attempt_number for a in exc.failed_attempts] == [1, 2, 3]
    assert all(isinstance(e, (ValidationError, ResponseParsingError)) for e in exc.errors)
    assert exc.errors == seen and exc.__cause__ is exc.errors[-1]
    completions = [a.completion for a in exc.failed_attempts]
    assert all(c is not None for c in completions)
    assert len({id(c) for c in completions}) == 3, "each attempt keeps its own raw completion"
    assert exc.last_completion is completions[-1]
    assert exc.total_usage, "usage is summed over the attempts"
    assert "Failed attempts (3)" in str(exc)
    assert len(fake.requests) == 3


@by_family
@sync_and_async
def test_async_and_sync_reask_alike(fake: FakeProvider, family: Family, use_async: bool) -> None:
    fake.add(family.answer("User", '{"name": "Jason"'), family.answer("User", GOOD))
    with within():
        assert run(family, fake, use_async, max_retries=1) == User(**GOOD)
    fake.add(family.answer("User", "{}"), family.answer("User", "{}"))
    with within(), pytest.raises(InstructorRetryException) as info:
        run(family, fake, use_async, max_retries=1)
    assert info.value.n_attempts == 2


@pytest.mark.parametrize("family", tool_families(), ids=str)
def test_wrong_tool_names_both_tools(fake: FakeProvider, family: Family) -> None:
    # every provider: a call of a tool nobody offered is never read as the model (COMPAT 11, a
    # defect of the published release, which reads it for the OpenAI chat format and Anthropic)
    assert family.wrong_tool is not None
    fake.add(family.wrong_tool())
    with pytest.raises(InstructorRetryException) as info:
        run(family, fake)
    error = info.value.errors[0]
    assert isinstance(error, ResponseParsingError)
    assert "'SomethingElse'" in str(error) and "'User'" in str(error)
    assert error.raw_response is info.value.last_completion


# -- a length stop: incomplete, not re-asked -------------------------------------------------------

@by_family
@sync_and_async
def test_length_stop_is_incomplete_and_not_reasked(fake: FakeProvider, family: Family, use_async: bool) -> None:
    fake.add(family.length("User", '{"name": "Ja'))
    with within(), pytest.raises(IncompleteOutputException) as info:
        run(family, fake, use_async, max_retries=2)
    assert info.value.last_completion is not None
    assert info.value.received and "Ja" in info.value.received  # the text that did arrive
    assert info.value.n_attempts == 1
    assert len(fake.requests) == 1, "re-asking cannot help: the caller must raise max_tokens"


@by_family
def test_length_stop_after_a_failed_attempt_keeps_both(fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("User", {"name": "Jason"}), family.length("User", '{"name": "Ja'))
    with within(), pytest.raises(IncompleteOutputException) as info:
        run(family, fake, max_retries=2)
    exc = info.value
    assert exc.n_attempts == 2 and len(fake.requests) == 2
    assert [a.attempt_number for a in exc.failed_attempts] == [1]
    assert isinstance(exc.failed_attempts[0].exception, ValidationError)
    assert exc.failed_attempts[0].completion is not exc.last_completion


# -- HTTP errors: the SDK's own exceptions and retries, never a re-ask -----------------------------

STATUSES = [400, 401, 429, 500, 529]


@by_family
@pytest.mark.parametrize("status", STATUSES)
def test_http_error_is_the_sdks_exception_after_the_sdks_retries(
    fake: FakeProvider, family: Family, status: int
) -> None:
    fake.always(Reply.http_error(status, f"fake {status}", headers=dict(family.retry_headers)))
    errors: list[BaseException] = []
    parse_errors: list[BaseException] = []
    with within(), pytest.raises(InstructorRetryException) as info:
        run(family, fake, max_retries=2, sdk_retries=2,
            hooks={"completion:error": errors.append, "parse:error": parse_errors.append})
    assert isinstance(info.value.__cause__, family.error(status)), "the SDK's own exception, as the cause"
    sent = len(fake.requests)
    if status not in family.retryable:
        assert sent == 1, "only the SDK retries HTTP errors; instructor never re-asks them"
    elif family.exact_retries:
        assert sent == 3, "only the SDK retries HTTP errors; instructor never re-asks them"
    else:
        assert sent >= 2, "the SDK retries (for a span of time), instructor never re-asks"
    assert all(body == bodies(fake)[0] for body in bodies(fake)), "an SDK retry resends the same request"
    assert errors == [info.value.__cause__] and parse_errors == []


@by_family
@sync_and_async
def test_transient_error_then_answer_is_retried_by_the_sdk(fake: FakeProvider, family: Family,
                                                           use_async: bool) -> None:
    fake.add(Reply.http_error(429, "slow down", headers=dict(family.retry_headers)),
             Reply.http_error(500, "oops", headers=dict(family.retry_headers)),
             family.answer("User", GOOD))
    parse_errors: list[BaseException] = []
    with within():
        user = run(family, fake, use_async, max_retries=0, sdk_retries=2,
                   hooks={"parse:error": parse_errors.append})
    assert user == User(**GOOD) and parse_errors == []
    first, second, third = bodies(fake)
    assert first == second == third


@by_family
def test_sdk_retry_and_reask_stack_without_confusion(fake: FakeProvider, family: Family) -> None:
    """attempt 1: bad JSON (instructor re-asks); attempt 2: a 500 (the SDK resends the re-ask)."""
    fake.add(family.answer("User", "{"), Reply.http_error(500, "oops", headers=dict(family.retry_headers)),
             family.answer("User", GOOD))
    with within():
        assert run(family, fake, max_retries=1, sdk_retries=1) == User(**GOOD)
    first, reask, resent = bodies(fake)
    assert reask != first and resent == reask


@by_family
def test_sdk_error_after_a_failed_attempt_is_still_the_sdks(fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("User", "{"), Reply.http_error(400, "bad request"))
    with within(), pytest.raises(InstructorRetryException) as info:
        run(family, fake, max_retries=2)
    assert isinstance(info.value.__cause__, family.error(400)) and info.value.n_attempts == 2
    assert [a.attempt_number for a in info.value.failed_attempts] == [1]
    assert len(fake.requests) == 2


# -- transports: timeouts and dropped connections ---------------------------------------------------

@by_family
@sync_and_async
def test_timeout_is_bounded_by_the_sdk_timeout(fake: FakeProvider, family: Family, use_async: bool) -> None:
    slow = family.answer("User", GOOD)
    slow.delay = 5.0
    fake.add(slow)
    with within(3.0), pytest.raises(InstructorRetryException) as info:
        run(family, fake, use_async, max_retries=2, timeout=0.2)
    assert isinstance(info.value.__cause__, family.timeout(use_async))
    assert len(fake.requests) == 1


@by_family
def test_timeout_then_answer_is_retried_by_the_sdk(fake: FakeProvider, family: Family) -> None:
    slow = family.answer("User", GOOD)
    slow.delay = 3.0
    fake.add(slow, family.answer("User", GOOD))
    if not family.retries_timeouts:  # the SDK leaves timeouts to the caller; so does instructor
        with within(4.0), pytest.raises(InstructorRetryException) as info:
            run(family, fake, max_retries=2, sdk_retries=1, timeout=0.2)
        assert isinstance(info.value.__cause__, family.timeout(False))
        assert len(fake.requests) == 1
        return
    with within(4.0):
        assert run(family, fake, sdk_retries=1, timeout=0.2) == User(**GOOD)
    assert len(fake.requests) == 2 and bodies(fake)[0] == bodies(fake)[1]


def _fails_like_the_bare_sdk(family: Family, fake: FakeProvider, broken: Callable[[], Reply],
                             use_async: bool = False) -> None:
    """Whatever the bare SDK makes of a broken body, instructor ends typed, within the bound.

    Most SDKs raise: instructor raises an `InstructorRetryException` caused by that same
    exception, without re-asking.
    boto3 instead returns an empty response for a body it cannot read: instructor reads
    that as no answer, re-asks, and ends in `InstructorRetryException`.
    """
    fake.add(broken())
    bare: BaseException | None = None
    try:
        run(family, fake, use_async, model=None)  # response_model=None: the bare SDK call
    except Exception as exc:
        bare = exc
    fake.reset()
    fake.add(broken(), broken())
    with within(), pytest.raises(Exception) as info:
        run(family, fake, use_async, max_retries=1)
    if bare is not None:
        assert isinstance(info.value, InstructorRetryException), info.value
        assert type(info.value.__cause__) is type(bare), "the SDK's exception, as the cause"
        assert len(fake.requests) == 1
    else:
        assert isinstance(info.value, InstructorRetryException), info.value
        assert all(isinstance(e, ResponseParsingError) for e in info.value.errors)
        assert len(fake.requests) == 2


def _cut_body(family: Family) -> Callable[[], Reply]:
    def reply() -> Reply:
        cut = family.answer("User", GOOD)
        cut.cut_body_at = 40
        return cut

    return reply


@by_family
@sync_and_async
def test_connection_dropped_mid_body(fake: FakeProvider, family: Family, use_async: bool) -> None:
    _fails_like_the_bare_sdk(family, fake, _cut_body(family), use_async)


@by_family
def test_connection_dropped_is_the_sdks_connection_error(fake: FakeProvider, family: Family) -> None:
    if family.connection_error is None:  # the SDK hides it (see _fails_like_the_bare_sdk)
        return
    fake.add(_cut_body(family)())
    with within(), pytest.raises(InstructorRetryException) as info:
        run(family, fake, max_retries=2)
    assert isinstance(info.value.__cause__, _load(family.connection_error))
    assert len(fake.requests) == 1


@by_family
def test_non_json_body_fails_like_the_bare_sdk(fake: FakeProvider, family: Family) -> None:
    _fails_like_the_bare_sdk(family, fake, lambda: Reply(raw_body=b"<html>502 Bad Gateway</html>"))


# -- size and depth: a 10 MB answer, JSON nested 10,000 deep ---------------------------------------

TEN_MB = 10 * 1024 * 1024
DEPTH = 10_000


@by_family
def test_ten_megabyte_answer_parses(fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("User", {"name": "x" * TEN_MB, "age": 1}))
    with within(15.0):
        user = run(family, fake)
    assert len(user.name) == TEN_MB and user.age == 1


@by_family
def test_ten_megabyte_garbage_ends_typed_with_a_short_message(fake: FakeProvider, family: Family) -> None:
    fake.add(family.answer("User", '{"name": "' + "\\u00" * (TEN_MB // 4)))
    with within(15.0), pytest.raises(InstructorRetryException) as info:
        run(family, fake)
    assert len(str(info.value)) < 10_000, "a huge completion must not become a huge error message"
    assert info.value.last_completion is not None


def _deep(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


DEEP_DOCS = {
    "deep_extra_field": ('{"name": "x", "age": 1, "extra": ' + _deep(DEPTH) + "}", User),
    "deep_array": (_deep(DEPTH), User),
    "deep_unclosed": ("[" * DEPTH, User),
    "deep_recursive_model": ('{"children": [' * DEPTH + "]}" * DEPTH, Node),
    "deep_objects": ('{"a": ' * DEPTH + "1" + "}" * DEPTH, User),
}


PLACEHOLDER = {"__placeholder__": 0}


def spliced(fake: FakeProvider, family: Family, name: str, text: str) -> Callable[[RecordedRequest], Reply]:
    """The family's answer carrying `text` verbatim where the arguments go.

    The wires build bodies with Python's json, which cannot nest 10,000 deep; so the
    answer is rendered around a placeholder, then `text` replaces it: raw where the wire
    sends arguments as a JSON object (Anthropic, Bedrock), escaped where it sends a string.
    """

    def script(request: RecordedRequest) -> Reply:
        wire = next(w for w in fake.wires if w.name == request.wire)
        body = wire.render(family.answer(name, PLACEHOLDER), request).body
        as_object = json.dumps(PLACEHOLDER).encode()
        if as_object in body:
            return Reply(raw_body=body.replace(as_object, text.encode()))
        as_string = json.dumps(json.dumps(PLACEHOLDER))[1:-1].encode()
        assert as_string in body, "the wire must carry the arguments as JSON or as a JSON string"
        return Reply(raw_body=body.replace(as_string, json.dumps(text)[1:-1].encode()))

    return script


@by_family
@pytest.mark.parametrize("doc", DEEP_DOCS)
def test_json_nested_ten_thousand_deep_ends_typed(fake: FakeProvider, family: Family, doc: str) -> None:
    text, model = DEEP_DOCS[doc]
    fake.add(spliced(fake, family, model.__name__, text), spliced(fake, family, model.__name__, text))
    errors: list[BaseException] = []
    with within():
        try:
            result = run(family, fake, model=model, max_retries=1, hooks={"completion:error": errors.append})
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, ResponseParsingError) and isinstance(cause.__cause__, RecursionError):
                # the SDK could not even decode the body: typed, not re-asked
                assert "recursion limit" in str(exc) and errors == [cause] and len(fake.requests) == 1
            else:  # read, and refused as too deep: re-asked, then typed
                assert exc.n_attempts == 2 and len(fake.requests) == 2
                assert not any(isinstance(e, RecursionError) for e in exc.errors)
            assert len(str(exc)) < 10_000
        else:  # or parsed correctly
            assert isinstance(result, model)
            if model is User:
                assert result == User(name="x", age=1)


# -- streams: cut, malformed, stalled, too long, too deep --------------------------------------------

def stream(family: Family, fake: FakeProvider, use_async: bool = False, *, model: Any = User,
           max_retries: int = 0, timeout: float = 10.0) -> list[Any]:
    """Every partial `create_partial` yields, sync or async."""
    client = client_for(family, fake, 0, timeout, use_async)
    partials = client.create_partial(response_model=model, messages=MESSAGES, max_retries=max_retries)
    if use_async:

        async def collect() -> list[Any]:
            return [p async for p in partials]

        return _LOOP.run_until_complete(collect())
    return list(partials)


def streamed(family: Family, arguments: Arguments, **options: Any) -> Reply:
    reply = family.answer("User", arguments)
    reply.chunk_size = 4
    for key, value in options.items():
        setattr(reply, key, value)
    return reply


def broken_stream_ends_well(family: Family, fake: FakeProvider, use_async: bool = False, *,
                            timeout: float = 10.0, **fault: Any) -> BaseException | None:
    """A stream broken at one event ends in a typed exception, or, when the break hits after the
    answer (or in an event the SDK skips, whose loss the re-ask repairs), in the right object.

    Returns the exception, or None when the right object came back.
    """
    fake.add(streamed(family, GOOD, **fault))
    fake.always(streamed(family, GOOD))  # what a re-ask gets
    try:
        partials = stream(family, fake, use_async, max_retries=1, timeout=timeout)
    except InstructorError as exc:
        unread = isinstance(exc, InstructorRetryException) and isinstance(exc.__cause__, ResponseParsingError)
        assert isinstance(exc, IncompleteOutputException) or unread, exc
        assert len(fake.requests) == 1, "a broken stream is not re-asked"
        return exc
    assert partials[-1] == User(**GOOD), "never a wrong object"
    assert len(fake.requests) in (1, 2)
    return None


@by_family
@sync_and_async
@pytest.mark.parametrize("at", [0, 1, 3])
def test_stream_cut_mid_way(fake: FakeProvider, family: Family, use_async: bool, at: int) -> None:
    with within():
        error = broken_stream_ends_well(family, fake, use_async, cut_stream_after=at)
    if at == 0:  # nothing of the answer arrived
        assert isinstance(error, IncompleteOutputException), error
        assert error.received == "" and error.last_completion is not None


@by_family
@pytest.mark.parametrize("at", [0, 1, 3])
def test_stream_with_a_malformed_event(fake: FakeProvider, family: Family, at: int) -> None:
    with within():
        broken_stream_ends_well(family, fake, malformed_event_at=at)


@by_family
@pytest.mark.parametrize("at", [0, 2])
def test_stream_stalled_mid_way_ends_within_the_sdk_timeout(fake: FakeProvider, family: Family, at: int) -> None:
    # ends on the SDK's 0.3 s read timeout, long before the 5 s stall would (the bound leaves a loaded
    # 2-core machine room, and still fails a call that waited the stall out)
    with within(4.5):
        error = broken_stream_ends_well(family, fake, timeout=0.3, stall_after=at, delay=5.0)
    if at == 0:
        assert isinstance(error, IncompleteOutputException), error


@by_family
def test_stream_length_stop_is_incomplete(fake: FakeProvider, family: Family) -> None:
    fake.add(streamed(family, '{"name": "Ja', stop="length"))
    with within(), pytest.raises(IncompleteOutputException) as info:
        stream(family, fake, max_retries=3)
    assert "Ja" in (info.value.received or "") and len(fake.requests) == 1


@by_family
def test_stream_hostile_then_good_is_reasked(fake: FakeProvider, family: Family) -> None:
    fake.add(streamed(family, {"name": "Jason", "age": "old"}), streamed(family, GOOD))
    with within():
        partials = stream(family, fake, max_retries=2)
    assert partials[-1] == User(**GOOD) and len(fake.requests) == 2


def one_per_sdk() -> list[Family]:
    """The first family of each SDK: for the heaviest stream cases, whose cost is the SDK's decoding."""
    seen: dict[str, Family] = {}
    for family in FAMILIES:
        seen.setdefault(family.package, family)
    return list(seen.values())


per_sdk = pytest.mark.parametrize("family", one_per_sdk(), ids=str)


@per_sdk
def test_stream_of_ten_megabytes_ends_in_the_object(fake: FakeProvider, family: Family) -> None:
    fake.add(streamed(family, {"name": "x" * TEN_MB, "age": 1}, chunk_size=TEN_MB // 16))
    with within(20.0):
        partials = stream(family, fake)
    assert partials[-1].age == 1 and len(partials[-1].name) == TEN_MB


@per_sdk
def test_stream_of_json_nested_ten_thousand_deep_ends_typed(fake: FakeProvider, family: Family) -> None:
    text, model = DEEP_DOCS["deep_recursive_model"]
    reply = family.answer(model.__name__, text)
    reply.chunk_size = 997
    fake.add(reply)
    with within():
        try:
            partials = stream(family, fake, model=model)
        except InstructorError as exc:
            assert not isinstance(exc.__cause__, RecursionError) or isinstance(exc, ResponseParsingError)
            assert len(str(exc)) < 10_000
        else:
            assert isinstance(partials[-1], model)


def test_every_declared_family_runs() -> None:
    """The matrix never shrinks unnoticed: every family's SDK is installed (the `test` extra)."""
    from provider_families import FAMILIES as DECLARED

    missing = sorted({f.package for f in DECLARED} - {f.package for f in FAMILIES})
    assert not missing, f'SDKs missing, their families are left out: {missing}; pip install -e ".[dev]"'


def _load(dotted: Dotted) -> type[BaseException]:
    from provider_families import load

    exc: type[BaseException] = load(dotted)
    return exc
