"""Mode handlers of Fireworks AI, the OpenAI-format handlers under Fireworks's modes.

FIREWORKS_TOOLS forces one function call. FIREWORKS_JSON describes the schema in
a system message and sends it again as `response_format={"type": "json_object",
"schema": ...}`, Fireworks's grammar-constrained JSON mode. No SDK is imported.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from instructor.core import schema
from instructor.formats.openai_chat import JSONHandler, ToolsHandler
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it


class FireworksJSONHandler(JSONHandler):
    """JSON mode with the schema attached to `response_format`, as Fireworks accepts it."""

    def __init__(self, mode: Mode) -> None:
        super().__init__(mode, response_format="json_object")

    def prepare_request(self, response_model: type[BaseModel] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request = super().prepare_request(response_model, kwargs)
        if response_model is not None:
            request["response_format"] = {"type": "json_object", "schema": schema.parameters_schema(response_model)}
        return request


FIREWORKS_TOOLS = ToolsHandler(Mode.FIREWORKS_TOOLS)
FIREWORKS_JSON = FireworksJSONHandler(Mode.FIREWORKS_JSON)

# Fireworks's JSON mode (its other modes are the OpenAI format's)
JSON = FireworksJSONHandler(Mode.JSON)
