"""JSON asked for as plain text: the prompt that describes the schema, and reading the answer.

Models asked for JSON in a prompt sometimes wrap it in a ```json fence or in a
sentence; `validate_json_text` reads a whole answer either way, and
`JsonTextFilter` does the same for a stream, so that only the JSON reaches the
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
from pydantic_core import to_json

from instructor.core.handler import StreamDelta

__lazy_modules__ = ["pydantic", "pydantic_core"]  # PEP 810: lazy on Pythons that support it

JSON_INSTRUCTIONS = (
    "As a genius expert, your task is to understand the content and provide the parsed objects "
    "in json that match the following json_schema:\n\n{schema}\n\n"
    "Make sure to return an instance of the JSON, not the schema itself."
)

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


def validate_object(
    model: type[BaseModel], data: Any, context: Any = None, strict: bool | None = None
) -> Any:
    """Validate a tool input that arrived as an object (Bedrock's `toolUse.input`, Gemini's
    `functionCall.args`) as if it had arrived as JSON text, which it was on the wire.

    Under `strict=True` pydantic's python mode refuses an Enum's value and a date's ISO
    string, which is all JSON can carry; its JSON mode takes them (and still refuses "25"
    for an int), so strict means the same for every provider. Serialised by pydantic_core
    (about a third of `json.dumps`'s cost); JSON text (a streamed attempt's) is used as is.
    """
    if isinstance(data, (str, bytes)):
        text = data
    else:
        try:
            text = to_json(data, inf_nan_mode="constants")
        except ValueError:  # a lone surrogate: only json.dumps writes it
            import json

            text = json.dumps(data, ensure_ascii=False)
    return model.model_validate_json(text, context=context, strict=strict)


def partial_object(text: str) -> dict[str, Any]:
    """A tool call's arguments streamed as JSON text, as the object a re-ask sends back: as far as
    they arrived (a stream cut early keeps what it had), `{}` when they are no object."""
    from pydantic_core import from_json

    try:
        value = from_json(text or "{}", allow_partial=True)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_START = re.compile(r"```|[{\[]")  # before the JSON: a fence, or the opening bracket
_IN_STRING = re.compile(r'["\\]')  # inside a JSON string only its end and escapes matter
_OUTSIDE = re.compile(r'["{}\[\]`]')  # outside one: brackets, a string's start, a fence


class JsonTextFilter:
    """Keeps only the first JSON object or array of a streamed text answer, fragment by fragment.

    Models asked for JSON in a prompt wrap it in prose or a ```json fence. Drops what comes
    before the opening bracket (prose, fences, a fence's language tag) and what comes after
    the value: its closing bracket ends it, and so does a closing fence when the JSON was
    fenced (a value cut short inside its fence is not completed by the prose after it).
    Strings and escapes are tracked, so brackets and backticks inside strings are data;
    a fence or an escape split across two fragments is handled. One filter per stream.

    Example:
        >>> f = JsonTextFilter()
        >>> [f.feed(t) for t in ('Sure:\\n``', '`json\\n{"a": "}', '"}\\n```')]
        ['', '{"a": "}', '"}']
    """

    __slots__ = ("pending", "fenced", "started", "done", "depth", "in_string", "escaped")

    def __init__(self) -> None:
        self.pending = ""  # before the JSON: backticks that may be the start of a fence
        self.fenced = False  # inside a ``` fence (an odd number of fences seen before the JSON)
        self.started = False
        self.done = False
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def feed(self, text: str) -> str:
        """The part of `text` that belongs to the JSON value ("" when none does)."""
        if self.done:
            return ""
        if not self.started:
            text = self.pending + text
            match, scanned = _START.search(text), 0
            while match is not None and match.group() == "```":
                self.fenced, scanned = not self.fenced, match.end()
                match = _START.search(text, scanned)
            if match is None:
                tail = text[max(len(text) - 2, scanned) :]
                self.pending = tail[len(tail.rstrip("`")) :]
                return ""
            self.started, self.pending = True, ""
            text = text[match.start() :]
        return self._value(text)

    def _value(self, text: str) -> str:
        depth, in_string = self.depth, self.in_string
        pos = 0
        if self.escaped and text:
            self.escaped, pos = False, 1  # the character after a backslash that ended the last fragment
        while True:
            match = (_IN_STRING if in_string else _OUTSIDE).search(text, pos)
            if match is None:
                break
            at = match.start()
            char = text[at]
            pos = at + 1
            if in_string:
                if char == "\\":
                    if pos == len(text):
                        self.escaped = True
                        break
                    pos += 1
                else:
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "{" or char == "[":
                depth += 1
            elif char == "`":
                if self.fenced:  # the closing fence: the JSON, complete or not, ended before it
                    self.done = True
                    return text[:at]
            else:
                depth -= 1
                if depth == 0:
                    self.done = True
                    return text[:pos]
        self.depth, self.in_string = depth, in_string
        return text


class StateReader:
    """A `ChunkReader` over a handler's `deltas(chunk, state)`, for handlers that keep their
    reading state in a dict: "finished" (set on the provider's finish signal), "calls"
    (tool calls seen) and "filter" (a `JsonTextFilter` for text answers); `noted(state, response)`,
    when given, writes what the handler noted there into the attempt's `StreamedResponse`
    once the stream is over (`fill`)."""

    __slots__ = ("_deltas", "_unfinished", "_noted", "state")

    def __init__(
        self,
        deltas: Callable[[Any, dict[str, Any]], Iterable[StreamDelta]],
        unfinished: Callable[[], Exception],
        noted: Callable[[dict[str, Any], Any], None] | None = None,
    ) -> None:
        self._deltas = deltas
        self._unfinished = unfinished
        self._noted = noted
        self.state: dict[str, Any] = {"calls": 0, "finished": False, "filter": JsonTextFilter()}

    def feed(self, chunk: Any) -> Iterable[StreamDelta]:
        return self._deltas(chunk, self.state)

    def end(self) -> None:
        if not self.state["finished"]:
            raise self._unfinished()

    def fill(self, response: Any) -> None:
        if self._noted is not None:
            self._noted(self.state, response)
