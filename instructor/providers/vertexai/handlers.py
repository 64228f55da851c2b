"""Mode handlers of Gemini through the deprecated Vertex AI SDK (`vertexai.generative_models`).

VERTEXAI_TOOLS declares the model as one function and forces a call to it;
VERTEXAI_PARALLEL_TOOLS declares one function per model of an iterable and
lets Gemini call several; VERTEXAI_JSON asks for JSON text constrained by
`response_schema`. Reading, re-asking and streaming are Gemini's, shared with
google-genai (`instructor.formats.gemini`, which imports no SDK); this
module says how the Vertex AI SDK exposes a response. Protobuf numbers come as
floats: function-call arguments get their whole numbers back (25.0 -> 25).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.formats.gemini import GeminiHandler, View, gemini_schema, proto_view
from instructor.mode import Mode
from instructor.providers.vertexai.request import normalize

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it


def function_declaration(model: type[BaseModel]) -> dict[str, Any]:
    return {"name": schema.tool_name(model), "description": schema.description(model),
            "parameters": gemini_schema(model)}


class VertexAIHandler(GeminiHandler):
    """Reads the Vertex AI SDK's `GenerationResponse` (and its stream chunks)."""

    output_limit_keys = (("generation_config", "max_output_tokens"),)

    def view(self, response: Any) -> View:
        return proto_view(response)

    def model_turn(self, response: Any) -> Any:
        candidates = getattr(response, "candidates", None)
        if candidates:
            return candidates[0].content  # the SDK's Content, sent back as it came
        return super().model_turn(response)

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = normalize(kwargs)
        if response_model is not None:
            self.configure(request, response_model)
        return request

    def configure(self, request: dict[str, Any], response_model: type[BaseModel]) -> None:
        models = self.models(response_model) if self.parallel else (response_model,)
        request["tools"] = [{"function_declarations": [function_declaration(m) for m in models]}]
        request["tool_config"] = {"function_calling_config": {
            "mode": "ANY", "allowed_function_names": [schema.tool_name(m) for m in models],
        }}


class ToolsHandler(VertexAIHandler):
    """VERTEXAI_TOOLS: a forced call to the one function that is the model."""

    tools = True


class ParallelToolsHandler(VertexAIHandler):
    """VERTEXAI_PARALLEL_TOOLS: one function per model; each call is one object."""

    tools = True
    parallel = True


class JSONHandler(VertexAIHandler):
    """VERTEXAI_JSON: JSON text constrained by the model's schema (`response_schema`)."""

    def configure(self, request: dict[str, Any], response_model: type[BaseModel]) -> None:
        config = request["generation_config"]
        config["response_mime_type"] = "application/json"
        config["response_schema"] = gemini_schema(response_model)


VERTEXAI_TOOLS = ToolsHandler(Mode.VERTEXAI_TOOLS)
VERTEXAI_PARALLEL_TOOLS = ParallelToolsHandler(Mode.VERTEXAI_PARALLEL_TOOLS)
VERTEXAI_JSON = JSONHandler(Mode.VERTEXAI_JSON)

# the core modes Vertex AI serves (the registry's "vertexai:<mode>" entries)
TOOLS = ToolsHandler(Mode.TOOLS)
PARALLEL_TOOLS = ParallelToolsHandler(Mode.PARALLEL_TOOLS)
MD_JSON = JSONHandler(Mode.MD_JSON)
