"""Mode handlers of the OpenAI Chat Completions format, shared by every API that speaks it.

OpenAI, Azure, groq, cerebras, fireworks, writer, xai, perplexity, openrouter,
together, anyscale, databricks, deepseek, ollama, litellm and Mistral's MD_JSON
all use these handlers (the mode registry's format-wide entries); a provider
that deviates subclasses them in its own folder.

TOOLS / TOOLS_STRICT force a call to one function whose parameters are the
model's schema; PARALLEL_TOOLS lets the model call several; JSON, MD_JSON and
JSON_SCHEMA ask for the object as message text, through `response_format`,
a fenced code block, or a strict JSON schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.content_text import answer_text
from instructor.core.exceptions import IncompleteOutputException, RefusalError, ResponseParsingError
from instructor.core.handler import (
    NO_USAGE,
    REASK_JSON,
    REASK_TOOL,
    StreamDelta,
    aread_stream,
    read_stream,
)
from instructor.core.json_text import (
    JsonTextFilter,
    extract_json_text,
    json_instructions,
    validate_json_text,
)
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
_USAGE_DETAILS = (("prompt_tokens_details", "cached_tokens"), ("completion_tokens_details", "reasoning_tokens"))
MD_JSON_REMINDER = "Return the correct JSON response within a ```json codeblock. not the JSON_SCHEMA"


def _first_choice(response: Any) -> Any:
    choices = getattr(response, "choices", None)
    if not choices:  # nothing to re-ask about: the call ends (an IndexError, as the published release raises)
        raise IndexError("The completion has no choices: the provider sent no answer to read. "
                         "Check the provider's status or content filters (the raw completion is the failed attempt's).")
    choice = choices[0]
    if choice.finish_reason == "length":
        message = choice.message
        received = None
        if message is not None:
            received = answer_text(message.content) or "".join(
                (c.function.arguments or "") for c in (message.tool_calls or [])
            )
        raise IncompleteOutputException(last_completion=response, received=received)
    return choice


def _assistant_message(message: Any) -> dict[str, Any]:
    dumped = message.model_dump(exclude_none=True, exclude_unset=False)
    if not isinstance(dumped, dict):  # not the SDK's message (a test's `unittest.mock.Mock`): read its fields
        dumped = _message_fields(message)
    dumped = {k: v for k, v in dumped.items() if k in ("role", "content", "tool_calls", "refusal")}
    dumped["role"] = "assistant"
    dumped.setdefault("content", "")  # as the published release echoes it
    return dumped


def _message_fields(message: Any) -> dict[str, Any]:
    """The fields of an assistant message that is not a pydantic object, as far as they are plain values."""
    content = getattr(message, "content", None)
    fields: dict[str, Any] = {"content": content if isinstance(content, str) else ""}
    calls = getattr(message, "tool_calls", None)
    if isinstance(calls, list) and calls:
        fields["tool_calls"] = [
            {"id": _plain(getattr(call, "id", None), f"call_{i}"), "type": "function",
             "function": {"name": _plain(getattr(call.function, "name", None), ""),
                          "arguments": _plain(getattr(call.function, "arguments", None), "")}}
            for i, call in enumerate(calls)
        ]
    return fields


def _plain(value: Any, default: str) -> str:
    return value if isinstance(value, str) else default


def with_stream_flags(request: dict[str, Any]) -> dict[str, Any]:
    """Ask a stream to end with its usage, unless the caller chose `stream_options` itself."""
    if request.get("stream") and "stream_options" not in request:
        request["stream_options"] = {"include_usage": True}
    return request


_new_delta = object.__new__


class _ChunkReader:
    """One stream's state: turns chat.completion.chunk objects into `StreamDelta`s.

    Tool-call arguments become deltas per call index (parallel tool calls stay
    apart), message text goes through `JsonTextFilter`. The stream must end with a
    finish reason: "length" raises `IncompleteOutputException`, "content_filter"
    and refusals `ResponseParsingError`, no finish reason at all
    `IncompleteOutputException`. It notes what the `StreamedResponse` keeps beside
    the text (`fill`): the completion's id and model, the finish reason, each tool
    call's id, and text written beside a tool call.
    """

    __slots__ = ("tools", "filter", "finish_reason", "refusal", "id", "model", "ids", "content")

    def __init__(self, tools: bool) -> None:
        self.tools = tools
        self.filter = None if tools else JsonTextFilter()
        self.finish_reason: str | None = None
        self.refusal: list[str] = []
        self.id: str | None = None
        self.model: str | None = None
        self.ids: dict[int, str] = {}
        self.content: list[str] = []  # tools: text beside the calls

    def feed(self, chunk: Any) -> list[StreamDelta]:
        out: list[StreamDelta] = []
        if self.id is None:
            self.id, self.model = getattr(chunk, "id", None), getattr(chunk, "model", None)
        for choice in getattr(chunk, "choices", None) or ():
            if choice.index:
                continue  # n > 1: the first choice is the answer
            delta = choice.delta
            if delta is not None:
                content = delta.content
                if self.tools:
                    for call in delta.tool_calls or ():
                        fn = call.function
                        if call.id:
                            self.ids[call.index] = call.id
                        if fn is not None:
                            arguments, name = fn.arguments, fn.name
                            if arguments or name:
                                # built without calling __init__ (a Python call per delta, here)
                                piece = _new_delta(StreamDelta)
                                piece.text, piece.index, piece.name = arguments or "", call.index, name
                                out.append(piece)
                    if content:
                        self.content.append(answer_text(content))
                elif content and self.filter is not None:
                    text = self.filter.feed(answer_text(content))
                    if text:
                        out.append(StreamDelta(text))
                refusal = getattr(delta, "refusal", None)
                if refusal and isinstance(refusal, str):
                    self.refusal.append(refusal)
            reason = choice.finish_reason
            if reason:
                self.finish_reason = reason
                if reason == "length":
                    raise IncompleteOutputException(
                        "The output is incomplete: the model stopped at its length limit "
                        "(finish_reason='length') while streaming. Raise max_tokens, or ask for a "
                        "smaller object; `received` holds the text that arrived.",
                    )  # the core adds what was received and the StreamedResponse
                if reason == "content_filter":
                    raise ResponseParsingError(
                        "The provider's content filter stopped the answer (finish_reason="
                        "'content_filter'). Rephrase the request.",
                    )
        return out

    def end(self) -> None:
        if self.refusal:
            raise ResponseParsingError(f"The model refused to answer: {''.join(self.refusal)}")
        if self.finish_reason is None:
            raise IncompleteOutputException(
                "The stream ended without a finish reason: the answer may be cut short, so it is not "
                "presented as complete. Retry the call; `received` holds the text that arrived."
            )

    def fill(self, response: Any) -> None:
        """Note in the attempt's `StreamedResponse` what it keeps beside the text."""
        response.id, response.model, response.finish_reason = self.id, self.model, self.finish_reason
        response.ids.update(self.ids)
        if self.content:
            response.turn = {"content": "".join(self.content)}


