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


def _sum(counts: Mapping[str, int], keys: tuple[str, ...]) -> int:
    return sum(value for key in keys if isinstance(value := counts.get(key), int) and not isinstance(value, bool))


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
        read_extra = _sum(counts, _CACHE_READ_EXTRA)
        write = _sum(counts, _CACHE_WRITE_EXTRA)
        thoughts = _sum(counts, _REASONING_EXTRA)
        return cls(
            input_tokens=_sum(counts, _INPUT) + read_extra + write,
            output_tokens=_sum(counts, _OUTPUT) + thoughts,
            cached_tokens=_sum(counts, _CACHED_PART) + read_extra,
            cache_write_tokens=write,
            reasoning_tokens=_sum(counts, _REASONING_PART) + thoughts,
        )

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


__all__ = ["Price", "Usage", "price_of"]
