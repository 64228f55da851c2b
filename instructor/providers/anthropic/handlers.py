"""Mode handlers of the Anthropic Messages API.

TOOLS forces a call to one tool whose input schema is the model
(`disable_parallel_tool_use`), and reads exactly one `tool_use` block; with
`thinking` enabled the tool choice is left to the model (`auto`), since
Anthropic refuses a forced choice while thinking, and a system block asks for
the tool call only. PARALLEL_TOOLS offers one tool per model (`tool_choice:
auto`); every call is one object. JSON describes the schema in a system block
and reads the JSON from the answer's text (a ```json fence or prose around it is
tolerated); MD_JSON asks for it in a ```json fence. JSON_SCHEMA uses Anthropic's
structured outputs (see `JSONSchemaHandler`). The ANTHROPIC_* instances serve clients built directly
with those deprecated modes (ANTHROPIC_REASONING_TOOLS turns thinking on).

Re-asking follows Anthropic's conversation rules: the assistant turn is sent
back whole (thinking blocks included, as Anthropic requires), then a user turn
with one `tool_result` (`is_error: true`) per tool call carrying the validation
error. The handlers read SDK objects by attribute and never import the SDK.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.exceptions import IncompleteOutputException, RefusalError, ResponseParsingError
from instructor.core.handler import (
    REASK_JSON_ANSWER,
    REASK_NO_TOOL,
    REASK_TOOL,
    StreamDelta,
    aread_stream,
    read_stream,
)
from instructor.core.json_text import (
    JsonTextFilter,
    extract_json_text,
    json_instructions,
    partial_object,
    validate_json_text,
    validate_object,
)
from instructor.mode import Mode
from instructor.providers.anthropic.request import DEFAULT_MAX_TOKENS, merge_system, normalize

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

#: stop reasons that mean the answer was cut off before it was complete
INCOMPLETE_STOP_REASONS = frozenset({"max_tokens", "model_context_window_exceeded"})
#: thinking budget of ANTHROPIC_REASONING_TOOLS when the caller passes no `thinking`
#: (Anthropic's minimum)
DEFAULT_THINKING_BUDGET = 1024

MD_JSON_REMINDER = "Answer with the JSON object alone, inside a ```json fenced code block."


def _thinking_enabled(thinking: Any) -> bool:
    return isinstance(thinking, Mapping) and thinking.get("type") == "enabled"


@functools.cache
def anthropic_tool(model: type[BaseModel]) -> dict[str, Any]:
    """The `tools=[...]` entry for `model` (cached per model)."""
    return {
        "name": schema.tool_name(model),
        "description": schema.description(model),
        "input_schema": schema.json_schema(model),  # the model's own schema, title included
    }


def _incomplete(stop_reason: str, received: str | None, completion: Any) -> IncompleteOutputException:
    return IncompleteOutputException(
        f"The output is incomplete: Anthropic stopped with stop_reason={stop_reason!r} before the "
        "object was complete. Raise max_tokens, or ask for a smaller object.",
        last_completion=completion,
        received=received,
    )


def _received(content: list[Any]) -> str:
    parts = []
    for block in content:
        if block.type == "text":
            parts.append(block.text)
        elif block.type == "tool_use":
            parts.append(json.dumps(block.input, ensure_ascii=False))
    return "".join(parts)


def _checked_content(response: Any) -> list[Any]:
    """The response's content blocks, after its stop reason says the answer is whole."""
    content = list(getattr(response, "content", None) or ())
    stop_reason = getattr(response, "stop_reason", None)
    if stop_reason in INCOMPLETE_STOP_REASONS:
        raise _incomplete(stop_reason, _received(content), response)
    if stop_reason == "refusal":
        raise RefusalError(
            "The model refused to answer (stop_reason='refusal'); a refusal is not re-asked. "
            "Rephrase the request."
        )
    return content


