"""Provider wire formats the fake server speaks, one module each.

A wire says which requests are its own (`matches`), whether one asks for a
stream, and renders a `Reply` as a JSON body or a list of stream events.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from instructor.testing.replies import Reply
    from instructor.testing.server import RecordedRequest


@dataclass
class WireResponse:
    """An HTTP answer: a whole body, or stream events sent with chunked encoding."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    events: Iterator[bytes] | None = None


class Wire(Protocol):
    name: str

    def matches(self, method: str, path: str) -> bool: ...

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse: ...


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> WireResponse:
    import json

    return WireResponse(
        status=status,
        headers={"content-type": "application/json", **(headers or {})},
        body=json.dumps(payload).encode(),
    )


def default_wires() -> list[Wire]:
    """Every built-in wire, most specific first."""
    from instructor.testing.wires.mistral import MistralWire
    from instructor.testing.wires.openai import OpenAIWire

    # Mistral's path also ends in /chat/completions: its prefixed wire goes first
    wires: list[Wire] = [MistralWire(), OpenAIWire()]
    for module, cls in (
        ("instructor.testing.wires.anthropic", "AnthropicWire"),
        ("instructor.testing.wires.bedrock", "BedrockWire"),
        ("instructor.testing.wires.writer", "WriterWire"),
        ("instructor.testing.wires.genai", "GenAIWire"),
        ("instructor.testing.wires.cohere", "CohereWire"),
        ("instructor.testing.wires.moderation", "ModerationWire"),
        ("instructor.testing.wires.responses", "ResponsesWire"),  # OpenAI Responses API
    ):
        try:
            import importlib

            wires.append(getattr(importlib.import_module(module), cls)())
        except ImportError:
            continue
    return wires
