"""Mode handlers of Mistral's chat API, reading the mistralai SDK's objects by attribute.

MISTRAL_TOOLS declares one function whose parameters are the model's schema and
makes Mistral call a tool (`tool_choice="any"`). MISTRAL_STRUCTURED_OUTPUTS asks
for JSON text under a strict `json_schema` response format. (MD_JSON, which
Mistral also supports, is the OpenAI-format handler: Mistral's completion has
OpenAI's shape.) Message content may be a string or a list of chunks (text,
thinking); only text counts as the answer. Mistral streams a tool call whole, in
one chunk; the factory hands the handlers each event's `data` (a chunk).
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.content_text import answer_text as text_of
from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
from instructor.core.handler import REASK_JSON, REASK_TOOL, StreamDelta, aread_stream, read_stream
from instructor.core.json_text import StateReader, validate_json_text, validate_object
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

#: finish reasons that mean the answer was cut off
INCOMPLETE = frozenset({"length", "model_length"})


@functools.cache
def mistral_tool(model: type[BaseModel]) -> dict[str, Any]:
    """The `tools=[...]` entry for `model` (cached per model)."""
    return {"type": "function", "function": {
        "name": schema.tool_name(model),
        "description": schema.description(model),
        "parameters": schema.parameters_schema(model),
    }}


@functools.cache
def mistral_response_format(model: type[BaseModel]) -> dict[str, Any]:
    """The strict `json_schema` response format for `model` (cached per model)."""
    return {"type": "json_schema", "json_schema": {
        "name": schema.tool_name(model),
        "schema": schema.strict_schema(model),
        "strict": True,
    }}


def _arguments(call: Any) -> str:
    arguments = call.function.arguments
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def _incomplete(finish: str, received: str | None, completion: Any) -> IncompleteOutputException:
    return IncompleteOutputException(
        f"The output is incomplete: Mistral stopped with finish_reason={finish!r} before the object "
        "was complete. Raise max_tokens, or ask for a smaller object.",
        last_completion=completion,
        received=received,
    )


def _checked_message(response: Any) -> Any:
    choices = getattr(response, "choices", None)
    if not choices:
        raise IndexError("Mistral's completion has no choices: the provider sent no answer to read. "
                         "Check the provider's status or content filters (the raw completion is the failed attempt's).")
    choice = choices[0]
    message = choice.message
    if choice.finish_reason in INCOMPLETE:
        received = text_of(message.content) + "".join(_arguments(c) for c in message.tool_calls or [])
        raise _incomplete(choice.finish_reason, received, response)
    if choice.finish_reason == "error":
        raise ResponseParsingError("Mistral stopped with finish_reason='error'.", raw_response=response)
    return message


class MistralHandler:
    """What both Mistral modes share: usage, the assistant turn, streams."""

    tools = False

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    def usage(self, response: Any) -> Mapping[str, int]:
        usage = getattr(response, "usage", None)
        if usage is None:
            return {}
        counts = {}
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            value = getattr(usage, key, None)
            if isinstance(value, int):
                counts[key] = value
        return counts

    @staticmethod
    def assistant_turn(response: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The assistant message to send back, and its tool calls as (id, name)."""
        if hasattr(response, "texts") and not hasattr(response, "choices"):  # a StreamedResponse
            return _streamed_turn(response)
        message = response.choices[0].message
        turn: dict[str, Any] = {"role": "assistant", "content": text_of(message.content)}
        calls = []
        if message.tool_calls:
            turn["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": _arguments(c)}}
                for c in message.tool_calls
            ]
            calls = [(c.id, c.function.name) for c in message.tool_calls]
        return turn, calls

    # -- streaming ----------------------------------------------------------------------
    def _deltas(self, chunk: Any, state: dict[str, Any]) -> Iterator[StreamDelta]:
        if "id" not in state:
            state["id"], state["model"], state["ids"] = getattr(chunk, "id", None), getattr(chunk, "model", None), {}
        for choice in getattr(chunk, "choices", None) or ():
            delta = choice.delta
            if self.tools:
                for call in getattr(delta, "tool_calls", None) or ():
                    index = call.index if isinstance(call.index, int) else state["calls"]
                    state["calls"] = index + 1
                    if isinstance(getattr(call, "id", None), str):
                        state["ids"][index] = call.id
                    yield StreamDelta(_arguments(call), index, call.function.name or None)
                text = text_of(getattr(delta, "content", None))
                if text:  # text beside the calls: kept for the re-ask's turn
                    state.setdefault("text", []).append(text)
            else:
                piece = state["filter"].feed(text_of(getattr(delta, "content", None)))
                if piece:
                    yield StreamDelta(piece)
            finish = choice.finish_reason
            if finish in INCOMPLETE:
                raise _incomplete(finish, None, chunk)
            if finish == "error":
                raise ResponseParsingError("Mistral's stream stopped with finish_reason='error'.",
                                           raw_response=chunk)
            if finish:
                state["finished"], state["finish"] = True, finish

    @staticmethod
    def _unfinished() -> IncompleteOutputException:
        return IncompleteOutputException(
            "The output is incomplete: Mistral's stream ended without a finish reason. "
            "Retry the request; raise the timeout if the connection was cut."
        )

    @staticmethod
    def _noted(state: dict[str, Any], response: Any) -> None:
        """Write what the stream's reading noted into its `StreamedResponse` (`StateReader.fill`)."""
        response.id, response.model, response.finish_reason = state.get("id"), state.get("model"), state.get("finish")
        response.ids.update(state.get("ids") or {})
        if state.get("text"):
            response.turn = {"content": "".join(state["text"])}

    def iter_stream(self, stream: Iterable[Any]) -> Iterator[StreamDelta]:
        return read_stream(stream, StateReader(self._deltas, self._unfinished, self._noted))

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        return aread_stream(stream, StateReader(self._deltas, self._unfinished, self._noted))