def _block_param(block: Any) -> dict[str, Any]:
    """A response content block as a request content block (for the re-ask's assistant turn)."""
    kind = block.type
    if kind == "text":
        return {"type": "text", "text": block.text}
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.data}
    dumped: dict[str, Any] = block.model_dump(mode="json", exclude_none=True)
    return dumped


def _text_of(content: list[Any]) -> str:
    return "".join(block.text for block in content if block.type == "text")


class AnthropicHandler:
    """What every Anthropic handler shares: usage, stop reasons, request shape, streams."""

    tools = False

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    def usage(self, response: Any) -> Mapping[str, int]:
        """Anthropic's own token counts, of a message or of one stream event.

        `message_start` carries the input count, `message_delta` the running output count.
        """
        kind = getattr(response, "type", None)
        if kind == "message_start":
            usage = response.message.usage
        elif kind in ("message", "message_delta"):
            usage = response.usage
        else:
            return {}
        counts = {}
        for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            value = getattr(usage, key, None)
            if value is not None:
                counts[key] = value
        return counts

    # -- streaming --------------------------------------------------------------------
    def iter_stream(self, stream: Any) -> Iterator[StreamDelta]:
        """Yield the answer's fragments from `messages.create(stream=True)`'s events."""
        return read_stream(stream, _StreamReader(self.tools))

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        """The async twin of `iter_stream`."""
        return aread_stream(stream, _StreamReader(self.tools))


class _StreamReader:
    """Reads Anthropic's stream events: input_json_delta (tools) or text_delta (JSON).

    The stream is whole once `message_delta` has brought the stop reason. It notes
    what the `StreamedResponse` keeps beside the answer's text (`fill`): the message's
    id and model, the stop reason, and every content block (thinking with its
    signature, text, tool_use with its id), for a re-ask to send the turn back whole.
    """

    __slots__ = ("tools", "ordinals", "json_text", "stop_reason", "id", "model", "blocks", "parts")

    def __init__(self, tools: bool) -> None:
        self.tools = tools
        self.ordinals: dict[int, int] = {}  # content block index -> tool call number
        self.json_text = JsonTextFilter()
        self.stop_reason: str | None = None
        self.id: str | None = None
        self.model: str | None = None
        self.blocks: dict[int, dict[str, Any]] = {}  # content block index -> its request form
        self.parts: dict[int, list[str]] = {}  # content block index -> its text (or thinking) so far

    def feed(self, event: Any) -> Iterator[StreamDelta]:
        kind = getattr(event, "type", None)
        if kind == "content_block_delta":
            delta = event.delta
            kind = delta.type
            if kind == "input_json_delta":
                if event.index in self.ordinals:  # the answer's text: kept once, as the delta's
                    yield StreamDelta(delta.partial_json, self.ordinals[event.index])
                else:
                    self.parts.setdefault(event.index, []).append(delta.partial_json)
            elif kind == "text_delta":
                parts = self.parts.get(event.index)
                if parts is None:
                    parts = self.parts[event.index] = []
                parts.append(delta.text)
                if not self.tools:
                    text = self.json_text.feed(delta.text)
                    if text:
                        yield StreamDelta(text)
            elif kind == "thinking_delta":
                self.parts.setdefault(event.index, []).append(delta.thinking)
            elif kind == "signature_delta" and event.index in self.blocks:
                self.blocks[event.index]["signature"] = delta.signature
        elif kind == "content_block_start":
            block = event.content_block
            self.blocks[event.index] = _block_param(block)
            if self.tools and block.type == "tool_use":
                ordinal = self.ordinals[event.index] = len(self.ordinals)
                yield StreamDelta("", ordinal, block.name)
        elif kind == "message_start":
            message = event.message
            self.id, self.model = getattr(message, "id", None), getattr(message, "model", None)
        elif kind == "message_delta":
            stop_reason = event.delta.stop_reason
            if stop_reason in INCOMPLETE_STOP_REASONS:
                raise _incomplete(stop_reason, self.received(), event)
            if stop_reason == "refusal":
                raise ResponseParsingError(
                    "The model refused to answer (stop_reason='refusal'). Rephrase the request.",
                    raw_response=event,
                )
            self.stop_reason = stop_reason or self.stop_reason
        elif kind is None:
            raise ResponseParsingError(f"Cannot read an Anthropic stream event: {event!r}.", raw_response=event)

    def received(self) -> str | None:
        """The answer's text so far in the JSON modes (the text blocks, as written); None in the
        tool modes, where the core fills in the text of the `StreamedResponse`."""
        if self.tools:
            return None
        return "".join("".join(parts) for index, parts in sorted(self.parts.items())
                       if self.blocks.get(index, {}).get("type", "text") == "text")

    def end(self) -> None:
        if self.stop_reason is None:
            raise IncompleteOutputException(
                "The output is incomplete: Anthropic's stream ended before its stop_reason arrived "
                "(the connection was cut or the stream was truncated). Try again.",
                received=self.received(),
            )

    def fill(self, response: Any) -> None:
        """Note in the attempt's `StreamedResponse` the message's id, model, stop reason, and its
        content blocks as a request sends them back (`turn`); a call of the answer's tool has no
        `input` there (its text is in `texts`: decoded for a re-ask only, `_assistant_blocks`)."""
        response.id, response.model, response.finish_reason = self.id, self.model, self.stop_reason
        blocks = []
        for index in sorted(self.blocks):
            block = dict(self.blocks[index])
            parts = "".join(self.parts.get(index, ()))
            kind = block.get("type")
            if kind == "text":
                block["text"] = parts
            elif kind == "thinking":
                block["thinking"] = parts
            elif index in self.ordinals:  # a call of the answer's tool: its input is in `texts`
                response.ids[self.ordinals[index]] = block.get("id")
                del block["input"]
            elif "input" in block and parts:  # any other tool's (a server tool's) input
                block["input"] = partial_object(parts)
            blocks.append(block)
        response.turn = blocks


