"""`from_databricks`: wrap an OpenAI SDK client pointed at Databricks, or build one from a model name."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers.databricks.config import CONFIG
from instructor.providers.openai.factory import from_compatible


def from_databricks(
    model_or_client: Any,
    mode: Mode = Mode.TOOLS,
    model: str | None = None,
    async_client: bool = False,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap an `openai.OpenAI` / `AsyncOpenAI` client whose base URL is Databricks's, or build one from a model name.

    Args:
        model_or_client: a model name (built through `from_provider("databricks/<name>")`, which reads
            the key from the environment) or an OpenAI SDK client.
        mode: a mode Databricks serves (default `Mode.TOOLS`); deprecated aliases map with a warning.
        model: the default model of every request.
        async_client: with a model name, build an `AsyncInstructor`.
        **kwargs: defaults for every `create` call (or, with a model name, `from_provider` options).

    Raises:
        UnsupportedModeError: (a `ModeError`) `mode` is not one Databricks serves.
        ClientError: (also a TypeError) the client is not an OpenAI SDK client.

    Example:
        >>> client = instructor.from_databricks(openai.OpenAI(base_url='https://<workspace>/serving-endpoints', api_key=...), model=...)
    """
    return from_compatible(CONFIG, model_or_client, mode, model, async_client=async_client, caller="from_databricks", **kwargs)
