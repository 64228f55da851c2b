"""Mode handlers of AWS Bedrock's Converse API (responses are boto3's plain dicts).

TOOLS offers one tool (`toolConfig`) whose input schema is the model:
forced with `toolChoice: {"tool": ...}` on Claude and Nova, the only families
that accept it, and `auto` elsewhere (the only tool offered is ours);
TOOLS_STRICT marks it `strict`. MD_JSON describes the schema in a system block
and reads JSON from the text; JSON_SCHEMA constrains the text with
`outputConfig.textFormat`. (BEDROCK_TOOLS / BEDROCK_JSON are the deprecated names.)

Requests are first shaped by `to_converse` (OpenAI-style messages, system and
sampling options become Converse's). Re-asking sends the assistant turn back,
then a user turn with one `toolResult` per tool call carrying the validation
error (`status: "error"` where the model family accepts it). Streams are
`converse_stream`'s events; nothing here imports boto3.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
from instructor.core.handler import (
    REASK_JSON,
    REASK_NO_TOOL,
    REASK_TOOL,
    StreamDelta,
    aread_stream,
    read_stream,
)
from instructor.core.json_text import (
    JsonTextFilter,
    json_instructions,
    partial_object,
    validate_json_text,
    validate_object,
)
from instructor.mode import Mode
from instructor.providers.bedrock.models import forces_tools
from instructor.providers.bedrock.request import to_converse

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

INCOMPLETE_STOP_REASONS = frozenset({"max_tokens", "model_context_window_exceeded"})
FILTERED_STOP_REASONS = frozenset({"guardrail_intervened", "content_filtered"})
#: Bedrock's error codes of a request that may succeed later or elsewhere (a stream's events spell
#: them with a lower-case first letter: `throttlingException`)
TRANSIENT_ERROR_CODES = frozenset({"ThrottlingException", "ServiceUnavailableException", "InternalServerException",
                                   "ModelTimeoutException", "ModelNotReadyException", "ModelStreamErrorException"})
#: JSON schema keywords Bedrock's strict tool use and structured outputs reject
UNSUPPORTED_STRICT_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                                         "multipleOf", "minLength", "maxLength"})


@functools.cache
def tool_spec(model: type[BaseModel], strict: bool = False) -> dict[str, Any]:
    """The `toolConfig.tools` entry for `model` (cached per model); `strict` for TOOLS_STRICT."""
    spec: dict[str, Any] = {
        "name": schema.tool_name(model),
        "description": schema.description(model),
        "inputSchema": {"json": strict_bedrock_schema(model) if strict else schema.json_schema(model)},
    }
    if strict:
        spec["strict"] = True
    return {"toolSpec": spec}


@functools.cache
def strict_bedrock_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s schema with `additionalProperties: false` on every object, checked for what
    Bedrock's strict decoding rejects.

    Raises:
        ConfigurationError: the schema uses a keyword strict decoding does not support.
    """
    strict = schema.strict_schema(model)
    found = sorted(_strict_problems(strict))
    if found:
        from instructor.core.exceptions import ConfigurationError

        raise ConfigurationError(
            f"{model.__name__}'s schema uses {', '.join(found)}, which Bedrock's strict modes "
            "(Mode.TOOLS_STRICT, Mode.JSON_SCHEMA) do not support. Move those constraints into "
            "pydantic validators, or use Mode.TOOLS / Mode.MD_JSON."
        )
    return strict


