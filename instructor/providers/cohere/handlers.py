"""Mode handlers of Cohere's v2 chat API, reading the cohere SDK's objects by attribute.

COHERE_TOOLS declares one function whose parameters are the model's schema and
requires a tool call (`tool_choice="REQUIRED"`). COHERE_JSON_SCHEMA asks for JSON
text constrained by the schema (`response_format={"type": "json_object",
"json_schema": ...}`). Re-asking follows Cohere's conversation rules: the
assistant turn goes back with its `tool_plan` and `tool_calls`, then one `tool`
message per call carrying the validation error (or a user turn for JSON).
Streams are Cohere's typed events: `content-delta`, `tool-call-start` /
`tool-call-delta`, and `message-end` with the finish reason and usage.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
from instructor.core.handler import REASK_JSON, REASK_TOOL, StreamDelta, aread_stream, read_stream
from instructor.core.json_text import (
    StateReader,
    json_instructions,
    validate_json_text,
)
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

FAILED = frozenset({"ERROR", "TIMEOUT"})
MD_JSON_REMINDER = "Return the correct JSON response within a ```json codeblock. not the JSON_SCHEMA"


@functools.cache
def cohere_tool(model: type[BaseModel]) -> dict[str, Any]:
    """The `tools=[...]` entry for `model` (cached per model)."""
    return {"type": "function", "function": {
        "name": schema.tool_name(model),
        "description": schema.description(model),
        "parameters": schema.parameters_schema(model),
    }}


def with_system(messages: list[Any], text: str) -> list[Any]:
    """`messages` with `text` added to the leading system message (one is inserted when there is none)."""
    first = messages[0] if messages else None
    if isinstance(first, Mapping) and first.get("role") == "system" and isinstance(first.get("content"), str):
        return [{**first, "content": f"{first['content']}\n\n{text}"}, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]


def _text(content: Any) -> str:
    """The text items of a Cohere message's content (thinking left out)."""
    if content is None or isinstance(content, str):
        return content or ""
    return "".join(getattr(item, "text", None) or "" for item in content if getattr(item, "type", "text") == "text")


def _incomplete(received: str | None, completion: Any) -> IncompleteOutputException:
    return IncompleteOutputException(
        "The output is incomplete: Cohere stopped with finish_reason='MAX_TOKENS' before the object "
        "was complete. Raise max_tokens, or ask for a smaller object.",
        last_completion=completion,
        received=received,
    )


def _failed(finish: str, completion: Any) -> ResponseParsingError:
    return ResponseParsingError(f"Cohere stopped with finish_reason={finish!r} and no usable answer.",
                                raw_response=completion)


def _checked_message(response: Any) -> Any:
    message = getattr(response, "message", None)
    if message is None:
        raise ResponseParsingError("Cohere's response has no message.", raw_response=response)
    finish = response.finish_reason
    if finish == "MAX_TOKENS":
        received = _text(message.content) + "".join(c.function.arguments or "" for c in message.tool_calls or [])
        raise _incomplete(received, response)
    if finish in FAILED:
        raise _failed(finish, response)
    return message


