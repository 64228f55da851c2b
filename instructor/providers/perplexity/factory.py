"""`from_perplexity`: wrap an OpenAI SDK client pointed at Perplexity, or build one from a model name."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers.openai.factory import from_compatible
from instructor.providers.perplexity.config import CONFIG


def from_perplexity(
    client: Any,
    mode: Mode = Mode.MD_JSON,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `openai.OpenAI` / `AsyncOpenAI` client whose base URL is Perplexity's.

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: a mode Perplexity serves (default `Mode.MD_JSON`); deprecated aliases map with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call.

    Raises:
        UnsupportedModeError: (a `ModeError`) `mode` is not one Perplexity serves.
        ClientError: (also a TypeError) the client is not an OpenAI SDK client.

    Example:
        >>> client = instructor.from_perplexity(openai.OpenAI(base_url='https://api.perplexity.ai', api_key=...), model=...)
    """
    return from_compatible(CONFIG, client, mode, model, caller="from_perplexity", **kwargs)