def _strict_problems(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        found |= {key for key in node if key in UNSUPPORTED_STRICT_KEYWORDS}
        if node.get("minItems") not in (None, 0, 1):
            found.add("minItems")
        if isinstance(node.get("additionalProperties"), dict):
            found.add("free-form mappings (dict fields)")
        for key, value in node.items():
            if key != "properties":
                found |= _strict_problems(value)
        for value in (node.get("properties") or {}).values():
            found |= _strict_problems(value)
    elif isinstance(node, list):
        for item in node:
            found |= _strict_problems(item)
    return found


def _incomplete(stop_reason: str, received: str | None, completion: Any) -> IncompleteOutputException:
    return IncompleteOutputException(
        f"The output is incomplete: Bedrock stopped with stopReason={stop_reason!r} before the object "
        "was complete. Raise max_tokens (inferenceConfig.maxTokens), or ask for a smaller object.",
        last_completion=completion,
        received=received,
    )


def _filtered(stop_reason: str, completion: Any) -> ResponseParsingError:
    return ResponseParsingError(
        f"Bedrock withheld the answer (stopReason={stop_reason!r}): a guardrail or content filter "
        "intervened. Rephrase the request or review the guardrail.",
        raw_response=completion,
    )


def _content(response: Any) -> list[dict[str, Any]]:
    message = ((response or {}).get("output") or {}).get("message") or {}
    return list(message.get("content") or ())


def _received(content: list[dict[str, Any]]) -> str:
    parts = []
    for block in content:
        if "text" in block:
            parts.append(block["text"])
        elif "toolUse" in block:
            data = block["toolUse"].get("input")
            parts.append(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))
    return "".join(parts)


def _checked_content(response: Any) -> list[dict[str, Any]]:
    """The response's content blocks, after its stopReason says the answer is whole."""
    content = _content(response)
    stop_reason = response.get("stopReason")
    if stop_reason in INCOMPLETE_STOP_REASONS:
        raise _incomplete(stop_reason, _received(content), response)
    if stop_reason in FILTERED_STOP_REASONS:
        raise _filtered(stop_reason, response)
    return content


def _client_call(use: Mapping[str, Any]) -> bool:
    """Whether a `toolUse` block asks the caller to run a tool: not one Bedrock ran itself
    (`type: "server_tool_use"`, e.g. Nova's code interpreter, whose `toolResult` follows it)."""
    return use.get("type") != "server_tool_use"


def _text_of(content: list[dict[str, Any]]) -> str:
    return "".join(block["text"] for block in content if "text" in block)


def _assistant_content(response: Any) -> list[dict[str, Any]]:
    """The assistant turn of `response` as Converse blocks: a response dict, or a streamed attempt."""
    if not isinstance(response, Mapping) and hasattr(response, "texts"):  # a StreamedResponse
        names, ids = response.names, response.ids
        if isinstance(response.turn, list):
            ordinals = {call_id: ordinal for ordinal, call_id in ids.items()}
            texts = response.texts
            return [{"toolUse": {**block["toolUse"], "input": partial_object(
                        texts.get(ordinals.get(block["toolUse"].get("toolUseId"), -1), ""))}}
                    if "toolUse" in block and "input" not in block["toolUse"] else block
                    for block in response.turn]
        return [{"toolUse": {"toolUseId": ids.get(index) or f"tooluse_{index}", "name": names.get(index) or "",
                             "input": partial_object(text)}} if names.get(index) else {"text": text}
                for index, text in response.texts.items()]
    return [_echoable(block) for block in _content(response)]


def _echoable(block: dict[str, Any]) -> dict[str, Any]:
    """`block` as Converse accepts it back: a toolUse `input` must be an object (a model may send null)."""
    use = block.get("toolUse")
    if use is None or isinstance(use.get("input"), dict):
        return block
    return {**block, "toolUse": {**use, "input": {}}}


