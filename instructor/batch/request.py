"""`BatchRequest`: one request of a batch, written as its provider's JSONL line."""

from __future__ import annotations

import io
import json
import os
from typing import IO, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from instructor.batch.providers import provider_module
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

T = TypeVar("T", bound=BaseModel)


def line_body(model: str, messages: list[Any], max_tokens: int | None, temperature: float | None) -> dict[str, Any]:
    """What every request of a batch starts from (the provider's module drops what it does not send)."""
    return {"model": model, "messages": list(messages), "max_tokens": max_tokens, "temperature": temperature}


class BatchRequest(BaseModel, Generic[T]):
    """One request of a batch: the messages, the model to answer with, and the response model.

    `BatchRequest[User]` only narrows what `response_model` accepts (`User` or a
    subclass); the line is built from the class given.

    Examples:
        >>> request = BatchRequest[User](custom_id="request-0", model="gpt-4o-mini", response_model=User,
        ...                              messages=[{"role": "user", "content": "Jason is 25"}])
        >>> request.to_openai_format()["body"]["response_format"]["type"]
        'json_schema'
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    custom_id: str
    messages: list[dict[str, Any]]
    response_model: type[T]
    model: str
    max_tokens: int | None = 1000
    temperature: float | None = 0.1
    mode: Mode | None = None

    def to_format(self, provider: str) -> dict[str, Any]:
        """This request as one line of `provider`'s batch input ("openai" or "anthropic")."""
        module = provider_module(provider)
        body = line_body(self.model, self.messages, self.max_tokens, self.temperature)
        line: dict[str, Any] = module.request_line(self.custom_id, body, self.response_model, self.mode)
        return line

    def to_openai_format(self) -> dict[str, Any]:
        """The line of an OpenAI batch input file (`/v1/chat/completions`)."""
        return self.to_format("openai")

    def to_anthropic_format(self) -> dict[str, Any]:
        """The request of an Anthropic message batch (`custom_id` and `params`)."""
        return self.to_format("anthropic")

    def save_to_file(self, file_path_or_buffer: str | os.PathLike[str] | IO[bytes] | IO[str], provider: str) -> None:
        """Append this request's line to a JSONL file, or write it to a buffer (bytes or text).

        Raises:
            ConfigurationError: `provider` is not "openai" or "anthropic" (a `ValueError`;
                nothing is written).
            ValueError: `file_path_or_buffer` is neither a path nor a writable buffer.
        """
        line = json.dumps(self.to_format(provider), ensure_ascii=False) + "\n"
        target = file_path_or_buffer
        if isinstance(target, (str, os.PathLike)):
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(line)
        elif isinstance(target, io.TextIOBase):
            target.write(line)
        elif callable(getattr(target, "write", None)):
            target.write(line.encode("utf-8"))  # type: ignore[arg-type]
        else:
            raise ValueError(
                f"save_to_file writes to a file path or a buffer, got {type(target).__name__}: {target!r}. "
                "Pass a path such as 'batch.jsonl', or an io.BytesIO."
            )
