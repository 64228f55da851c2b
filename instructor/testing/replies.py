"""Scripted replies of the fake provider, in no provider's format.

A test says *what* the model answers (text, tool calls, a stop reason, an HTTP
error, a broken stream); each wire module renders it in its provider's format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolCall:
    """One tool call: `arguments` is a dict (serialised) or raw text (sent as is)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    @property
    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Reply:
    """What the fake model answers to one request.

    Attributes:
        content: the assistant's text.
        tool_calls: tool calls, in order.
        stop: why the model stopped: "stop", "length", "tool_calls", "refusal"
            (None: "tool_calls" when there are calls, else "stop"); each wire
            maps it to its own vocabulary (`stop_reason`, `stopReason`...).
        refusal: refusal text (OpenAI's `message.refusal`).
        thinking: reasoning text, for wires that stream thinking blocks.
        usage: (input tokens, output tokens).
        status: HTTP status; a status >= 400 sends `error` in the wire's error shape.
        error: the error message of an error reply.
        headers: extra response headers (e.g. `retry-after`).
        raw_body: bytes sent verbatim instead of a rendered body.
        chunk_size: characters per streamed fragment (small, to split strings,
            escapes and unicode at awkward places).
        cut_stream_after: close the connection after this many stream events.
        malformed_event_at: replace the data of the stream event at this index with
            broken JSON (an SSE `event:` name is kept).
        cut_body_at: send only this many bytes of a whole (non-streamed) body,
            then close the connection (the full length is announced).
        stall_after: after this many stream events, go silent for `delay` seconds with
            the connection open, then close it (a stalled stream).
        delay: seconds to wait before answering (for timeout tests), or, with
            `stall_after`, the length of the stall.
    """

    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    stop: str | None = None
    refusal: str | None = None
    thinking: str | None = None
    usage: tuple[int, int] = (11, 7)
    status: int = 200
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None
    chunk_size: int = 3
    cut_stream_after: int | None = None
    malformed_event_at: int | None = None
    cut_body_at: int | None = None
    stall_after: int | None = None
    delay: float = 0.0

    @property
    def stop_reason(self) -> str:
        if self.stop is not None:
            return self.stop
        return "tool_calls" if self.tool_calls else "stop"

    # -- constructors for the common cases ---------------------------------------------
    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        """The model answers with plain text."""
        return cls(content=content, **kw)

    @classmethod
    def json(cls, obj: Any, **kw: Any) -> Reply:
        """The model answers with `obj` serialised as JSON text."""
        return cls(content=json.dumps(obj, ensure_ascii=False), **kw)

    @classmethod
    def tool(cls, name: str, arguments: dict[str, Any] | str, **kw: Any) -> Reply:
        """The model calls one tool."""
        return cls(tool_calls=[ToolCall(name, arguments)], **kw)

    @classmethod
    def tools(cls, *calls: tuple[str, dict[str, Any] | str], **kw: Any) -> Reply:
        """The model calls several tools at once."""
        return cls(tool_calls=[ToolCall(n, a) for n, a in calls], **kw)

    @classmethod
    def http_error(cls, status: int, message: str = "fake provider error", **kw: Any) -> Reply:
        """The API answers with an HTTP error."""
        return cls(status=status, error=message, **kw)

    def fragments(self, text: str) -> list[str]:
        """`text` cut into `chunk_size` pieces, as a stream would deliver it."""
        size = max(1, self.chunk_size)
        return [text[i : i + size] for i in range(0, len(text), size)] or [""]
