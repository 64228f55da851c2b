"""Fallback chains (`instructor.fallback`, `from_provider(..., fallbacks=[...])`) through the real SDKs.

OpenAI -> Anthropic -> Bedrock against one fake provider (it serves its scripted replies in
order, whatever the endpoint), sync and async, whole and streamed: each client's request is
shaped by its own handler, the SDK's own retries come first, a stream moves on only before its
first byte, and what moves on is configurable.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import (
    AsyncFallbackChain,
    ClientError,
    FallbackChain,
    IncompleteOutputException,
    InstructorRetryException,
    StreamInterruptedError,
)
from instructor.testing import FakeProvider, Reply, connect_kwargs, fake_env


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


GOOD = {"name": "Jason", "age": 25}
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest",
          "bedrock": "anthropic.claude-3-5-haiku-20241022-v1:0"}
sync_and_async = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def fake(server: FakeProvider) -> Iterator[FakeProvider]:
    server.reset()
    yield server
    server.reset()


def client(provider: str, fake: FakeProvider, use_async: bool = False, sdk_retries: int = 0, **kw: Any) -> Any:
    retries: dict[str, Any] = {"max_retries": sdk_retries}
    if provider == "bedrock":
        from botocore.config import Config

        retries = {"config": Config(retries={"total_max_attempts": sdk_retries + 1, "mode": "standard"})}
    return instructor.from_provider(f"{provider}/{MODELS[provider]}", async_client=use_async,
                                    **connect_kwargs(provider, fake), **retries, **kw)


def chain_of(fake: FakeProvider, use_async: bool = False, **kw: Any) -> Any:
    return instructor.fallback(*(client(p, fake, use_async) for p in ("openai", "anthropic", "bedrock")), **kw)


def run(coro_or_value: Any, use_async: bool) -> Any:
    return asyncio.run(coro_or_value) if use_async else coro_or_value


def collect(items: Any, use_async: bool) -> list[Any]:
    if not use_async:
        return list(items)

    async def gather() -> list[Any]:
        return [item async for item in items]

    return asyncio.run(gather())


def wires(fake: FakeProvider) -> list[str]:
    return [r.sent.wire for r in fake.requests]


# -- whole answers ------------------------------------------------------------------------------------

@sync_and_async
def test_openai_then_anthropic_then_bedrock(fake: FakeProvider, use_async: bool) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.http_error(529, "overloaded"), Reply.tool("User", GOOD))
    chain = chain_of(fake, use_async)
    assert isinstance(chain, AsyncFallbackChain if use_async else FallbackChain)
    user = run(chain.create(response_model=User, messages=MESSAGES), use_async)
    assert user == User(**GOOD) and user._instructor_client is chain.clients[2]
    assert wires(fake) == ["openai", "anthropic", "bedrock"]
    openai_body, anthropic_body, bedrock_body = (r.json for r in fake.requests)
    # each request shaped by its own client's handler, from the caller's messages
    assert openai_body["tools"][0]["function"]["name"] == "User" and openai_body["model"] == "gpt-4o-mini"
    assert anthropic_body["tools"][0]["name"] == "User" and anthropic_body["max_tokens"] == 4096
    assert bedrock_body["toolConfig"]["tools"][0]["toolSpec"]["name"] == "User"
    assert all([t for _, t in r.sent.messages if _ != "system"] == ["Jason is 25"] for r in fake.requests)


def test_the_sdks_own_retries_come_first(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(503, "down", headers={"retry-after-ms": "1"}),
             Reply.http_error(503, "still down", headers={"retry-after-ms": "1"}), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake, sdk_retries=1), client("anthropic", fake))
    assert chain.create(response_model=User, messages=MESSAGES) == User(**GOOD)
    assert wires(fake) == ["openai", "openai", "anthropic"]


def test_every_client_failing_raises_the_last_error_with_those_moved_on_from(fake: FakeProvider) -> None:
    import anthropic
    import openai
    from botocore.exceptions import ClientError as BotoError

    fake.add(Reply.http_error(503, "down"), Reply.http_error(529, "overloaded"), Reply.http_error(503, "busy"))
    chain = chain_of(fake)
    with pytest.raises(InstructorRetryException) as info:
        chain.create(response_model=User, messages=MESSAGES)
    error = info.value
    assert isinstance(error.__cause__, BotoError) and wires(fake) == ["openai", "anthropic", "bedrock"]
    (first, first_error), (second, second_error) = error.fallback_errors  # type: ignore[attr-defined]
    assert (first, second) == chain.clients[:2]
    assert isinstance(first_error.__cause__, openai.InternalServerError)
    assert isinstance(second_error.__cause__, anthropic.OverloadedError)


def test_response_model_none_passes_through_and_falls_back(fake: FakeProvider) -> None:
    import anthropic

    fake.add(Reply.http_error(503, "down"), Reply.text("Hello"))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake))
    message = chain.create(messages=MESSAGES)
    assert message.content[0].text == "Hello" and wires(fake) == ["openai", "anthropic"]
    fake.reset()
    fake.add(Reply.http_error(503, "down"), Reply.http_error(503, "down"))
    with pytest.raises(anthropic.APIStatusError) as info:  # the last client's error, as its SDK raised it
        chain.create(messages=MESSAGES)
    assert len(info.value.fallback_errors) == 1  # type: ignore[attr-defined]


@sync_and_async
def test_create_with_completion_gives_the_answering_clients_completion(fake: FakeProvider, use_async: bool) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake, use_async), client("anthropic", fake, use_async))
    user, completion = run(chain.create_with_completion(messages=MESSAGES, response_model=User), use_async)
    assert user == User(**GOOD) and type(completion).__module__.startswith("anthropic")


def test_the_well_known_spellings_reach_the_chain(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.tool("User", GOOD), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake))
    assert chain.chat.completions.create(response_model=User, messages=MESSAGES) == User(**GOOD)
    assert chain.messages.create(response_model=User, messages=MESSAGES) == User(**GOOD)


def test_a_list_answer_knows_its_client(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.tool("IterableUser", {"tasks": [GOOD, GOOD]}))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake))
    users = chain.create(response_model=list[User], messages=MESSAGES)
    assert users == [User(**GOOD)] * 2 and users._instructor_client is chain.clients[1]


# -- what moves on ---------------------------------------------------------------------------------------

def test_invalid_answers_do_not_move_on_by_default(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", {"name": "Jason", "age": -2}),
             Reply.tool("User", GOOD))
    with pytest.raises(InstructorRetryException) as info:
        chain_of(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert info.value.n_attempts == 2 and wires(fake) == ["openai", "openai"]


@sync_and_async
def test_on_invalid_moves_on_with_max_retries_per_client_and_no_reasks_carried(
        fake: FakeProvider, use_async: bool) -> None:
    bad = {"name": "Jason", "age": -1}
    fake.add(Reply.tool("User", bad), Reply.tool("User", bad), Reply.tool("User", bad), Reply.tool("User", GOOD))
    chain = chain_of(fake, use_async, on=["transport", "invalid"])
    user = run(chain.create(response_model=User, messages=MESSAGES, max_retries=1), use_async)
    assert user == User(**GOOD) and user._instructor_client is chain.clients[1]
    assert wires(fake) == ["openai", "openai", "anthropic", "anthropic"], "max_retries=1: two attempts per client"
    assert len(fake.requests[1].json["messages"]) == 3, "openai's re-ask: the answer and its error"
    assert len(fake.requests[2].json["messages"]) == 1, "anthropic starts from the caller's messages"
    assert len(fake.requests[3].json["messages"]) == 3, "and re-asks in its own wire format"


def test_on_refusal_and_truncation(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="I can't help with that."), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake), on="refusal")
    assert chain.create(response_model=User, messages=MESSAGES) == User(**GOOD)
    fake.reset()
    fake.add(Reply.tool("User", {"name": "Ja"}, stop="length"), Reply.tool("User", GOOD))
    with pytest.raises(IncompleteOutputException):
        chain.create(response_model=User, messages=MESSAGES)
    fake.reset()
    fake.add(Reply.tool("User", {"name": "Ja"}, stop="length"), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake), on=("truncation",))
    assert chain.create(response_model=User, messages=MESSAGES) == User(**GOOD)
    assert chain.moves_on == ("truncation",)


def test_on_validation(fake: FakeProvider) -> None:
    a, b = client("openai", fake), client("anthropic", fake)
    with pytest.raises(ValueError, match="'budget'.*a budget spans the whole chain"):
        instructor.fallback(a, b, on="budget")
    with pytest.raises(ValueError, match="on= names failures .* got 'network'"):
        instructor.fallback(a, b, on="network")
    with pytest.raises(TypeError, match="exception classes, got 503"):
        instructor.fallback(a, b, on=[503])
    with pytest.raises(ValueError, match="on= is empty"):
        instructor.fallback(a, b, on=[])


# -- streams ---------------------------------------------------------------------------------------------

@sync_and_async
@pytest.mark.parametrize("kind", ["partial", "iterable"])
def test_a_stream_falls_back_before_its_first_byte(fake: FakeProvider, use_async: bool, kind: str) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.http_error(529, "overloaded"),
             Reply.tool("User", GOOD, chunk_size=4) if kind == "partial"
             else Reply.tool("IterableUser", {"tasks": [GOOD, GOOD]}, chunk_size=4))
    chain = chain_of(fake, use_async)
    if kind == "partial":
        items = collect(chain.create_partial(response_model=User, messages=MESSAGES), use_async)
        assert items[-1] == User(**GOOD) and items[-1]._instructor_client is chain.clients[2]
    else:
        items = collect(chain.create_iterable(messages=MESSAGES, response_model=User), use_async)
        assert items == [User(**GOOD)] * 2
    assert wires(fake) == ["openai", "anthropic", "bedrock"] and all(r.sent.stream for r in fake.requests)


@sync_and_async
def test_a_stream_broken_before_its_first_chunk_falls_back(fake: FakeProvider, use_async: bool) -> None:
    fake.add(Reply.tool("User", GOOD, cut_stream_after=0), Reply.tool("User", GOOD, chunk_size=4))
    chain = chain_of(fake, use_async)
    items = collect(chain.create_partial(response_model=User, messages=MESSAGES), use_async)
    assert items[-1] == User(**GOOD) and wires(fake) == ["openai", "anthropic"]


@sync_and_async
def test_a_stream_never_falls_back_after_its_first_byte(fake: FakeProvider, use_async: bool) -> None:
    fake.add(Reply.tool("User", GOOD, chunk_size=4, cut_stream_after=3), Reply.tool("User", GOOD))
    chain = chain_of(fake, use_async)
    with pytest.raises(StreamInterruptedError) as info:
        collect(chain.create_partial(response_model=User, messages=MESSAGES), use_async)
    assert info.value.last_completion.count == 3 and wires(fake) == ["openai"]


def test_a_stream_that_was_reasked_does_not_fall_back(fake: FakeProvider) -> None:
    """Something of the call's stream arrived (its first attempt), so a 503 on the re-ask ends it."""
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}, chunk_size=4), Reply.http_error(503, "down"),
             Reply.tool("User", GOOD))
    with pytest.raises(InstructorRetryException):
        list(chain_of(fake).create_partial(response_model=User, messages=MESSAGES, max_retries=2))
    assert wires(fake) == ["openai", "openai"]


