"""What a call costs: token counts read alike from every provider, and prices the caller supplies.

Providers count the same tokens differently. OpenAI's `prompt_tokens` include the
cached ones (`cached_tokens` is a part of them) and `completion_tokens` include the
reasoning ones; Anthropic's and Bedrock's `input_tokens` leave out the tokens read from
or written to the prompt cache (they come as counts of their own); Gemini's
`candidates_token_count` leaves out its thoughts. `Usage.of_counts` reads a handler's
counts (`ModeHandler.usage`, summed over attempts) into one shape where every part is
counted once: `input_tokens` and `output_tokens` are everything billed, and
`cached_tokens`, `cache_write_tokens`, `reasoning_tokens` say which part of them was
which. No price table is shipped (it would go stale): `Price` is what the caller pays,
per million tokens, and `Price.cost(usage)` what a usage costs at it.

`Budget` is a call's limit (tokens, cost, or both); `Spending` is what one call has spent
so far against it, across its re-asks, its fallbacks and its streams (the failure policy,
`instructor.core.retry`, checks it before every next request).

Stdlib only: budgets, telemetry and batch jobs all read it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# counts that are all of the input (OpenAI, Mistral, Gemini, the Responses API), or all of it but
# what the prompt cache read or wrote, which the keys below add (Anthropic, Bedrock, Cohere)
_INPUT = ("prompt_tokens", "input_tokens", "inputTokens", "prompt_token_count")
_CACHE_READ_EXTRA = ("cache_read_input_tokens", "cacheReadInputTokens")  # not in the input count
_CACHE_WRITE_EXTRA = ("cache_creation_input_tokens", "cacheWriteInputTokens")  # not in the input count
_CACHED_PART = ("cached_tokens", "cached_content_token_count")  # a part of the input count
_OUTPUT = ("completion_tokens", "output_tokens", "outputTokens", "candidates_token_count")
_REASONING_PART = ("reasoning_tokens",)  # a part of the output count (OpenAI)
_REASONING_EXTRA = ("thoughts_token_count",)  # not in the output count (Gemini)


#: each provider key -> where it counts: (input, output, cached, cache write, reasoning) places
_PLACES: dict[str, tuple[int, ...]] = {
    **{key: (0,) for key in _INPUT},
    **{key: (0, 2) for key in _CACHE_READ_EXTRA},  # billed as input, and read from the cache
    **{key: (0, 3) for key in _CACHE_WRITE_EXTRA},
    **{key: (2,) for key in _CACHED_PART},
    **{key: (1,) for key in _OUTPUT},
    **{key: (4,) for key in _REASONING_PART},
    **{key: (1, 4) for key in _REASONING_EXTRA},  # billed as output, and spent on reasoning
}


def token_counts(counts: Mapping[str, int]) -> tuple[int, int, int, int, int]:
    """`Usage.of_counts` as a plain tuple: (input, output, cached, cache write, reasoning) tokens
    (telemetry reads it per response, where an object would only be taken apart again)."""
    totals = [0, 0, 0, 0, 0]
    for key, value in counts.items():  # one pass: this runs per response with a budget or telemetry on
        places = _PLACES.get(key)
        if places is None or type(value) is not int:  # only numbers count: not a bool, not a test's Mock
            continue
        for place in places:
            totals[place] += value
    return tuple(totals)  # type: ignore[return-value]


@dataclass(frozen=True)
class Usage:
    """Token counts of one or more requests, each token counted once, whatever the provider.

    `input_tokens` and `output_tokens` are everything the provider bills (cache reads and
    writes in the input, reasoning in the output); the other three say which part of
    them was read from the prompt cache, written to it, or spent on reasoning.

    Example:
        >>> Usage.of_counts({"input_tokens": 10, "cache_read_input_tokens": 90, "output_tokens": 5})
        Usage(input_tokens=100, output_tokens=5, cached_tokens=90, cache_write_tokens=0, reasoning_tokens=0)
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Every token billed: input and output."""
        return self.input_tokens + self.output_tokens

    @classmethod
    def of_counts(cls, counts: Mapping[str, int]) -> Usage:
        """Read a handler's counts (provider keys, flat) into one shape; unknown keys are left out."""
        return cls(*token_counts(counts))

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )

    def __bool__(self) -> bool:
        return self.total_tokens > 0

    def as_dict(self) -> dict[str, int]:
        """The five counts and `total_tokens`, for a JSON record or a log line."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.total_tokens,
        }


def _rate(value: float | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Price.{name} must be a finite number >= 0 (per million tokens), got {value!r}.")


@dataclass(frozen=True)
class Price:
    """What the caller pays per million tokens (in any currency; instructor ships no prices).

    `cached_input` (tokens read from the prompt cache), `cache_write` (tokens written to
    it) and `reasoning` default to the plain input or output rate when not given.

    Example:
        >>> Price(input=0.15, output=0.60, cached_input=0.075).cost(Usage(input_tokens=1_000_000))
        0.15
    """

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None

    def __post_init__(self) -> None:
        for name in ("input", "output", "cached_input", "cache_write", "reasoning"):
            _rate(getattr(self, name), name)

    def cost(self, usage: Usage) -> float:
        """What `usage` costs at these rates."""
        cached = self.input if self.cached_input is None else self.cached_input
        write = self.input if self.cache_write is None else self.cache_write
        reasoning = self.output if self.reasoning is None else self.reasoning
        plain_input = usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens
        plain_output = usage.output_tokens - usage.reasoning_tokens
        return (plain_input * self.input + usage.cached_tokens * cached + usage.cache_write_tokens * write
                + plain_output * self.output + usage.reasoning_tokens * reasoning) / 1_000_000


def price_of(prices: Price | Mapping[str, Price] | None, model: str | None) -> Price | None:
    """The `Price` of `model`: the one given, or its entry in a mapping of model names (None if absent).

    A mapping may also name a model by a prefix it starts with (`"gpt-4o"` prices
    `"gpt-4o-2024-08-06"`); the longest matching name wins.
    """
    if prices is None or isinstance(prices, Price):
        return prices
    if model is None:
        return None
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


def _limit(value: float | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"Budget({name}=...) must be a number greater than zero, got {value!r}.")


@dataclass(frozen=True)
class Budget:
    """The most one call may spend, across its re-asks, fallbacks and streams.

    `tokens` counts every token billed (`Usage.total_tokens`: input with cached reads and
    cache writes, output with reasoning); `cost` is in the currency of `prices` (a `Price`,
    or a mapping from model names to prices, as `price_of` reads it; keys may also be
    `"provider/model"`). No request is sent once either limit is reached: a request already
    sent runs to its end, so a call can finish a little over its budget, never start again.

    Example:
        >>> budget = Budget(tokens=20_000, cost=0.05, prices={"gpt-4o-mini": Price(input=0.15, output=0.60)})
        >>> client.create(response_model=User, messages=[...], budget=budget)

    Raises:
        ValueError: a limit that is not a number above zero, no limit at all, or `cost` without `prices`.
        TypeError: `tokens` that is not an int.
    """

    tokens: int | None = None
    cost: float | None = None
    prices: Price | Mapping[str, Price] | None = None

    def __post_init__(self) -> None:
        if self.tokens is not None and (isinstance(self.tokens, bool) or not isinstance(self.tokens, int)):
            raise TypeError(f"Budget(tokens=...) must be an int (tokens), got {self.tokens!r}.")
        _limit(self.tokens, "tokens")
        _limit(self.cost, "cost")
        if self.tokens is None and self.cost is None:
            raise ValueError("A Budget needs a limit: Budget(tokens=...), Budget(cost=..., prices=...), or both.")
        if self.cost is not None and self.prices is None:
            raise ValueError(
                f"Budget(cost={self.cost!r}) needs prices= to count the cost by: a Price, or a mapping "
                "from model names to prices (instructor ships no price table)."
            )
        if self.prices is not None and not isinstance(self.prices, (Price, Mapping)):
            raise TypeError(f"Budget(prices=...) must be a Price or a mapping of model names to prices, "
                            f"got {self.prices!r}.")

    def describe(self) -> str:
        """The limits, for a message: `Budget(tokens=20000, cost=0.05)` (the prices left out)."""
        limits = [f"{name}={value!r}" for name, value in (("tokens", self.tokens), ("cost", self.cost))
                  if value is not None]
        return f"Budget({', '.join(limits)})"

    def price_of(self, provider: str, model: str | None) -> Price | None:
        """The price of `model` served by `provider` (looked up as `"provider/model"`, then `model`).

        Raises:
            ValueError: this budget has a cost limit and no price for that model.
        """
        price = price_of(self.prices, f"{provider}/{model}") or price_of(self.prices, model)
        if price is None and self.cost is not None:
            known = sorted(self.prices) if isinstance(self.prices, Mapping) else []
            raise ValueError(
                f"Budget(cost={self.cost!r}) needs the price of every model the call may use, and has none "
                f"for {provider}/{model} (prices for: {', '.join(known) or 'none'}). Add it to prices=: keys "
                "are a model name, a prefix of one, or 'provider/model'."
            )
        return price


class Spending:
    """What one call has spent so far against its budget: the `Usage` of every response,
    and its cost where the budget has prices. Shared by the calls of a fallback chain.

    `limit` is what the caller passed: a `Budget`, or the int of `token_budget=`.
    """

    __slots__ = ("budget", "limit", "usage", "cost", "responses", "unpriced", "unreported")

    def __init__(self, limit: Budget | int) -> None:
        self.limit = limit
        self.budget = limit if isinstance(limit, Budget) else Budget(tokens=limit)
        self.usage = Usage()
        self.cost = 0.0
        self.responses = 0  # responses counted (on every client of a chain)
        self.unpriced = 0  # responses counted with no price for their model
        self.unreported = 0  # responses that reported no usage at all

    def add(self, counts: Mapping[str, int], price: Price | None) -> None:
        """Count one response's token counts (a handler's `usage()`), at `price`."""
        self.responses += 1
        if not counts:
            self.unreported += 1
            return
        usage = Usage.of_counts(counts)
        self.usage = self.usage + usage
        if price is None:
            self.unpriced += 1
        else:
            self.cost += price.cost(usage)

    @property
    def known_cost(self) -> float | None:
        """The cost so far, or None when a response had no price (or the budget has no prices)."""
        return None if self.unpriced or self.budget.prices is None else self.cost

    def reached(self) -> str | None:
        """Which limit stops the next request: "usage" (a response reported none to count it by),
        "tokens", "cost"; None while the budget lasts."""
        budget = self.budget
        if self.unreported:
            return "usage"
        if budget.tokens is not None and self.usage.total_tokens >= budget.tokens:
            return "tokens"
        if budget.cost is not None and self.cost >= budget.cost:
            return "cost"
        return None


__all__ = ["Budget", "Price", "Spending", "Usage", "price_of", "token_counts"]
