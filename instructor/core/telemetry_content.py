"""What `capture_content=True` records: prompts and answers in the GenAI conventions' message
shape, and the validated value. Loaded only when content is captured.

The conventions' shape is `[{"role": ..., "parts": [...]}]`, recorded as a JSON string:
`gen_ai.input.messages` (the request's messages), `gen_ai.system_instructions` (a system
prompt the wire sends apart: Anthropic's and Bedrock's `system`, Gemini's
`system_instruction`) and `gen_ai.output.messages` (the answer, with its finish reason) on
an attempt span; `instructor.output` (the validated value) on the call span. Each
provider's messages are read by shape, whichever SDK objects or dicts they are: text parts,
tool calls (`tool_call`: id, name, arguments) and their results (`tool_call_response`);
anything else (an image, a PDF, a thinking block) is a part of its own type with no payload.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_ROLES = {"model": "assistant", "USER": "user", "CHATBOT": "assistant", "SYSTEM": "system"}


def input_attributes(request: Mapping[str, Any]) -> dict[str, str]:
    """`gen_ai.input.messages` (and `gen_ai.system_instructions`) of a request, in any wire format."""
    attributes: dict[str, str] = {}
    messages = next((request[key] for key in ("messages", "contents", "input") if key in request), None)
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    if isinstance(messages, (list, tuple)):
        attributes["gen_ai.input.messages"] = _json([_message(m) for m in messages])
    system = request.get("system")
    if system is None:
        config = request.get("config")
        system = config.get("system_instruction") if isinstance(config, Mapping) else \
            getattr(config, "system_instruction", None)
    if system is not None:
        attributes["gen_ai.system_instructions"] = _json(_parts(system))
    return attributes


def output_attributes(response: Any) -> dict[str, str]:
    """`gen_ai.output.messages` of any provider's response (or of a `StreamedResponse`)."""
    messages = _output_messages(response)
    return {"gen_ai.output.messages": _json(messages)} if messages else {}


def dump_value(value: Any) -> str:
    """The validated value a call returned, as JSON."""
    return _json(value)


# -- reading messages by shape -------------------------------------------------------------------
def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(key, default)
    return getattr(item, key, default)


def _message(message: Any) -> dict[str, Any]:
    role = _get(message, "role") or "user"
    role = _ROLES.get(str(role), str(role))
    if _get(message, "type") == "function_call_output":  # a Responses API input item
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": _get(message, "call_id"),
                                           "response": _get(message, "output")}]}
    if _get(message, "type") == "function_call":
        return {"role": "assistant", "parts": [_tool_call(message)]}
    content = _get(message, "content")
    if content is None:
        content = _get(message, "parts")  # google-genai's Content
    if role == "tool":  # OpenAI's tool result message
        parts = [{"type": "tool_call_response", "id": _get(message, "tool_call_id"), "response": _text_of(content)}]
    else:
        parts = _parts(content)
    for call in _get(message, "tool_calls") or ():
        parts.append(_tool_call(call))
    return {"role": role, "parts": parts}


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if not isinstance(content, (list, tuple)):
        content = [content]
    return [_part(item) for item in content]


def _part(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"type": "text", "content": item}
    kind = _get(item, "type")
    text = _get(item, "text")
    if isinstance(text, str) and kind in (None, "text", "input_text", "output_text"):
        return {"type": "text", "content": text}
    if kind in ("tool_use", "function_call") or _get(item, "toolUse") is not None \
            or _get(item, "function_call") is not None:
        return _tool_call(item)
    if kind == "tool_result":
        return {"type": "tool_call_response", "id": _get(item, "tool_use_id"), "response": _text_of(_get(item, "content"))}
    result = _get(item, "toolResult")
    if result is not None:
        return {"type": "tool_call_response", "id": _get(result, "toolUseId"),
                "response": _text_of(_get(result, "content"))}
    response = _get(item, "function_response")
    if response is not None:
        return {"type": "tool_call_response", "id": _get(response, "id"), "response": _get(response, "response")}
    return {"type": str(kind or "unknown")}  # an image, a document, a thinking block: no payload


def _tool_call(item: Any) -> dict[str, Any]:
    """A tool call of any shape: OpenAI's (`function`), Anthropic's (`tool_use`), Bedrock's (`toolUse`),
    Gemini's (`function_call`), the Responses API's (`function_call` item)."""
    inner = _get(item, "function") or _get(item, "toolUse") or _get(item, "function_call") or item
    arguments = _get(inner, "arguments")
    if arguments is None:
        arguments = _get(inner, "input")
    if arguments is None:
        arguments = _get(inner, "args")
    call_id = _get(item, "id") or _get(inner, "toolUseId") or _get(item, "call_id") or _get(inner, "id")
    return {"type": "tool_call", "id": call_id, "name": _get(inner, "name"), "arguments": arguments}


def _text_of(content: Any) -> Any:
    if isinstance(content, (list, tuple)):
        texts = [part["content"] for part in _parts(content) if part["type"] == "text"]
        return "".join(texts) if len(texts) == len(content) else [_part(item) for item in content]
    return content


def _output_messages(response: Any) -> list[dict[str, Any]]:
    if hasattr(response, "texts") and hasattr(response, "count"):  # a StreamedResponse
        names = response.names
        streamed = [{"type": "tool_call", "name": names[index], "arguments": text} if names.get(index)
                    else {"type": "text", "content": text} for index, text in response.texts.items()]
        return [_answer(streamed, getattr(response, "finish_reason", None))]
    if isinstance(response, Mapping):  # Bedrock's Converse
        message = (response.get("output") or {}).get("message") or {}
        return [_answer(_parts(message.get("content")), response.get("stopReason"))]
    choices = getattr(response, "choices", None)
    if isinstance(choices, (list, tuple)):  # OpenAI's chat completions and the wires like it
        return [_answer(_message(_get(choice, "message"))["parts"], _get(choice, "finish_reason"))
                for choice in choices]
    candidates = getattr(response, "candidates", None)
    if isinstance(candidates, (list, tuple)):  # Gemini
        return [_answer(_parts(_get(_get(c, "content"), "parts")), _get(c, "finish_reason")) for c in candidates]
    output = getattr(response, "output", None)
    if isinstance(output, (list, tuple)):  # the Responses API
        parts: list[dict[str, Any]] = []
        for item in output:
            parts.extend(_message(item)["parts"])
        return [_answer(parts, getattr(response, "status", None))]
    message = getattr(response, "message", None)
    if message is not None:  # Cohere's v2 chat
        return [_answer(_message(message)["parts"], getattr(response, "finish_reason", None))]
    content = getattr(response, "content", None)
    if isinstance(content, (list, tuple)):  # Anthropic's Message
        return [_answer(_parts(content), getattr(response, "stop_reason", None))]
    return []


def _answer(parts: list[dict[str, Any]], reason: Any) -> dict[str, Any]:
    return {"role": "assistant", "parts": parts, "finish_reason": str(getattr(reason, "value", reason) or "")}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    """What `json.dumps` cannot write: a pydantic model (an SDK's types, the user's) as its JSON data,
    anything else as its text."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:  # a model whose fields do not serialise: its text still says what it was
            pass
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)
