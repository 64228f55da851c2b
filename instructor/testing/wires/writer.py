"""Writer chat: `POST /v1/chat`, OpenAI's Chat Completions body and stream on another path."""

from __future__ import annotations

from instructor.testing.wires.openai import OpenAIWire


class WriterWire(OpenAIWire):
    name = "writer"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/v1/chat")