def _streamed_turn(streamed: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The assistant message a streamed attempt (`StreamedResponse`) adds up to, and its tool calls as
    (id, name): a text answer's JSON, or each call's arguments with the text written beside them."""
    names, ids = streamed.names, streamed.ids
    calls = [(ids.get(index) or f"call_{index}", names.get(index) or "", text)
             for index, text in streamed.texts.items() if names.get(index)]
    beside = (streamed.turn or {}).get("content", "")
    if not calls:
        return {"role": "assistant", "content": beside or streamed.text}, []
    turn: dict[str, Any] = {"role": "assistant", "content": beside,
                            "tool_calls": [{"id": call_id, "type": "function",
                                            "function": {"name": name, "arguments": arguments}}
                                           for call_id, name, arguments in calls]}
    return turn, [(call_id, name) for call_id, name, _ in calls]


class ToolsHandler(MistralHandler):
    """MISTRAL_TOOLS: the model's schema as the one tool Mistral must call."""

    tools = True

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        request["tools"] = [mistral_tool(response_model)]
        request["tool_choice"] = "any"
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        message = _checked_message(response)
        name = schema.tool_name(response_model)
        calls = message.tool_calls or []
        if calls:  # the first call is the answer; a call of a tool nobody offered makes it invalid
            schema.check_calls((call.function.name for call in calls), name, response)
            # the arguments may come as an object: validated as the JSON text they were on the wire
            return validate_object(response_model, calls[0].function.arguments, context, strict)
        raise ResponseParsingError(f"Mistral answered without calling the tool {name!r}.", raw_response=response)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages") or [])
        turn, calls = self.assistant_turn(response)
        messages.append(turn)
        if calls:
            messages.extend({"role": "tool", "tool_call_id": call_id, "name": name,
                             "content": REASK_TOOL.format(error=error)} for call_id, name in calls)
        else:
            messages.append({"role": "user", "content": f"{error}\nCall the tool with arguments that match "
                                                        "its schema."})
        request["messages"] = messages
        return request


class StructuredOutputsHandler(MistralHandler):
    """MISTRAL_STRUCTURED_OUTPUTS: JSON text under a strict `json_schema` response format."""

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        request["response_format"] = mistral_response_format(response_model)
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        text = text_of(_checked_message(response).content)
        if not text.strip():
            raise ResponseParsingError("Mistral returned no text to read as JSON.", raw_response=response)
        return validate_json_text(response_model, text, context, strict)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        turn, _ = self.assistant_turn(response)
        turn.pop("tool_calls", None)
        request["messages"] = [*(request.get("messages") or []), turn,
                               {"role": "user", "content": REASK_JSON.format(error=error)}]
        return request


MISTRAL_TOOLS = ToolsHandler(Mode.MISTRAL_TOOLS)
MISTRAL_STRUCTURED_OUTPUTS = StructuredOutputsHandler(Mode.MISTRAL_STRUCTURED_OUTPUTS)

# the core modes Mistral serves with its own handlers (MD_JSON is the OpenAI format's)
TOOLS = ToolsHandler(Mode.TOOLS)
JSON_SCHEMA = StructuredOutputsHandler(Mode.JSON_SCHEMA)