def _message_from_stream(response: Any, tools: bool) -> dict[str, Any]:
    """The assistant message a streamed attempt (`StreamedResponse`) adds up to, for re-asking: a
    text answer's JSON, or the tool calls (each call's arguments, name and id) and any text beside them."""
    if not tools:
        return {"role": "assistant", "content": response.text}
    message: dict[str, Any] = {"role": "assistant"}
    content = (response.turn or {}).get("content")
    if content:
        message["content"] = content
    names, ids = response.names, response.ids
    calls = [{"id": ids.get(index) or f"call_{index}", "type": "function",
              "function": {"name": names.get(index) or "", "arguments": text}}
             for index, text in response.texts.items()]
    if calls:
        message["tool_calls"] = calls
    return message


def _tool_results(calls: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """One `tool` message per call, carrying the validation error."""
    return [{"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"], "content": text}
            for call in calls]


def with_schema_instructions(messages: list[Any], text: str) -> list[Any]:
    """`messages` with the schema text in the system prompt, where the published release puts it.

    Appended to a first system message (after a blank line; to its first part's
    text when its content is a list of parts), else inserted as a new first
    system message.
    """
    out = list(messages)
    first = out[0] if out else None
    if isinstance(first, dict) and first.get("role") == "system":
        content = first.get("content")
        if isinstance(content, str):
            out[0] = {**first, "content": f"{content}\n\n{text}"}
            return out
        if isinstance(content, list) and content and isinstance(content[0], dict) and "text" in content[0]:
            part = {**content[0], "text": f"{content[0]['text']}\n\n{text}"}
            out[0] = {**first, "content": [part, *content[1:]]}
            return out
    out.insert(0, {"role": "system", "content": text})
    return out


