"""`from_openrouter`: wrap an OpenAI SDK client pointed at OpenRouter, or build one from a model name."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers.openai.factory import from_compatible
from instructor.providers.openrouter.config import CONFIG


def from_openrouter(
    client: Any,
    mode: Mode = Mode.TOOLS,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `openai.OpenAI` / `AsyncOpenAI` client whose base URL is OpenRouter's.

    Args:
        client: the SDK client; its async-ness picks `Instructor` or `AsyncInstructor`.
        mode: a mode OpenRouter serves (default `Mode.TOOLS`); deprecated aliases map with a warning.
        model: the default model of every request.
        **kwargs: defaults for every `create` call.

    Raises:
        UnsupportedModeError: (a `ModeError`) `mode` is not one OpenRouter serves.
        ClientError: (also a TypeError) the client is not an OpenAI SDK client.

    Example:
        >>> client = instructor.from_openrouter(openai.OpenAI(base_url='https://openrouter.ai/api/v1', api_key=...), model=...)
    """
    return from_compatible(CONFIG, client, mode, model, caller="from_openrouter", **kwargs)