def _assistant_blocks(response: Any) -> list[dict[str, Any]]:
    """The assistant turn of `response` as request blocks: a `Message`, or a streamed attempt."""
    content = getattr(response, "content", None)
    if content is None and hasattr(response, "texts"):  # a StreamedResponse
        names, ids = response.names, response.ids
        if isinstance(response.turn, list):
            ordinals = {call_id: ordinal for ordinal, call_id in ids.items()}
            texts = response.texts
            return [block if "input" in block or block.get("type") != "tool_use"
                    else {**block, "input": partial_object(texts.get(ordinals.get(block.get("id"), -1), ""))}
                    for block in response.turn]
        return [{"type": "tool_use", "id": ids.get(index) or f"toolu_{index}", "name": names.get(index) or "",
                 "input": partial_object(text)} if names.get(index) else {"type": "text", "text": text}
                for index, text in response.texts.items()]
    return [_block_param(block) for block in content or ()]


class ToolsHandler(AnthropicHandler):
    """Ask for the model as the input of one tool call (ANTHROPIC_TOOLS, and the base of the others)."""

    tools = True

    def __init__(self, mode: Mode, *, tool_choice: str = "tool", thinking: bool = False) -> None:
        super().__init__(mode)
        self.tool_choice = tool_choice
        self.thinking = thinking

    @staticmethod
    def models(response_model: type[BaseModel]) -> tuple[type[BaseModel], ...]:
        return tuple(getattr(response_model, "__instructor_parallel_models__", (response_model,)))

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return normalize(kwargs)
        models = self.models(response_model) if isinstance(self, ParallelToolsHandler) else (response_model,)
        thinking = self.thinking or _thinking_enabled(kwargs.get("thinking"))
        request = normalize(self._with_thinking(kwargs) if thinking else kwargs)
        request["tools"] = [anthropic_tool(m) for m in models]
        if "tool_choice" in kwargs:
            pass  # the caller's choice wins
        elif thinking:
            # Anthropic refuses a forced tool choice while thinking: leave it to the model
            request["tool_choice"] = {"type": "auto"}
        elif self.tool_choice == "tool":
            request["tool_choice"] = {"type": "tool", "name": schema.tool_name(response_model),
                                      "disable_parallel_tool_use": True}
        else:
            request["tool_choice"] = {"type": self.tool_choice}
        if thinking:
            names = " or ".join(repr(schema.tool_name(m)) for m in models)
            hint = f"Return only the tool call ({names}) and no additional text."
            request["system"] = merge_system(request.get("system"), [{"type": "text", "text": hint}])
        return request

    @staticmethod
    def _with_thinking(kwargs: dict[str, Any]) -> dict[str, Any]:
        """`thinking` enabled by default, with `max_tokens` above its budget as Anthropic requires."""
        request = dict(kwargs)
        thinking = request.setdefault("thinking", {"type": "enabled", "budget_tokens": DEFAULT_THINKING_BUDGET})
        budget = thinking.get("budget_tokens") if isinstance(thinking, Mapping) else None
        if budget is None:
            return request
        if request.get("max_tokens") is None:
            request["max_tokens"] = budget + DEFAULT_MAX_TOKENS
        elif request["max_tokens"] <= budget:
            raise ValueError(
                f"max_tokens={request['max_tokens']!r} must be larger than the thinking budget "
                f"(budget_tokens={budget!r}) in Mode.ANTHROPIC_REASONING_TOOLS. Raise max_tokens, "
                "or pass a smaller thinking={'type': 'enabled', 'budget_tokens': ...}."
            )
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        content = _checked_content(response)
        name = schema.tool_name(response_model)
        calls = [block for block in content if block.type == "tool_use"]  # server tools are other types
        # a call of a tool nobody offered makes the answer invalid (the published release does not check)
        schema.check_calls((call.name for call in calls), name, response)
        if len(calls) == 1:
            return validate_object(response_model, calls[0].input, context, strict)
        if calls:
            called = ", ".join(repr(c.name) for c in calls)
            raise ResponseParsingError(
                f"The model made {len(calls)} tool calls ({called}); exactly one call of {name!r} is expected.",
                raw_response=response,
            )
        text = _text_of(content)
        raise ResponseParsingError(
            f"The model answered without calling the tool {name!r}"
            + (f"; it wrote: {text[:200]!r}" if text else "."),
            raw_response=response,
        )

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        blocks = _assistant_blocks(response)
        if blocks:
            messages.append({"role": "assistant", "content": blocks})
        calls = [block for block in blocks if block["type"] == "tool_use"]
        if calls:
            messages.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": call["id"], "is_error": True,
                 "content": REASK_TOOL.format(error=error)}
                for call in calls
            ]})
        else:
            messages.append({"role": "user", "content": REASK_NO_TOOL.format(error=error)})
        request["messages"] = messages
        return request