def with_user_text(messages: list[Any], text: str) -> list[Any]:
    """`messages` ending with a user turn that asks `text`: merged into a last user message
    with string content (after a blank line), else appended as a new user message."""
    out = list(messages)
    last = out[-1] if out else None
    if isinstance(last, dict) and last.get("role") == "user" and isinstance(last.get("content"), str):
        out[-1] = {**last, "content": f"{last['content']}\n\n{text}"}
    else:
        out.append({"role": "user", "content": text})
    return out


def assistant_of(response: Any, tools: bool = True) -> dict[str, Any] | None:
    """The assistant message of a completion, or of a streamed attempt (`StreamedResponse`)."""
    if getattr(response, "choices", None):
        return _assistant_message(response.choices[0].message)
    if hasattr(response, "texts"):
        return _message_from_stream(response, tools)
    return None


class OpenAIHandler:
    """What every OpenAI-format handler shares: usage, refusals, validation, streams."""

    tools = False

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    #: where the request keeps its output limit (the first is written when it has none)
    output_limit_keys = (("max_tokens",), ("max_completion_tokens",))

    def usage(self, response: Any) -> Mapping[str, int]:
        usage = getattr(response, "usage", None)
        if usage is None:
            return NO_USAGE  # shared and read-only: most stream chunks carry none
        # only numbers count: a test's `Mock` usage (or a provider's null) is no count
        counts = {key: value for key in _USAGE_KEYS if type(value := getattr(usage, key, None)) is int}
        # the parts of them that were read from the prompt cache, or spent on reasoning
        for details, key in _USAGE_DETAILS:
            value = getattr(getattr(usage, details, None), key, None)
            if type(value) is int and value:
                counts[key] = value
        return counts

    @staticmethod
    def validate(model: type[BaseModel], text: str, context: Mapping[str, Any] | None, strict: bool | None) -> Any:
        return model.model_validate_json(text, context=context, strict=strict)

    @staticmethod
    def _refusal(response: Any, message: Any) -> None:
        refusal = getattr(message, "refusal", None)
        if isinstance(refusal, str) and refusal:  # not None, "", nor a test's unset `Mock` attribute
            raise RefusalError(f"The model refused to answer: {refusal}. A refusal is not re-asked; "
                               "rephrase the request.")

    # -- streaming (the contract: instructor.core.handler) -----------------------------------
    def iter_stream(self, stream: Any) -> Iterator[StreamDelta]:
        return read_stream(stream, _ChunkReader(self.tools))

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        return aread_stream(stream, _ChunkReader(self.tools))


class ToolsHandler(OpenAIHandler):
    """Force one function call whose arguments are the model (TOOLS, TOOLS_STRICT, XAI_TOOLS)."""

    tools = True

    def __init__(self, mode: Mode, *, strict: bool = False) -> None:
        super().__init__(mode)
        self.strict_schema = strict

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        request["tools"] = [schema.openai_tool(response_model, self.strict_schema)]
        request["tool_choice"] = {"type": "function", "function": {"name": schema.tool_name(response_model)}}
        return with_stream_flags(request)

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        message = _first_choice(response).message
        self._refusal(response, message)
        name = schema.tool_name(response_model)
        calls = message.tool_calls or []
        if not calls:
            raise ResponseParsingError(
                f"The model answered without calling the tool {name!r}.", raw_response=response
            )
        # a call of a tool nobody offered makes the answer invalid (the published release reads the
        # first call whatever its name); the first call is the answer
        schema.check_calls((call.function.name for call in calls), name, response)
        return self.validate(response_model, calls[0].function.arguments, context, strict)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        message = assistant_of(response)
        calls = (message.get("tool_calls") or []) if message is not None else []
        if message is not None:
            messages.append(message)
        text = REASK_TOOL.format(error=error)
        if calls:
            messages.extend(_tool_results(calls, text))
        else:
            messages.append({"role": "user", "content": text})
        request["messages"] = messages
        return request


