"""Mode handlers of Gemini through the deprecated google-generativeai SDK.

GEMINI_TOOLS declares the model as one function and forces a call to it;
GEMINI_JSON asks for JSON text constrained by `response_schema`. This SDK takes
OpenAPI schemas, not JSON schema, so the model's schema is converted
(`openapi_schema`: references inlined, Optional as `nullable`). Reading,
re-asking and streaming are Gemini's, shared with google-genai
(`instructor.formats.gemini`, which imports no SDK).
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.formats.gemini import GeminiHandler, View, openapi_schema, proto_view
from instructor.mode import Mode
from instructor.providers.generative_ai.request import normalize

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

#: the fields of this SDK's `Schema` (minimum, pattern... have none: they are dropped)
SCHEMA_KEYS = frozenset({"type", "format", "description", "nullable", "enum", "items", "properties", "required"})


@functools.cache
def gemini_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema in this SDK's OpenAPI subset (cached per model)."""
    return openapi_schema(schema.parameters_schema(model), SCHEMA_KEYS)


class GenerativeAIHandler(GeminiHandler):
    """Reads google-generativeai's `GenerateContentResponse` (and its stream chunks)."""

    output_limit_keys = (("generation_config", "max_output_tokens"),)

    def view(self, response: Any) -> View:
        return proto_view(response)

    def model_turn(self, response: Any) -> Any:
        candidates = getattr(response, "candidates", None)
        if candidates:
            return candidates[0].content  # the SDK's Content proto, sent back as it came
        return super().model_turn(response)

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = normalize(kwargs)
        if response_model is not None:
            self.configure(request, response_model)
        return request

    def configure(self, request: dict[str, Any], response_model: type[BaseModel]) -> None:
        name = schema.tool_name(response_model)
        request["tools"] = [{"function_declarations": [{
            "name": name, "description": schema.description(response_model),
            "parameters": gemini_schema(response_model),
        }]}]
        request["tool_config"] = {"function_calling_config": {"mode": "ANY", "allowed_function_names": [name]}}


class ToolsHandler(GenerativeAIHandler):
    """GEMINI_TOOLS: a forced call to the one function that is the model."""

    tools = True


class JSONHandler(GenerativeAIHandler):
    """GEMINI_JSON: JSON text constrained by the model's schema (`response_schema`)."""

    def configure(self, request: dict[str, Any], response_model: type[BaseModel]) -> None:
        config = request["generation_config"]
        config["response_mime_type"] = "application/json"
        config["response_schema"] = gemini_schema(response_model)


GEMINI_TOOLS = ToolsHandler(Mode.GEMINI_TOOLS)
GEMINI_JSON = JSONHandler(Mode.GEMINI_JSON)

# the core modes google-generativeai serves (the registry's "generative-ai:<mode>" entries)
TOOLS = ToolsHandler(Mode.TOOLS)
MD_JSON = JSONHandler(Mode.MD_JSON)
