"""Mode handlers of Writer (Palmyra): the OpenAI-format handlers, adapted where
Writer's chat API (`POST /v1/chat`) differs. No SDK is imported.

WRITER_TOOLS offers one function with `tool_choice="auto"`: Writer's SDK types a
forced choice ambiguously (a `{"value": {...}}` wrapper in the SDK, OpenAI's
shape in the API docs), and "auto" is the form every Palmyra model with tool
calling accepts; an answer without the call is re-asked like any other failure.
WRITER_JSON asks for `response_format={"type": "json_schema", "json_schema":
{"name", "schema"}}`, Writer's structured output.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from instructor.formats.openai_chat import JSONHandler, ToolsHandler
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it


class WriterToolsHandler(ToolsHandler):
    """Tool calling with `tool_choice="auto"`."""

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = super().prepare_request(response_model, kwargs)
        if response_model is not None:
            request["tool_choice"] = "auto"
        return request

    def reask(self, kwargs: dict[str, Any], response: Any, error: Exception) -> dict[str, Any]:
        # the OpenAI re-ask names the forced tool; tell it which one the model should have called
        name = kwargs["tools"][0]["function"]["name"]
        forced = {**kwargs, "tool_choice": {"type": "function", "function": {"name": name}}}
        request = super().reask(forced, response, error)
        request["tool_choice"] = kwargs.get("tool_choice", "auto")
        return request


WRITER_TOOLS = WriterToolsHandler(Mode.WRITER_TOOLS)
WRITER_JSON = JSONHandler(Mode.WRITER_JSON, response_format="json_schema", instructions=False, strict=False)

# the core modes Writer serves with its own handlers (MD_JSON is the OpenAI format's)
TOOLS = WriterToolsHandler(Mode.TOOLS)
JSON_SCHEMA = JSONHandler(Mode.JSON_SCHEMA, response_format="json_schema", instructions=False, strict=False)