class ParallelToolsHandler(ToolsHandler):
    """Let the model call several tools at once; every call is one object (PARALLEL_TOOLS)."""

    @staticmethod
    def models(response_model: type[BaseModel]) -> tuple[type[BaseModel], ...]:
        return tuple(getattr(response_model, "__instructor_parallel_models__", (response_model,)))

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        request["tools"] = [schema.openai_tool(m) for m in self.models(response_model)]
        request["tool_choice"] = "auto"
        return with_stream_flags(request)

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        message = _first_choice(response).message
        self._refusal(response, message)
        by_name = {schema.tool_name(m): m for m in self.models(response_model)}
        calls = message.tool_calls or []
        # a tool nobody offered makes the answer invalid (the published release skips the call)
        schema.check_calls((call.function.name for call in calls), by_name, response)
        out = []
        for call in calls:
            model = by_name.get(call.function.name)
            if model is not None:  # (a call without a name cannot say which model it is)
                out.append(self.validate(model, call.function.arguments, context, strict))
        return out

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        message = assistant_of(response) or {"role": "assistant", "content": ""}
        messages.append(message)
        text = REASK_TOOL.format(error=error)
        calls = message.get("tool_calls") or []
        if calls:
            messages.extend(_tool_results(calls, text))
        else:
            messages.append({"role": "user", "content": text})
        request["messages"] = messages
        return request


class JSONHandler(OpenAIHandler):
    """Ask for the object as message text (JSON, MD_JSON, JSON_SCHEMA and their variants).

    Args:
        response_format: "json_object", "json_schema" or None (no response_format).
        instructions: whether to describe the schema in a system message.
        fenced: whether the answer comes in a ```json fence (MD_JSON).
        strict: whether a json_schema response_format is marked strict (the published
            JSON_SCHEMA sends the model's own schema with no `strict` key; pydantic's
            `strict=` at validation is a separate matter).
    """

    def __init__(
        self,
        mode: Mode,
        *,
        response_format: str | None,
        instructions: bool = True,
        fenced: bool = False,
        strict: bool = False,
    ) -> None:
        super().__init__(mode)
        self.response_format = response_format
        self.instructions = instructions
        self.fenced = fenced
        self.strict_schema = strict

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return kwargs
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        if self.instructions:
            messages = with_schema_instructions(messages, json_instructions(response_model))
        if self.fenced:
            messages = with_user_text(messages, MD_JSON_REMINDER)
        request["messages"] = messages
        if self.response_format == "json_object":
            request["response_format"] = {"type": "json_object"}
        elif self.response_format == "json_schema":
            json_schema: dict[str, Any] = {
                "name": schema.tool_name(response_model),
                "schema": schema.strict_schema(response_model) if self.strict_schema
                else schema.json_schema(response_model),
            }
            if self.strict_schema:
                json_schema["strict"] = True
            request["response_format"] = {"type": "json_schema", "json_schema": json_schema}
        return with_stream_flags(request)

    def text_of(self, response: Any) -> str:
        message = _first_choice(response).message
        self._refusal(response, message)
        content = answer_text(message.content)
        if not content:
            raise ResponseParsingError("The model returned an empty message.", raw_response=response)
        return extract_json_text(content) if self.fenced else content

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        text = self.text_of(response)
        if self.fenced:
            return self.validate(response_model, text, context, strict)
        # some models wrap JSON in prose or fences even in JSON mode
        return validate_json_text(response_model, text, context, strict)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        choices = getattr(response, "choices", None)
        if choices:  # only the text is sent back: read it, not the whole message
            messages.append({"role": "assistant", "content": answer_text(choices[0].message.content)})
        elif (message := assistant_of(response, tools=False)) is not None:
            messages.append(message)
        messages.append({
            "role": "user",
            "content": REASK_JSON.format(error=error),
        })
        request["messages"] = messages
        return request


TOOLS = ToolsHandler(Mode.TOOLS)
TOOLS_STRICT = ToolsHandler(Mode.TOOLS_STRICT, strict=True)
PARALLEL_TOOLS = ParallelToolsHandler(Mode.PARALLEL_TOOLS)
JSON = JSONHandler(Mode.JSON, response_format="json_object")
MD_JSON = JSONHandler(Mode.MD_JSON, response_format=None, fenced=True)
JSON_SCHEMA = JSONHandler(Mode.JSON_SCHEMA, response_format="json_schema", instructions=False, strict=False)
XAI_TOOLS = ToolsHandler(Mode.XAI_TOOLS)
XAI_JSON = JSONHandler(Mode.XAI_JSON, response_format="json_object")
PERPLEXITY_JSON = JSONHandler(Mode.PERPLEXITY_JSON, response_format="json_schema", strict=False)
OPENROUTER_STRUCTURED_OUTPUTS = JSONHandler(
    Mode.OPENROUTER_STRUCTURED_OUTPUTS, response_format="json_schema", instructions=False, strict=False
)
