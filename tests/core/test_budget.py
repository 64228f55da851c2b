"""One budget across re-asks, fallbacks and streams (`budget=instructor.Budget(...)`, and `token_budget=`).

Through the real SDKs against the fake provider: every provider's cached and reasoning tokens
counted as it reports them, costs at the caller's prices, the budget checked before every next
request (a re-ask, a fallback, a truncation retry) and never before the first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

import instructor
from instructor import Budget, BudgetExceeded, Mode, Price, TokenBudgetExceeded, Usage
from instructor.core.billing import Spending
from instructor.testing import FakeProvider, Reply, connect_kwargs


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


GOOD = {"name": "Jason", "age": 25}
BAD = {"name": "Jason", "age": -1}
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest",
          "bedrock": "anthropic.claude-3-5-haiku-20241022-v1:0", "google": "gemini-2.5-flash"}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def fake(server: FakeProvider) -> Iterator[FakeProvider]:
    server.reset()
    yield server
    server.reset()


def client(provider: str, fake: FakeProvider, use_async: bool = False, **kw: Any) -> Any:
    options: dict[str, Any] = {} if provider in ("bedrock", "google") else {"max_retries": 0}
    return instructor.from_provider(f"{provider}/{MODELS[provider]}", async_client=use_async,
                                    **connect_kwargs(provider, fake), **options, **kw)


# -- the values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({}, ValueError, "needs a limit"),
    ({"tokens": 0}, ValueError, "greater than zero, got 0"),
    ({"tokens": 1.5}, TypeError, "must be an int"),
    ({"tokens": True}, TypeError, "must be an int"),
    ({"cost": -1.0, "prices": Price(1, 1)}, ValueError, "greater than zero, got -1.0"),
    ({"cost": float("nan"), "prices": Price(1, 1)}, ValueError, "greater than zero"),
    ({"cost": 0.5}, ValueError, "needs prices="),
    ({"tokens": 10, "prices": [Price(1, 1)]}, TypeError, "must be a Price or a mapping"),
])
def test_a_budget_says_what_is_wrong(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Budget(**kwargs)


def test_spending_counts_usage_and_cost_once_each() -> None:
    budget = Budget(tokens=2_000, cost=0.002, prices={"gpt-4o": Price(input=1.0, output=4.0, cached_input=0.5)})
    spend = Spending(budget)
    price = budget.price_of("openai", "gpt-4o-2024-08-06")  # a prefix names a family of models
    spend.add({"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200, "cached_tokens": 600}, price)
    assert spend.usage == Usage(input_tokens=1000, output_tokens=200, cached_tokens=600)
    assert spend.cost == pytest.approx((400 * 1.0 + 600 * 0.5 + 200 * 4.0) / 1e6)
    assert spend.reached() is None
    spend.add({"prompt_tokens": 700, "completion_tokens": 100}, price)
    assert spend.reached() == "tokens"
    spend.add({}, price)
    assert spend.reached() == "usage", "a response that reported nothing cannot be counted"
    assert Spending(Budget(tokens=5)).known_cost is None


def test_a_missing_price_shows_before_any_request(fake: FakeProvider) -> None:
    budget = Budget(cost=0.01, prices={"gpt-4.1": Price(1, 4)})
    with pytest.raises(ValueError, match=r"has none for openai/gpt-4o-mini \(prices for: gpt-4.1\)"):
        client("openai", fake).create(response_model=User, messages=MESSAGES, budget=budget)
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake))
    budget = Budget(cost=0.01, prices={"openai/gpt-4o-mini": Price(1, 4)})
    with pytest.raises(ValueError, match="has none for anthropic/claude-3-5-haiku-latest"):
        chain.create(response_model=User, messages=MESSAGES, budget=budget)
    assert fake.requests == []


def test_budget_arguments_say_what_is_wrong(fake: FakeProvider) -> None:
    openai_client = client("openai", fake)
    with pytest.raises(TypeError, match="budget= takes an instructor.Budget, got 100"):
        openai_client.create(response_model=User, messages=MESSAGES, budget=100)
    with pytest.raises(ValueError, match="either token_budget= or budget="):
        openai_client.create(response_model=User, messages=MESSAGES, budget=Budget(tokens=5), token_budget=5)
    with pytest.raises(ValueError, match="needs a response_model"):
        openai_client.create(messages=MESSAGES, budget=Budget(tokens=5))
    assert fake.requests == []


# -- every provider's tokens, as it reports them ------------------------------------------------------

EXPECTED = {  # usage=(1000, 200), cached_tokens=600, reasoning_tokens=100 on every wire
    "openai": Usage(input_tokens=1000, output_tokens=200, cached_tokens=600, reasoning_tokens=100),
    "responses": Usage(input_tokens=1000, output_tokens=200, cached_tokens=600, reasoning_tokens=100),
    "google": Usage(input_tokens=1000, output_tokens=200, cached_tokens=600, reasoning_tokens=100),
    # Anthropic and Bedrock report cache reads beside the input, and no reasoning count of their own
    "anthropic": Usage(input_tokens=1000, output_tokens=200, cached_tokens=600),
    "bedrock": Usage(input_tokens=1000, output_tokens=200, cached_tokens=600),
}


def provider_client(name: str, fake: FakeProvider) -> Any:
    if name == "responses":
        return client("openai", fake, mode=Mode.RESPONSES_TOOLS)
    return client(name, fake)


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_provider_counts_cached_and_reasoning_tokens(fake: FakeProvider, name: str, streamed: bool) -> None:
    fake.add(Reply.tool("User", BAD, usage=(1000, 200), cached_tokens=600, reasoning_tokens=100, chunk_size=8),
             Reply.tool("User", GOOD))
    target = provider_client(name, fake)
    with pytest.raises(BudgetExceeded) as info:
        if streamed:
            list(target.create_partial(response_model=User, messages=MESSAGES, budget=Budget(tokens=1000)))
        else:
            target.create(response_model=User, messages=MESSAGES, budget=Budget(tokens=1000))
    assert info.value.usage == EXPECTED[name] and info.value.usage.total_tokens == 1200
    assert len(fake.requests) == 1, "the re-ask was never sent"
    assert isinstance(info.value.__cause__, ValidationError) and info.value.n_attempts == 1


# -- one budget across re-asks, fallbacks and streams -------------------------------------------------

PRICES = {
    "gpt-4o-mini": Price(input=1.0, output=4.0, cached_input=0.5),
    "anthropic/claude-3-5-haiku-latest": Price(input=2.0, output=10.0, cached_input=0.2),
}


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_one_budget_across_reasks_fallbacks_cached_and_reasoning_tokens(fake: FakeProvider, use_async: bool) -> None:
    """openai: an invalid answer, then a 503 on its re-ask; anthropic: an invalid answer; its re-ask is
    never sent, the cost of the three responses being over the budget."""
    fake.add(Reply.tool("User", BAD, usage=(1000, 200), cached_tokens=600, reasoning_tokens=100),
             Reply.http_error(503, "down"),
             Reply.tool("User", BAD, usage=(2000, 300), cached_tokens=1500),
             Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake, use_async), client("anthropic", fake, use_async))
    budget = Budget(tokens=100_000, cost=0.005, prices=PRICES)
    with pytest.raises(BudgetExceeded) as info:
        result = chain.create(response_model=User, messages=MESSAGES, budget=budget, max_retries=3)
        if use_async:
            asyncio.run(result)
    error = info.value
    assert [r.sent.wire for r in fake.requests] == ["openai", "openai", "anthropic"]
    assert error.usage == Usage(input_tokens=3000, output_tokens=500, cached_tokens=2100, reasoning_tokens=100)
    # openai: 400 plain + 600 cached input, 200 output (reasoning at the output rate);
    # anthropic: 500 plain + 1500 cached input, 300 output
    expected = (400 * 1.0 + 600 * 0.5 + 200 * 4.0 + 500 * 2.0 + 1500 * 0.2 + 300 * 10.0) / 1e6
    assert error.cost == pytest.approx(expected) and error.cost > budget.cost  # type: ignore[operator]
    assert error.budget is budget and isinstance(error, TokenBudgetExceeded)
    assert isinstance(error.__cause__, ValidationError), "what made the call go round again"
    assert [client.provider for client, _ in error.fallback_errors] == ["openai"]  # type: ignore[attr-defined]
    assert "cost 0.0058" in str(error) and "Budget(tokens=100000, cost=0.005)" in str(error)


def test_the_budget_is_checked_before_a_fallback(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", BAD, usage=(1000, 200)), Reply.tool("User", GOOD))
    chain = instructor.fallback(client("openai", fake), client("anthropic", fake), on=["transport", "invalid"])
    with pytest.raises(BudgetExceeded) as info:
        chain.create(response_model=User, messages=MESSAGES, max_retries=0, budget=Budget(tokens=1000))
    assert len(fake.requests) == 1 and info.value.usage.total_tokens == 1200
    assert info.value.n_attempts == 1 and isinstance(info.value.__cause__, ValidationError), \
        "the attempts of the client it would have moved on from"
    assert not hasattr(info.value, "fallback_errors"), "it moved on from nothing"


def test_a_chain_takes_its_first_clients_default_budget(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", BAD, usage=(600, 100)), Reply.tool("User", BAD, usage=(600, 100)),
             Reply.tool("User", GOOD))
    first = client("openai", fake, budget=Budget(tokens=1000))
    chain = instructor.fallback(first, client("anthropic", fake), client("bedrock", fake), on=["invalid"])
    with pytest.raises(BudgetExceeded) as info:
        chain.create(response_model=User, messages=MESSAGES, max_retries=0)
    assert [r.sent.wire for r in fake.requests] == ["openai", "anthropic"] and info.value.usage.total_tokens == 1400


def test_a_streamed_call_is_budgeted_across_its_reasks(fake: FakeProvider) -> None:
    fake.add(*(Reply.tool("User", BAD, usage=(300, 100), chunk_size=5) for _ in range(2)), Reply.tool("User", GOOD))
    with pytest.raises(BudgetExceeded) as info:
        list(client("anthropic", fake).create_partial(response_model=User, messages=MESSAGES, max_retries=5,
                                                        budget=Budget(tokens=700)))
    assert len(fake.requests) == 2 and info.value.usage == Usage(input_tokens=600, output_tokens=200)


def test_the_budget_is_checked_before_a_truncation_retry(fake: FakeProvider) -> None:
    from instructor import IncompleteOutputException

    fake.add(Reply.tool("User", {"name": "Ja"}, stop="length", usage=(900, 200)), Reply.tool("User", GOOD))
    with pytest.raises(BudgetExceeded) as info:
        client("openai", fake).create(response_model=User, messages=MESSAGES, max_tokens=200,
                                      retry_truncated=True, budget=Budget(tokens=1000))
    assert len(fake.requests) == 1 and isinstance(info.value.__cause__, IncompleteOutputException)


def test_a_budget_within_reach_changes_nothing(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", BAD), Reply.tool("User", GOOD))
    user = client("openai", fake).create(response_model=User, messages=MESSAGES,
                                         budget=Budget(tokens=10_000, cost=1.0, prices=PRICES))
    assert user == User(**GOOD) and len(fake.requests) == 2


def test_a_clients_default_budget(fake: FakeProvider) -> None:
    budgeted = client("openai", fake, budget=Budget(tokens=10))
    fake.add(Reply.tool("User", BAD), Reply.tool("User", GOOD))
    with pytest.raises(BudgetExceeded):
        budgeted.create(response_model=User, messages=MESSAGES)
    fake.reset()
    fake.add(Reply.text("Hello"))
    assert budgeted.create(messages=MESSAGES).choices[0].message.content == "Hello", \
        "a pass-through call has no re-asks to budget: the default does not apply"
    assert "budget" not in fake.requests[0].json
    fake.reset()
    fake.add(Reply.tool("User", BAD), Reply.tool("User", GOOD))
    user = budgeted.create(response_model=User, messages=MESSAGES, budget=Budget(tokens=10_000))
    assert user == User(**GOOD), "a call's own budget replaces the client's"


# -- the published token_budget, counted the same way -------------------------------------------------

def test_token_budget_counts_cache_reads_and_carries_the_usage(fake: FakeProvider) -> None:
    fake.always(Reply.tool("User", BAD, usage=(1000, 200), cached_tokens=600))
    with pytest.raises(TokenBudgetExceeded) as info:
        client("anthropic", fake).create(response_model=User, messages=MESSAGES, token_budget=2000, max_retries=5)
    error = info.value
    assert type(error) is TokenBudgetExceeded and error.budget == 2000
    assert len(fake.requests) == 2 and error.usage == Usage(input_tokens=2000, output_tokens=400, cached_tokens=1200)
    assert "2400 tokens" in str(error)


def test_token_budget_still_refuses_a_stream_and_budget_takes_one(fake: FakeProvider) -> None:
    anthropic_client = client("anthropic", fake)
    with pytest.raises(ValueError, match="token_budget is not supported for streamed responses"):
        anthropic_client.create(response_model=instructor.Partial[User], messages=MESSAGES, token_budget=10)
    fake.add(Reply.tool("User", GOOD, chunk_size=5))
    partials = list(anthropic_client.create_partial(response_model=User, messages=MESSAGES,
                                                    budget=Budget(tokens=10)))
    assert partials[-1] == User(**GOOD), "a budget stops the next request, never the first"