class BedrockHandler:
    """What both Bedrock handlers share: usage, stop reasons, request shape, streams."""

    tools = False
    output_limit_keys = (("inferenceConfig", "maxTokens"),)

    @staticmethod
    def is_transport_error(exc: BaseException) -> bool | None:
        """Bedrock's own codes for a throttled, busy or overloaded service, which a stream's
        `EventStreamError` carries with no HTTP error status of its own (None: the status decides)."""
        response = getattr(exc, "response", None)
        if not isinstance(response, Mapping):
            return None
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if isinstance(status, int) and status >= 400:
            return None
        code = (response.get("Error") or {}).get("Code") or ""
        return True if code[:1].upper() + code[1:] in TRANSIENT_ERROR_CODES else None

    def __init__(self, mode: Mode) -> None:
        self.mode = mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Mode.{self.mode.name})"

    def usage(self, response: Any) -> Mapping[str, int]:
        """Converse's own token counts (`inputTokens`, `outputTokens`, `totalTokens`, cache counts),
        of a response or of a stream's `metadata` event."""
        if not isinstance(response, Mapping):
            return {}
        usage = response.get("usage") or (response.get("metadata") or {}).get("usage")
        if not usage:
            return {}
        return {key: value for key, value in usage.items() if isinstance(value, int)}

    # -- streaming --------------------------------------------------------------------
    def iter_stream(self, stream: Any) -> Iterator[StreamDelta]:
        """Yield the answer's fragments from `converse_stream`'s events."""
        return read_stream(stream, _StreamReader(self.tools))

    def aiter_stream(self, stream: Any) -> AsyncIterator[StreamDelta]:
        """The async twin of `iter_stream` (the factory turns boto3's blocking stream into an
        async iterable read in a worker thread)."""
        return aread_stream(stream, _StreamReader(self.tools))


