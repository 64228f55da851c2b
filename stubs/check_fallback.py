"""What a type checker must infer from fallback chains and budgets (checked, never run)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, assert_type

from pydantic import BaseModel

import instructor
from instructor import AsyncFallbackChain, FallbackChain


class User(BaseModel):
    name: str


async def check() -> None:
    messages = [{"role": "user", "content": "Jason is 25"}]
    primary = instructor.from_provider("openai/gpt-4o-mini")
    chain = instructor.fallback(primary, instructor.from_provider("anthropic/claude-3-5-haiku-latest"))
    assert_type(chain, FallbackChain)
    assert_type(instructor.from_provider("openai/gpt-4o-mini", fallbacks=["anthropic/claude-3-5-haiku-latest"]),
                FallbackChain)
    achain = instructor.from_provider("openai/gpt-4o-mini", async_client=True, fallbacks=["anthropic/claude-x"])
    assert_type(achain, AsyncFallbackChain)
    assert_type(instructor.fallback(instructor.from_provider("openai/gpt-4o-mini", async_client=True)),
                AsyncFallbackChain)

    assert_type(chain.create(response_model=User, messages=messages), User)
    assert_type(chain.chat.completions.create(response_model=User, messages=messages), User)
    assert_type(chain.create(response_model=None, messages=messages), Any)
    assert_type(chain.create_partial(response_model=User, messages=messages), Iterator[User])
    assert_type(chain.create_iterable(messages=messages, response_model=User), Iterator[User])
    assert_type(chain.create_with_completion(messages=messages, response_model=User), tuple[Any, Any])
    assert_type(await achain.create(response_model=User, messages=messages), User)
    assert_type(achain.create_partial(response_model=User, messages=messages), AsyncIterator[User])

    budget = instructor.Budget(tokens=20_000, cost=0.05, prices={"gpt-4o-mini": instructor.Price(0.15, 0.6)})
    assert_type(budget.tokens, int | None)
    try:
        primary.create(response_model=User, messages=messages, budget=budget)
    except instructor.BudgetExceeded as exc:
        assert_type(exc.cost, float | None)
        assert_type(exc.n_attempts, int)
