"""Mode handlers of Cerebras: its chat API is OpenAI's, so these are the OpenAI-format
handlers under Cerebras's own modes (the module imports no SDK).

CEREBRAS_TOOLS forces one function call; CEREBRAS_JSON describes the schema in a
system message and asks for `response_format={"type": "json_object"}`.
"""

from __future__ import annotations

from instructor.formats.openai_chat import JSONHandler, ToolsHandler
from instructor.mode import Mode

CEREBRAS_TOOLS = ToolsHandler(Mode.CEREBRAS_TOOLS)
CEREBRAS_JSON = JSONHandler(Mode.CEREBRAS_JSON, response_format="json_object")
