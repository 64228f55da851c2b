"""`instructor.Usage` and `instructor.Price`: every provider's counts read into one shape, and costs."""

from __future__ import annotations

import pytest

import instructor
from instructor.core.billing import Price, Usage, price_of


@pytest.mark.parametrize(
    ("provider", "counts", "expected"),
    [
        # OpenAI chat: cached tokens are part of prompt_tokens, reasoning part of completion_tokens
        ("openai", {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
                    "cached_tokens": 60, "reasoning_tokens": 30},
         Usage(input_tokens=100, output_tokens=40, cached_tokens=60, reasoning_tokens=30)),
        # the Responses API: the same, under input/output names
        ("responses", {"input_tokens": 100, "output_tokens": 40, "total_tokens": 140,
                       "cached_tokens": 60, "reasoning_tokens": 30},
         Usage(input_tokens=100, output_tokens=40, cached_tokens=60, reasoning_tokens=30)),
        # Anthropic: cache reads and writes are counted apart from input_tokens
        ("anthropic", {"input_tokens": 10, "output_tokens": 40, "cache_read_input_tokens": 60,
                       "cache_creation_input_tokens": 30},
         Usage(input_tokens=100, output_tokens=40, cached_tokens=60, cache_write_tokens=30)),
        # Bedrock Converse: likewise, in camelCase
        ("bedrock", {"inputTokens": 10, "outputTokens": 40, "totalTokens": 140, "cacheReadInputTokens": 60,
                     "cacheWriteInputTokens": 30},
         Usage(input_tokens=100, output_tokens=40, cached_tokens=60, cache_write_tokens=30)),
        # Gemini: cached content is part of the prompt count, thoughts are not part of the candidates'
        ("gemini", {"prompt_token_count": 100, "candidates_token_count": 10, "thoughts_token_count": 30,
                    "cached_content_token_count": 60, "total_token_count": 140},
         Usage(input_tokens=100, output_tokens=40, cached_tokens=60, reasoning_tokens=30)),
        ("cohere", {"input_tokens": 100, "output_tokens": 40},
         Usage(input_tokens=100, output_tokens=40)),
    ],
)
def test_every_provider_reads_into_one_shape(provider: str, counts: dict[str, int], expected: Usage) -> None:
    usage = Usage.of_counts(counts)
    assert usage == expected
    assert usage.total_tokens == 140


def test_unknown_keys_and_non_numbers_are_left_out() -> None:
    usage = Usage.of_counts({"prompt_tokens": 3, "completion_tokens": True, "audio_tokens": 9,  # type: ignore[dict-item]
                             "output_tokens": "5"})  # type: ignore[dict-item]
    assert usage == Usage(input_tokens=3)


def test_usages_add_up_and_an_empty_one_is_falsy() -> None:
    total = Usage(1, 2, 0, 0, 1) + Usage(10, 20, 5, 1, 0)
    assert total == Usage(11, 22, 5, 1, 1)
    assert total.as_dict() == {"input_tokens": 11, "output_tokens": 22, "cached_tokens": 5,
                               "cache_write_tokens": 1, "reasoning_tokens": 1, "total_tokens": 33}
    assert not Usage()
    assert total


def test_a_price_charges_each_part_at_its_own_rate() -> None:
    price = Price(input=2.0, output=8.0, cached_input=0.5, cache_write=2.5, reasoning=10.0)
    usage = Usage(input_tokens=1_000_000, output_tokens=500_000, cached_tokens=400_000,
                  cache_write_tokens=100_000, reasoning_tokens=200_000)
    # 500k plain input at 2, 400k cached at 0.5, 100k written at 2.5, 300k plain output at 8, 200k reasoning at 10
    assert price.cost(usage) == pytest.approx(1.0 + 0.2 + 0.25 + 2.4 + 2.0)


def test_unset_rates_fall_back_to_input_and_output() -> None:
    usage = Usage(input_tokens=2_000_000, output_tokens=1_000_000, cached_tokens=1_000_000, reasoning_tokens=500_000)
    assert Price(input=1.0, output=4.0).cost(usage) == pytest.approx(2.0 + 4.0)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "1", True])
def test_a_bad_rate_is_refused_with_its_name(bad: object) -> None:
    with pytest.raises(ValueError, match=r"Price\.cached_input must be a finite number >= 0"):
        Price(input=1.0, output=1.0, cached_input=bad)  # type: ignore[arg-type]


def test_prices_by_model_name_and_prefix() -> None:
    mini, big = Price(0.15, 0.6), Price(2.5, 10.0)
    prices = {"gpt-4o": big, "gpt-4o-mini": mini}
    assert price_of(prices, "gpt-4o-mini-2024-07-18") is mini  # the longest matching name
    assert price_of(prices, "gpt-4o-2024-08-06") is big
    assert price_of(prices, "claude-3-5-haiku") is None
    assert price_of(mini, "anything") is mini
    assert price_of(None, "gpt-4o") is None


def test_public_names() -> None:
    assert instructor.Usage is Usage
    assert instructor.Price is Price
