"""`BatchRequest`: one request of a batch, written as its provider's JSONL line."""

from __future__ import annotations

import io
import json
from typing import IO, Any

from pydantic import BaseModel, ConfigDict

from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

PROVIDERS = ("openai", "anthropic")


def provider_module(provider: str) -> Any:
    """The module that knows `provider`'s batch API (`instructor.batch.openai` / `.anthropic`)."""
    from instructor.core.exceptions import ConfigurationError

    if provider == "openai":
        from instructor.batch import openai as module
    elif provider == "anthropic":
        from instructor.batch import anthropic as module  # type: ignore[no-redef]
    else:
        raise ConfigurationError(
            f"Unsupported provider: {provider!r}. Batch jobs run on {' or '.join(map(repr, PROVIDERS))}; "
            "write the model as 'openai/<model>' or 'anthropic/<model>'."
        )
    return module


class BatchRequest(BaseModel):
    """One request of a batch: the messages, the model to answer with, and the response model.

    Examples:
        >>> request = BatchRequest(custom_id="request-0", model="gpt-4o-mini", response_model=User,
        ...                        messages=[{"role": "user", "content": "Jason is 25"}])
        >>> request.to_openai_format()["body"]["response_format"]["type"]
        'json_schema'
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    custom_id: str
    messages: list[dict[str, Any]]
    response_model: type[BaseModel]
    model: str
    max_tokens: int | None = 1000
    temperature: float | None = 0.1
    mode: Mode | None = None

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": list(self.messages)}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    def to_format(self, provider: str) -> dict[str, Any]:
        """This request as one line of `provider`'s batch input ("openai" or "anthropic")."""
        module = provider_module(provider)
        line: dict[str, Any] = module.request_line(self.custom_id, self._body(), self.response_model, self.mode)
        return line

    def to_openai_format(self) -> dict[str, Any]:
        """The line of an OpenAI batch input file (`/v1/chat/completions`)."""
        return self.to_format("openai")

    def to_anthropic_format(self) -> dict[str, Any]:
        """The request of an Anthropic message batch (`custom_id` and `params`)."""
        return self.to_format("anthropic")

    def save_to_file(self, file_path_or_buffer: str | IO[bytes] | IO[str], provider: str) -> None:
        """Append this request's line to a JSONL file (or write it to a buffer)."""
        line = json.dumps(self.to_format(provider), ensure_ascii=False) + "\n"
        if isinstance(file_path_or_buffer, str):
            with open(file_path_or_buffer, "a", encoding="utf-8") as handle:
                handle.write(line)
        elif isinstance(file_path_or_buffer, io.TextIOBase):
            file_path_or_buffer.write(line)
        else:
            file_path_or_buffer.write(line.encode("utf-8"))  # type: ignore[arg-type]
