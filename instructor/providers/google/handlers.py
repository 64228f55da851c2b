"""Mode handlers of Gemini through the google-genai SDK (Gemini API and Vertex AI alike).

GENAI_TOOLS declares one function whose parameters are the model's JSON schema
and forces Gemini to call it (`function_calling_config` mode `ANY`, that name
only). GENAI_STRUCTURED_OUTPUTS asks for JSON text constrained by the schema
(`response_mime_type="application/json"` and `response_json_schema`).
Re-asking sends the model's turn back as the SDK returned it (thought signatures
included; after a stream, the parts its chunks carried, noted as they arrived and
joined back into one turn), then a `function_response` per call carrying the validation error,
or a user turn for JSON. The handlers read SDK objects by attribute.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.core.handler import StreamDelta
from instructor.formats.gemini import GeminiHandler, Part, View, reason_name
from instructor.mode import Mode
from instructor.providers.google.request import normalize

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it


@functools.cache
def genai_tool(model: type[BaseModel]) -> dict[str, Any]:
    """The `config["tools"]` entry declaring `model` as a function (cached per model)."""
    return {"function_declarations": [{
        "name": schema.tool_name(model),
        "description": schema.description(model),
        "parameters_json_schema": schema.parameters_schema(model),
    }]}


def _note_parts(content: Any, state: dict[str, Any]) -> None:
    """Keep the parts of one stream chunk's content for the model's turn: adjacent text fragments
    of the same kind as one run (their texts joined once the stream is over, `_turn`); a part
    with a signature (on a call, or on a last part of empty text) as it came, because Gemini
    checks that the signature it sent returns on the part it was on."""
    state.setdefault("content_type", type(content))
    parts: list[Any] = state.setdefault("parts", [])
    for part in content.parts or ():
        last = parts[-1] if parts else None
        if not _plain_text(part):
            parts.append(part)
        elif isinstance(last, list) and bool(part.thought) == bool(last[0].thought):
            last[1].append(part.text)
        else:
            parts.append([part, [part.text]])


def _turn(state: dict[str, Any]) -> Any:
    """The model's turn a stream spelled out, as one SDK `Content`; None when no chunk had content."""
    if "content_type" not in state:
        return None
    parts = [part[0].model_copy(update={"text": "".join(part[1])}) if isinstance(part, list) else part
             for part in state["parts"]]
    return state["content_type"](role="model", parts=parts)


def _plain_text(part: Any) -> bool:
    """A text fragment that may be joined to its neighbour: no call, no signature."""
    return part.text is not None and part.function_call is None and not part.thought_signature


class GenAIHandler(GeminiHandler):
    """Reads google-genai's `GenerateContentResponse` (and its stream chunks)."""

    output_limit_keys = (("config", "max_output_tokens"),)  # generation settings live in `config`

    def view(self, response: Any) -> View:
        candidates = getattr(response, "candidates", None)
        if not candidates:
            feedback = getattr(response, "prompt_feedback", None)
            return View([], None, reason_name(getattr(feedback, "block_reason", None)))
        candidate = candidates[0]
        content = candidate.content
        parts: list[Part] = []
        for part in (content.parts or []) if content is not None else []:
            call = part.function_call
            if call is not None:
                parts.append(Part("call", name=call.name or "", args=call.args or {}))
            elif part.text is not None:
                parts.append(Part("thought" if part.thought else "text", part.text))
        return View(parts, reason_name(candidate.finish_reason))

    def model_turn(self, response: Any) -> Any:
        candidates = getattr(response, "candidates", None)
        if candidates and candidates[0].content is not None:
            return candidates[0].content  # as returned: keeps thought signatures Gemini asks back
        turn = getattr(response, "turn", None)
        if candidates is None and isinstance(turn, dict) and turn.get("content") is not None:  # a stream's
            return turn["content"]
        return super().model_turn(response)

    def _deltas(self, chunk: Any, state: dict[str, Any]) -> Iterator[StreamDelta]:
        candidates = getattr(chunk, "candidates", None)
        content = candidates[0].content if candidates else None
        if content is not None:
            _note_parts(content, state)
        return super()._deltas(chunk, state)

    def _noted(self, state: dict[str, Any], response: Any) -> None:
        super()._noted(state, response)
        content = _turn(state)
        if content is not None:
            response.turn = {**(response.turn or {}), "content": content}

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = normalize(kwargs)
        if response_model is not None:
            self.configure(request["config"], response_model)
        return request

    def configure(self, config: dict[str, Any], response_model: type[BaseModel]) -> None:
        raise NotImplementedError


class ToolsHandler(GenAIHandler):
    """GENAI_TOOLS: a forced call to the one function that is the model."""

    tools = True

    def configure(self, config: dict[str, Any], response_model: type[BaseModel]) -> None:
        config["tools"] = [genai_tool(response_model)]
        config["tool_config"] = {"function_calling_config": {
            "mode": "ANY", "allowed_function_names": [schema.tool_name(response_model)],
        }}


class StructuredOutputsHandler(GenAIHandler):
    """GENAI_STRUCTURED_OUTPUTS: JSON text constrained by the model's JSON schema."""

    def configure(self, config: dict[str, Any], response_model: type[BaseModel]) -> None:
        config["response_mime_type"] = "application/json"
        config["response_json_schema"] = schema.json_schema(response_model)


GENAI_TOOLS = ToolsHandler(Mode.GENAI_TOOLS)
GENAI_STRUCTURED_OUTPUTS = StructuredOutputsHandler(Mode.GENAI_STRUCTURED_OUTPUTS)

# the core modes google-genai serves (the registry's "google:<mode>" entries)
TOOLS = ToolsHandler(Mode.TOOLS)
JSON = StructuredOutputsHandler(Mode.JSON)