class _StreamReader:
    """Reads Converse stream events: toolUse input deltas (tools) or text deltas (JSON).

    The stream is whole once `messageStop` has brought the stop reason. It notes what
    the `StreamedResponse` keeps beside the answer's text (`fill`): the stop reason, and
    every content block (text, reasoning with its signature, toolUse with its id, a
    server tool's result), for a re-ask to send the turn back whole.
    """

    __slots__ = ("tools", "ordinals", "json_text", "stop_reason", "blocks", "parts")

    def __init__(self, tools: bool) -> None:
        self.tools = tools
        self.ordinals: dict[int, int] = {}  # contentBlockIndex -> tool call number
        self.json_text = JsonTextFilter()
        self.stop_reason: str | None = None
        self.blocks: dict[int, dict[str, Any]] = {}  # contentBlockIndex -> its request form
        self.parts: dict[int, list[str]] = {}  # contentBlockIndex -> its text (input, reasoning) so far

    def _parts(self, index: int) -> list[str]:
        parts = self.parts.get(index)
        if parts is None:
            parts = self.parts[index] = []
        return parts

    def feed(self, event: Any) -> Iterator[StreamDelta]:
        if not isinstance(event, Mapping):
            raise ResponseParsingError(f"Cannot read a Converse stream event: {event!r}.", raw_response=event)
        if "contentBlockDelta" in event:
            body = event["contentBlockDelta"]
            delta = body.get("delta") or {}
            index = body.get("contentBlockIndex", 0)
            tool = delta.get("toolUse")
            if tool is not None:
                if index in self.ordinals:  # the answer's text: kept once, as the delta's
                    yield StreamDelta(tool.get("input", ""), self.ordinals[index])
                else:
                    self._parts(index).append(tool.get("input", ""))
            elif "text" in delta:
                self.blocks.setdefault(index, {"text": ""})
                self._parts(index).append(delta["text"])
                if not self.tools and delta["text"]:
                    text = self.json_text.feed(delta["text"])
                    if text:
                        yield StreamDelta(text)
            elif "reasoningContent" in delta:
                reasoning = delta["reasoningContent"]
                block = self.blocks.setdefault(index, {"reasoningContent": {"reasoningText": {"text": ""}}})
                self._parts(index).append(reasoning.get("text", ""))
                if "signature" in reasoning:
                    block["reasoningContent"]["reasoningText"]["signature"] = reasoning["signature"]
            elif "toolResult" in delta and "toolResult" in self.blocks.get(index, {}):
                self.blocks[index]["toolResult"]["content"].extend(delta["toolResult"])
        elif "contentBlockStart" in event:
            body = event["contentBlockStart"]
            start = body.get("start") or {}
            index = body.get("contentBlockIndex", 0)
            tool = start.get("toolUse")
            if tool is not None:
                self.blocks[index] = {"toolUse": dict(tool)}  # its type too: a server tool's stays one
                if self.tools and _client_call(tool):  # not a server-side tool's input
                    ordinal = self.ordinals[index] = len(self.ordinals)
                    yield StreamDelta("", ordinal, tool.get("name"))
            elif "toolResult" in start:  # a server-side tool's result, sent back as it came
                self.blocks[index] = {"toolResult": {**start["toolResult"], "content": []}}
        elif "messageStop" in event:
            stop_reason = event["messageStop"].get("stopReason")
            if stop_reason in INCOMPLETE_STOP_REASONS:
                raise _incomplete(stop_reason, self.received(), event)
            if stop_reason in FILTERED_STOP_REASONS:
                raise _filtered(stop_reason, event)
            self.stop_reason = stop_reason or "end_turn"

    def received(self) -> str | None:
        """The answer's text so far in the JSON modes (the text blocks, as written); None in the
        tool modes, where the core fills in the text of the `StreamedResponse`."""
        if self.tools:
            return None
        return "".join("".join(parts) for index, parts in sorted(self.parts.items())
                       if "text" in self.blocks.get(index, {}))

    def fill(self, response: Any) -> None:
        """Note in the attempt's `StreamedResponse` the stop reason and the content blocks as a request
        sends them back (`turn`); a call of the answer's tool has no `input` there (its text is in
        `texts`: decoded for a re-ask only, `_assistant_content`)."""
        response.finish_reason = self.stop_reason
        blocks = []
        for index in sorted(self.blocks):
            block = self.blocks[index]
            text = "".join(self.parts.get(index, ()))
            if "text" in block:
                block = {"text": text}
            elif "reasoningContent" in block:
                reasoning = {**block["reasoningContent"]["reasoningText"], "text": text}
                block = {"reasoningContent": {"reasoningText": reasoning}}
            elif "toolUse" in block:
                use = dict(block["toolUse"])
                use.pop("input", None)
                if index in self.ordinals:  # a call of the answer's tool: its input is in `texts`
                    response.ids[self.ordinals[index]] = use.get("toolUseId")
                else:
                    use["input"] = partial_object(text)
                block = {"toolUse": use}
            blocks.append(block)
        response.turn = blocks

    def end(self) -> None:
        if self.stop_reason is None:
            raise IncompleteOutputException(
                "The output is incomplete: Bedrock's stream ended before its messageStop event "
                "(the connection was cut or the stream was truncated). Try again.",
                received=self.received(),
            )


