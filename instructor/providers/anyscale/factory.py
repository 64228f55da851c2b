"""`from_anyscale`: wrap an OpenAI SDK client pointed at Anyscale, or build one from a model name."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers.anyscale.config import CONFIG
from instructor.providers.openai.factory import from_compatible


def from_anyscale(
    model_or_client: Any,
    mode: Mode = Mode.TOOLS,
    model: str | None = None,
    async_client: bool = False,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `openai.OpenAI` / `AsyncOpenAI` client whose base URL is Anyscale's, or build one from a model name.

    Args:
        model_or_client: a model name (built through `from_provider("anyscale/<name>")`, which reads
            the key from the environment) or an OpenAI SDK client.
        mode: a mode Anyscale serves (default `Mode.TOOLS`); deprecated aliases map with a warning.
        model: the default model of every request.
        async_client: with a model name, build an `AsyncInstructor`.
        **kwargs: defaults for every `create` call (or, with a model name, `from_provider` options).

    Raises:
        UnsupportedModeError: (a `ModeError`) `mode` is not one Anyscale serves.
        ClientError: (also a TypeError) the client is not an OpenAI SDK client.

    Example:
        >>> client = instructor.from_anyscale(openai.OpenAI(base_url='https://api.endpoints.anyscale.com/v1', api_key=...), model=...)
    """
    return from_compatible(CONFIG, model_or_client, mode, model, async_client=async_client, caller="from_anyscale", **kwargs)