class ParallelToolsHandler(ToolsHandler):
    """One tool per model; Claude may call several at once, and each call is one object."""

    def __init__(self, mode: Mode) -> None:
        super().__init__(mode, tool_choice="auto")

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        content = _checked_content(response)
        by_name = {schema.tool_name(m): m for m in self.models(response_model)}
        calls = [block for block in content if block.type == "tool_use"]
        schema.check_calls((call.name for call in calls), by_name, response)
        return [validate_object(by_name[call.name], call.input, context, strict) for call in calls
                if call.name in by_name]


class JSONHandler(AnthropicHandler):
    """Describe the schema in the system prompt and read JSON from the text (ANTHROPIC_JSON)."""

    reminders: tuple[str, ...] = ()  # system texts after the schema's

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = normalize(kwargs)
        if response_model is not None:
            texts = (json_instructions(response_model), *self.reminders)
            request["system"] = merge_system(request.get("system"), [{"type": "text", "text": t} for t in texts])
        return request

    @staticmethod
    def answer_text(response: Any) -> str:
        """The answer's text; an answer with none is a parsing error (re-asked)."""
        text = _text_of(_checked_content(response))
        if not text.strip():
            raise ResponseParsingError("The model returned no text.", raw_response=response)
        return text

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        text = self.answer_text(response)
        if strict is False:
            # lax: control characters inside strings are allowed, as the published release does
            data = json.loads(extract_json_text(text), strict=False)
            return response_model.model_validate(data, context=context, strict=False)
        return validate_json_text(response_model, text, context, strict)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        texts = [b["text"] for b in _assistant_blocks(response) if b["type"] == "text"]
        last = texts[-1] if texts else "No text content found in response"
        messages.append({"role": "user", "content": REASK_JSON_ANSWER.format(error=error, text=last)})
        request["messages"] = messages
        return request