# -- hooks, budgets of the chain, errors ----------------------------------------------------------------

def test_hooks_see_which_client_each_event_is_from(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.tool("User", {"name": "Jason", "age": -1}), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake))
    seen: list[tuple[str, str]] = []
    chain.on("completion:error", lambda error, client: seen.append(("error", client.provider)))
    chain.on("parse:error", lambda error, client, attempt_number: seen.append(("parse", client.provider)))
    chain.on("completion:response", lambda response, client: seen.append(("response", client.provider)))
    published: list[dict[str, Any]] = []
    hooks = instructor.Hooks()
    hooks.on("completion:error", lambda error, **meta: published.append(meta))
    assert chain.create(response_model=User, messages=MESSAGES, hooks=hooks, max_retries=1) == User(**GOOD)
    assert seen == [("error", "openai"), ("response", "anthropic"), ("parse", "anthropic"),
                    ("response", "anthropic")]
    assert published == [{"attempt_number": 1, "max_attempts": 2, "is_last_attempt": True}], \
        "a **kwargs handler gets the published metadata only"


def test_a_chains_clients_keep_their_own_hooks(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(503, "down"), Reply.tool("User", GOOD))
    first, second = client("openai", fake), client("anthropic", fake)
    mine: list[str] = []
    second.on("completion:response", lambda response: mine.append("second"))
    instructor.fallback(first, second).create(response_model=User, messages=MESSAGES)
    assert mine == ["second"]