class CohereHandler:
    """What both Cohere modes share: usage, the assistant turn, streams."""

    tools = False

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    def usage(self, response: Any) -> Mapping[str, int]:
        """Cohere's token counts (`input_tokens`, `output_tokens`), of a response or a `message-end` event."""
        usage = getattr(response, "usage", None)
        if usage is None and getattr(response, "type", None) == "message-end":
            usage = getattr(response.delta, "usage", None)
        tokens = getattr(usage, "tokens", None) or getattr(usage, "billed_units", None)
        if tokens is None:
            return {}
        counts = {}
        for key in ("input_tokens", "output_tokens"):
            value = getattr(tokens, key, None)
            if value is not None:
                counts[key] = int(value)
        return counts

    @staticmethod
    def assistant_turn(response: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The assistant message to send back, and its tool calls as (id, name)."""
        if hasattr(response, "texts") and not hasattr(response, "message"):  # a StreamedResponse
            return _streamed_turn(response)
        message = response.message
        calls = message.tool_calls or []
        turn: dict[str, Any] = {"role": "assistant"}
        if calls:
            turn["tool_plan"] = message.tool_plan or ""
            turn["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.function.name,
                                                              "arguments": c.function.arguments or ""}}
                for c in calls
            ]
        else:
            turn["content"] = _text(message.content)
        return turn, [(c.id, c.function.name) for c in calls]

    # -- streaming ----------------------------------------------------------------------
    def _deltas(self, event: Any, state: dict[str, Any]) -> Iterator[StreamDelta]:
        kind = getattr(event, "type", None)
        if kind == "content-delta":
            text = getattr(event.delta.message.content, "text", None) or ""
            if not self.tools:
                piece = state["filter"].feed(text)
                if piece:
                    yield StreamDelta(piece)
            elif text:  # text beside the calls: kept for the re-ask's turn
                state.setdefault("text", []).append(text)
        elif kind in ("tool-call-start", "tool-call-delta") and self.tools:
            call = event.delta.message.tool_calls
            function = call.function
            name = getattr(function, "name", None) if kind == "tool-call-start" else None
            if name and isinstance(getattr(call, "id", None), str):
                state.setdefault("ids", {})[event.index or 0] = call.id
            if function.arguments or name:
                yield StreamDelta(function.arguments or "", event.index or 0, name)
        elif kind == "tool-plan-delta":
            state.setdefault("plan", []).append(event.delta.message.tool_plan or "")
        elif kind == "message-start":
            state["id"] = getattr(event, "id", None)
        elif kind == "message-end":
            finish = event.delta.finish_reason
            if finish == "MAX_TOKENS":
                raise _incomplete(None, event)
            if finish in FAILED:
                raise _failed(finish, event)
            state["finished"], state["finish"] = True, finish

    @staticmethod
    def _noted(state: dict[str, Any], response: Any) -> None:
        """Write what the stream's reading noted into its `StreamedResponse` (`StateReader.fill`)."""
        response.id, response.finish_reason = state.get("id"), state.get("finish")
        response.ids.update(state.get("ids") or {})
        turn = {key: "".join(state[key]) for key in ("text", "plan") if state.get(key)}
        if turn:
            response.turn = turn

    @staticmethod
    def _unfinished() -> IncompleteOutputException:
        return IncompleteOutputException(
            "The output is incomplete: Cohere's stream ended without a message-end event. "
            "Retry the request; raise the timeout if the connection was cut."
        )

    def iter_stream(self, stream: Iterable[Any]) -> Iterator[StreamDelta]:
        return read_stream(stream, StateReader(self._deltas, self._unfinished, self._noted))

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        return aread_stream(stream, StateReader(self._deltas, self._unfinished, self._noted))


def _streamed_turn(streamed: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The assistant message a streamed attempt (`StreamedResponse`) adds up to, and its tool calls as
    (id, name): a text answer's JSON, or the tool plan and each call's arguments."""
    turn = streamed.turn or {}
    names, ids = streamed.names, streamed.ids
    calls: list[dict[str, Any]] = [
        {"id": ids.get(index) or f"call_{index}", "type": "function",
         "function": {"name": names.get(index) or "", "arguments": text}}
        for index, text in streamed.texts.items() if names.get(index)
    ]
    if not calls:
        return {"role": "assistant", "content": turn.get("text") or streamed.text}, []
    return ({"role": "assistant", "tool_plan": turn.get("plan", ""), "tool_calls": calls},
            [(call["id"], call["function"]["name"]) for call in calls])


class ToolsHandler(CohereHandler):
    """COHERE_TOOLS: the model's schema as the one tool Cohere must call."""

    tools = True

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        request["tools"] = [cohere_tool(response_model)]
        request["tool_choice"] = "REQUIRED"
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
            return validate_json_text(response_model, calls[0].function.arguments or "", context, strict)
        raise ResponseParsingError(f"Cohere answered without calling the tool {name!r}.", raw_response=response)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages") or [])
        turn, calls = self.assistant_turn(response)
        messages.append(turn)
        if calls:
            messages.extend({"role": "tool", "tool_call_id": call_id, "content": REASK_TOOL.format(error=error)}
                            for call_id, _ in calls)
        else:
            messages.append({"role": "user", "content": f"{error}\nCall the tool with arguments that match "
                                                        "its schema."})
        request["messages"] = messages
        return request


class JSONSchemaHandler(CohereHandler):
    """COHERE_JSON_SCHEMA: JSON text constrained by the model's JSON schema."""

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        # Cohere asks that the messages themselves request JSON, besides the response format
        request["messages"] = with_system(request.get("messages") or [], json_instructions(response_model))
        request["response_format"] = {"type": "json_object", "json_schema": schema.parameters_schema(response_model)}
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        text = _text(_checked_message(response).content)
        if not text.strip():
            raise ResponseParsingError("Cohere returned no text to read as JSON.", raw_response=response)
        return validate_json_text(response_model, text, context, strict)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        turn, _ = self.assistant_turn(response)
        if "content" not in turn:
            turn = {"role": "assistant", "content": ""}
        request["messages"] = [*(request.get("messages") or []), turn,
                               {"role": "user", "content": REASK_JSON.format(error=error)}]
        return request


class MDJSONHandler(JSONSchemaHandler):
    """MD_JSON: the schema in the system prompt, the answer in a ```json fence (no response format)."""

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        messages = with_system(request.get("messages") or [], json_instructions(response_model))
        request["messages"] = [*messages, {"role": "user", "content": MD_JSON_REMINDER}]
        return request


COHERE_TOOLS = ToolsHandler(Mode.COHERE_TOOLS)
COHERE_JSON_SCHEMA = JSONSchemaHandler(Mode.COHERE_JSON_SCHEMA)

# the core modes Cohere serves (the registry's "cohere:<mode>" entries)
TOOLS = ToolsHandler(Mode.TOOLS)
JSON_SCHEMA = JSONSchemaHandler(Mode.JSON_SCHEMA)
MD_JSON = MDJSONHandler(Mode.MD_JSON)