class ToolsHandler(BedrockHandler):
    """Ask for the model as the input of a Converse tool call (TOOLS; TOOLS_STRICT marks the tool
    strict, with `additionalProperties: false` everywhere).

    The input arrives as an object and is validated as the JSON text it was on the wire
    (`instructor.core.json_text.validate_object`), so `strict=True` takes an Enum's value
    and a date's ISO string. A caller's `systemTool` entries (Nova's code interpreter...)
    stay offered beside ours; their server-side `toolUse` blocks are not the answer.
    """

    tools = True

    def __init__(self, mode: Mode, *, strict: bool = False) -> None:
        super().__init__(mode)
        self.strict_schema = strict

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = to_converse(kwargs)
        if response_model is None:
            return request
        name = schema.tool_name(response_model)
        choice = {"tool": {"name": name}} if forces_tools(request.get("modelId")) else {"auto": {}}
        system_tools = [tool for tool in (request.get("toolConfig") or {}).get("tools") or () if "systemTool" in tool]
        request["toolConfig"] = {"tools": [*system_tools, tool_spec(response_model, self.strict_schema)],
                                 "toolChoice": choice}
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
        # the calls the caller is asked to run: a server-side tool's block (and its result) may come first
        calls = [block["toolUse"] for block in content if "toolUse" in block and _client_call(block["toolUse"])]
        if calls:  # the first tool call is the answer
            schema.check_calls((call.get("name") for call in calls), name, response)
            # an object, validated as the JSON text it was on the wire (a streamed attempt's is text):
            # pydantic's python strictness would refuse every Enum and date (the published release's defect)
            return validate_object(response_model, calls[0].get("input"), context, strict)
        text = _text_of(content)
        raise ResponseParsingError(
            f"The model answered without calling the tool {name!r}"
            + (f"; it wrote: {text[:200]!r}" if text else "."),
            raw_response=response,
        )

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        content = _assistant_content(response)
        if content:
            messages.append({"role": "assistant", "content": content})
        calls = [block["toolUse"] for block in content if "toolUse" in block and _client_call(block["toolUse"])]
        if calls:
            status = {"status": "error"} if forces_tools(request.get("modelId")) else {}
            # Converse wants a result for every toolUse; the first carries the error
            messages.append({"role": "user", "content": [
                {"toolResult": {"toolUseId": call["toolUseId"],
                                "content": [{"text": REASK_TOOL.format(error=error)}], **status}}
                for call in calls
            ]})
        else:
            messages.append({"role": "user", "content": [{"text": REASK_NO_TOOL.format(error=error)}]})
        request["messages"] = messages
        return request


class JSONHandler(BedrockHandler):
    """Describe the schema in a system block and read JSON from the text (BEDROCK_JSON)."""

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = to_converse(kwargs)
        if response_model is not None:
            request["system"] = [*request.get("system", ()), {"text": json_instructions(response_model)}]
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        text = _text_of(_checked_content(response))
        if not text.strip():
            raise ResponseParsingError("The model returned no text.", raw_response=response)
        return validate_json_text(response_model, text, context, strict)

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        request = dict(kwargs)
        messages = list(request.get("messages", []))
        text = _text_of(_assistant_content(response))
        if text:
            messages.append({"role": "assistant", "content": [{"text": text}]})
        messages.append({"role": "user", "content": [{"text": REASK_JSON.format(error=error)}]})
        request["messages"] = messages
        return request


class JSONSchemaHandler(JSONHandler):
    """JSON constrained by the schema through Converse's structured outputs (JSON_SCHEMA):
    `outputConfig.textFormat`; the answer's first text block must be bare JSON."""

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = to_converse(kwargs)
        if response_model is None:
            return request
        structure = {"jsonSchema": {
            "schema": json.dumps(strict_bedrock_schema(response_model)),
            "name": schema.tool_name(response_model),
            "description": schema.description(response_model),
        }}
        request["outputConfig"] = {**(request.get("outputConfig") or {}),
                                   "textFormat": {"type": "json_schema", "structure": structure}}
        return request

    def parse_response(
        self,
        response: Any,
        response_model: type[BaseModel],
        *,
        context: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Any:
        texts = [block["text"] for block in _checked_content(response) if "text" in block]
        if not texts or not texts[0].strip():
            raise ResponseParsingError("The model returned no text.", raw_response=response)
        return validate_object(response_model, texts[0], context, strict)


BEDROCK_TOOLS = ToolsHandler(Mode.BEDROCK_TOOLS)
BEDROCK_JSON = JSONHandler(Mode.BEDROCK_JSON)

# the core modes Bedrock serves (the registry's "bedrock:<mode>" entries)
TOOLS = ToolsHandler(Mode.TOOLS)
TOOLS_STRICT = ToolsHandler(Mode.TOOLS_STRICT, strict=True)
MD_JSON = JSONHandler(Mode.MD_JSON)
JSON_SCHEMA = JSONSchemaHandler(Mode.JSON_SCHEMA)