class MDJSONHandler(JSONHandler):
    """The schema in the system prompt, the answer a ```json fenced block (MD_JSON, which earlier
    releases of the published library served for Anthropic)."""

    reminders = (MD_JSON_REMINDER,)

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        return validate_object(response_model, extract_json_text(self.answer_text(response)), context, strict)


def _sdk_parameters() -> frozenset[str]:
    """The parameters the installed anthropic SDK's `messages.create` declares."""
    import inspect

    from anthropic.resources.messages import Messages

    return frozenset(inspect.signature(Messages.create).parameters)


class JSONSchemaHandler(JSONHandler):
    """JSON constrained by the schema through Anthropic's structured outputs (JSON_SCHEMA).

    An SDK whose `messages.create` takes `output_format` gets it with the
    structured-outputs beta, as the published release sends; one that takes
    `output_config` (anthropic >= 0.70, structured outputs generally available)
    gets `output_config.format`; an older SDK gets JSON mode's instructions, with
    a warning. The answer must be bare JSON either way.
    """

    _params: frozenset[str] | None = None

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        if response_model is None:
            return normalize(kwargs)  # a plain call: the messages in Anthropic's shape, nothing constrained
        if JSONSchemaHandler._params is None:
            JSONSchemaHandler._params = _sdk_parameters()
        params = JSONSchemaHandler._params
        if "output_format" not in params and "output_config" not in params:
            import warnings

            warnings.warn(
                "The installed anthropic SDK has no structured outputs (output_format / output_config): "
                "Mode.JSON_SCHEMA falls back to JSON mode's instructions. Upgrade anthropic.",
                UserWarning,
                stacklevel=2,
            )
            return super().prepare_request(response_model, kwargs)
        from anthropic import transform_schema

        request = normalize(kwargs)
        request.pop("tools", None)
        request.pop("tool_choice", None)
        output_format = {"type": "json_schema", "schema": transform_schema(response_model)}
        if "output_format" in params:
            request["output_format"] = output_format
            request["betas"] = [*request.get("betas", ()), "structured-outputs-2025-11-13"]
        else:
            request["output_config"] = {**(request.get("output_config") or {}), "format": output_format}
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        texts = [block.text for block in _checked_content(response) if block.type == "text"]
        if not texts or not texts[-1].strip():
            raise ResponseParsingError("The model returned no text.", raw_response=response)
        return validate_object(response_model, texts[-1], context, strict)


ANTHROPIC_TOOLS = ToolsHandler(Mode.ANTHROPIC_TOOLS)
ANTHROPIC_PARALLEL_TOOLS = ParallelToolsHandler(Mode.ANTHROPIC_PARALLEL_TOOLS)
ANTHROPIC_REASONING_TOOLS = ToolsHandler(Mode.ANTHROPIC_REASONING_TOOLS, tool_choice="auto", thinking=True)
ANTHROPIC_JSON = JSONHandler(Mode.ANTHROPIC_JSON)

# the core modes Anthropic serves (the registry's "anthropic:<mode>" entries)
TOOLS = ToolsHandler(Mode.TOOLS)
PARALLEL_TOOLS = ParallelToolsHandler(Mode.PARALLEL_TOOLS)
JSON = JSONHandler(Mode.JSON)
JSON_SCHEMA = JSONSchemaHandler(Mode.JSON_SCHEMA)
MD_JSON = MDJSONHandler(Mode.MD_JSON)
