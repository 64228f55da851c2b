"""Builds MyProvider clients: the openai SDK pointed at MyProvider's base URL.

Only instructor's public API is used (`from_openai`), as any plugin would.
"""

from __future__ import annotations

from typing import Any

import instructor


def create_client(
    config: instructor.ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: instructor.Mode,
    **kwargs: Any,
) -> instructor.Instructor | instructor.AsyncInstructor:
    """The `ProviderFactory` instructor calls once it has checked the SDK, the key and the mode."""
    import openai

    cls = openai.AsyncOpenAI if async_client else openai.OpenAI
    base_url = kwargs.pop("base_url", None) or config.base_url
    client = cls(api_key=api_key, base_url=base_url)
    return instructor.from_openai(client, mode=mode, model=model, provider=config.name, **kwargs)
