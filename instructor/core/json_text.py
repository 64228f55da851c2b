"""JSON asked for as plain text: the prompt that describes the schema, and reading the answer.

Models asked for JSON in a prompt sometimes wrap it in a ```json fence or in a
sentence; `validate_json_text` reads a whole answer either way, and
`JSONTextFilter` does the same for a stream, so that only the JSON reaches the
partial parser.

Shared by every provider's JSON mode that puts the schema in a system prompt
(Anthropic, Bedrock...). Stdlib and pydantic only: no provider SDK.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from instructor.core.mode_registry import StreamDelta

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

JSON_INSTRUCTIONS = (
    "As a genius expert, your task is to understand the content and provide the parsed objects "
    "in json that match the following json_schema:\n\n{schema}\n\n"
    "Make sure to return an instance of the JSON, not the schema itself."
)
REASK_JSON = "Correct your JSON ONLY RESPONSE, based on the following errors:\n{error}"

_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


@functools.cache
def json_instructions(model: type[BaseModel]) -> str:
    """The system prompt that asks for an instance of `model` as JSON (cached per model)."""
    from instructor.core.schema import schema_json

    return JSON_INSTRUCTIONS.format(schema=schema_json(model))


def extract_json_text(text: str) -> str:
    """The JSON inside a ```json fence, or the outermost {...} / [...] of `text`."""
    match = _FENCE.search(text)
    if match:
        return match.group(1)
    starts = [i for i in (text.find("{"), text.find("[")) if i != -1]
    if not starts:
        return text
    start = min(starts)
    end = max(text.rfind("}"), text.rfind("]"))
    return text[start : end + 1] if end > start else text[start:]


def validate_json_text(
    model: type[BaseModel], text: str, context: Any = None, strict: bool | None = None
) -> Any:
    """Validate `text` as `model`; when it is not bare JSON, retry on the JSON found inside it."""
    try:
        return model.model_validate_json(text, context=context, strict=strict)
    except ValueError:
        extracted = extract_json_text(text)
        if extracted == text:
            raise
        return model.model_validate_json(extracted, context=context, strict=strict)


class JSONTextFilter:
    """Keeps only the first JSON object or array of a streamed text, fragment by fragment.

    Drops what comes before its opening bracket (prose, a ```json fence) and what
    comes after its closing one, tracking strings and escapes so brackets inside
    strings do not count. One filter per stream.

    Example:
        >>> f = JSONTextFilter()
        >>> [f.feed(t) for t in ('```json\\n{"a": "}', '"}\\n```')]
        ['{"a": "}', '"}']
    """

    __slots__ = ("depth", "in_string", "escaped", "started", "done")

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escaped = False
        self.started = False
        self.done = False

    def feed(self, text: str) -> str:
        """The part of `text` that belongs to the JSON value ("" when none does)."""
        if self.done:
            return ""
        start = 0
        if not self.started:
            found = [i for i in (text.find("{"), text.find("[")) if i != -1]
            if not found:
                return ""
            start = min(found)
            self.started = True
        depth, in_string, escaped = self.depth, self.in_string, self.escaped
        for i in range(start, len(text)):
            char = text[i]
            if in_string:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    self.done = True
                    return text[start : i + 1]
        self.depth, self.in_string, self.escaped = depth, in_string, escaped
        return text[start:]


class StateReader:
    """A `ChunkReader` over a handler's `deltas(chunk, state)`, for handlers that keep their
    reading state in a dict: "finished" (set on the provider's finish signal), "calls"
    (tool calls seen) and "filter" (a `JSONTextFilter` for text answers)."""

    __slots__ = ("_deltas", "_unfinished", "state")

    def __init__(
        self,
        deltas: Callable[[Any, dict[str, Any]], Iterable[StreamDelta]],
        unfinished: Callable[[], Exception],
    ) -> None:
        self._deltas = deltas
        self._unfinished = unfinished
        self.state: dict[str, Any] = {"calls": 0, "finished": False, "filter": JSONTextFilter()}

    def feed(self, chunk: Any) -> Iterable[StreamDelta]:
        return self._deltas(chunk, self.state)

    def end(self) -> None:
        if not self.state["finished"]:
            raise self._unfinished()