def test_building_a_chain_says_what_is_wrong(fake: FakeProvider) -> None:
    sync, asynchronous = client("openai", fake), client("anthropic", fake, use_async=True)
    with pytest.raises(ClientError, match=r"all sync or all async.*Instructor \(openai\), AsyncInstructor "
                                          r"\(anthropic\)"):
        instructor.fallback(sync, asynchronous)
    with pytest.raises(TypeError, match="takes instructor clients"):
        instructor.fallback(sync, object())
    with pytest.raises(ValueError, match="at least one client"):
        instructor.fallback()
    chain = instructor.fallback(sync, client("bedrock", fake))
    with pytest.raises(ValueError, match="model='gpt-4o' would send the same model to every client"):
        chain.create(response_model=User, messages=MESSAGES, model="gpt-4o")
    assert fake.requests == []
    nested = instructor.fallback(chain, client("anthropic", fake), on=["transport", "invalid"])
    assert [c.provider for c in nested.clients] == ["openai", "bedrock", "anthropic"]
    assert "FallbackChain(Instructor(provider='openai'" in repr(nested) and "on=('invalid', 'transport')" in repr(nested)


# -- the from_provider spelling, pickling ---------------------------------------------------------------

def test_from_provider_with_fallbacks(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in fake_env(fake).items():
        monkeypatch.setenv(name, value)
    fake.add(Reply.http_error(503, "down"), Reply.http_error(503, "down"), Reply.tool("User", GOOD))
    chain = instructor.from_provider("openai/gpt-4o-mini", max_retries=0,
                                     fallbacks=[client("anthropic", fake), "bedrock/" + MODELS["bedrock"]])
    assert isinstance(chain, FallbackChain) and chain.moves_on == ("transport",)
    assert chain.create(response_model=User, messages=MESSAGES) == User(**GOOD)
    assert wires(fake) == ["openai", "anthropic", "bedrock"]

    achain = instructor.from_provider("openai/gpt-4o-mini", async_client=True, fallbacks=["anthropic/claude-x"],
                                      fallback_on=["transport", "refusal"])
    assert isinstance(achain, AsyncFallbackChain) and achain.moves_on == ("refusal", "transport")
    assert [type(c).__name__ for c in achain.clients] == ["AsyncInstructor", "AsyncInstructor"]
    with pytest.raises(TypeError, match="fallbacks= takes a list"):
        instructor.from_provider("openai/gpt-4o-mini", fallbacks="anthropic/claude-x")


def test_a_chain_pickles_as_its_clients_recipes(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in fake_env(fake).items():
        monkeypatch.setenv(name, value)
    chain = instructor.from_provider("openai/gpt-4o-mini", fallbacks=["anthropic/claude-3-5-haiku-latest"],
                                     fallback_on=["transport", "invalid"])
    copy = pickle.loads(pickle.dumps(chain))
    assert [c.provider for c in copy.clients] == ["openai", "anthropic"] and copy.moves_on == chain.moves_on
    fake.add(Reply.http_error(503, "down"), Reply.tool("User", GOOD))
    assert copy.create(response_model=User, messages=MESSAGES) == User(**GOOD)
