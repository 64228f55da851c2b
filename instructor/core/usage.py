"""Token usage summed over a call's attempts, in the provider's own usage type.

`InstructorRetryException.total_usage` is the usage object the provider's SDK
returns (openai `CompletionUsage`, anthropic `Usage`...), its numeric fields
summed over the attempts on a copy of the first one: generic, no SDK imported
here. A provider without a usage object (a Bedrock dict, a streamed answer) gets
a `TokenUsage`, a small stdlib object with `prompt_tokens`, `completion_tokens`
and `total_tokens`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_INPUT_KEYS = ("prompt_tokens", "input_tokens", "inputTokens", "prompt_token_count")
_OUTPUT_KEYS = ("completion_tokens", "output_tokens", "outputTokens", "candidates_token_count")
_TOTAL_KEYS = ("total_tokens", "totalTokens", "total_token_count")


class TokenUsage:
    """Token counts of a provider that has no usage object of its own."""

    __slots__ = ("prompt_tokens", "completion_tokens", "total_tokens")

    def __init__(self, prompt_tokens: int = 0, completion_tokens: int = 0, total_tokens: int | None = None) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.total_tokens = prompt_tokens + completion_tokens if total_tokens is None else total_tokens

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> TokenUsage:
        """From a handler's counts (`prompt_tokens`, `input_tokens`, `inputTokens`...)."""
        prompt = sum(counts.get(key, 0) for key in _INPUT_KEYS)
        completion = sum(counts.get(key, 0) for key in _OUTPUT_KEYS)
        total = next((counts[key] for key in _TOTAL_KEYS if key in counts), None)
        return cls(prompt, completion, total)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUsage) and (
            (self.prompt_tokens, self.completion_tokens, self.total_tokens)
            == (other.prompt_tokens, other.completion_tokens, other.total_tokens)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"TokenUsage(prompt_tokens={self.prompt_tokens}, completion_tokens={self.completion_tokens}, "
                f"total_tokens={self.total_tokens})")


def usage_object(response: Any) -> Any:
    """The provider's usage object of `response`, or None (no usage, a plain dict, or anything that is not
    an SDK's usage model, such as a test's `unittest.mock.Mock`)."""
    if isinstance(response, Mapping):
        return None
    usage = getattr(response, "usage", None)
    return usage if hasattr(type(usage), "__pydantic_fields__") else None


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None or isinstance(a, bool):
        return a
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return a + b
    fields = getattr(type(a), "model_fields", None)
    if fields is not None and type(b) is type(a):
        updates = {name: _add(getattr(a, name, None), getattr(b, name, None)) for name in fields}
        return a.model_copy(update={k: v for k, v in updates.items() if v is not None})
    return a


def total_usage(objects: Sequence[Any], counts: Mapping[str, int]) -> Any:
    """The attempts' usage objects summed (a copy of the first), or a `TokenUsage` of `counts`."""
    if objects and all(o is not None for o in objects) and hasattr(objects[0], "model_copy"):
        total = objects[0].model_copy()
        for usage in objects[1:]:
            total = _add(total, usage)
        return total
    return TokenUsage.from_counts(counts)


__all__ = ["TokenUsage", "total_usage", "usage_object"]
