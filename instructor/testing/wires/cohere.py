"""Cohere v2 chat: `POST /v2/chat`, JSON or Server-Sent Events.

A reply becomes Cohere's assistant message: `content` items (thinking, text),
`tool_calls` with JSON-text arguments, a `finish_reason` in Cohere's words
(`COMPLETE`, `MAX_TOKENS`, `TOOL_CALL`) and `usage` in billed units and tokens.
The stream sends `message-start`, per content item `content-start` /
`content-delta` / `content-end`, per tool call `tool-call-start` /
`tool-call-delta` / `tool-call-end`, then `message-end` with the finish reason
and usage, as Cohere's API does.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from instructor.testing.replies import Reply
from instructor.testing.server import RecordedRequest
from instructor.testing.wires import WireResponse, json_response

FINISH = {"stop": "COMPLETE", "length": "MAX_TOKENS", "tool_calls": "TOOL_CALL", "refusal": "COMPLETE",
          "content_filter": "ERROR"}

_ids = itertools.count(1)


def _sse(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class CohereWire:
    name = "cohere"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/v2/chat")

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        body = request.json or {}
        if reply.status >= 400:
            return json_response({"message": reply.error}, status=reply.status, headers=reply.headers)
        n = next(_ids)
        if body.get("stream"):
            return WireResponse(headers={"content-type": "text/event-stream", **reply.headers},
                                events=self._events(reply, n))
        message: dict[str, Any] = {"role": "assistant", "content": self._content(reply)}
        if reply.tool_calls:
            message["tool_plan"] = "I will call the tool."
            message["tool_calls"] = [
                {"id": c.id or f"call-{n}-{i}", "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments_text}}
                for i, c in enumerate(reply.tool_calls)
            ]
        return json_response({"id": f"cohere-fake-{n}", "finish_reason": self._finish(reply),
                              "message": message, "usage": self._usage(reply)}, headers=reply.headers)

    @staticmethod
    def _finish(reply: Reply) -> str:
        return FINISH.get(reply.stop_reason, reply.stop_reason.upper())

    @staticmethod
    def _usage(reply: Reply) -> dict[str, Any]:
        prompt, completion = reply.usage
        counts = {"input_tokens": prompt, "output_tokens": completion}
        return {"billed_units": counts, "tokens": counts}

    @staticmethod
    def _content(reply: Reply) -> list[dict[str, Any]]:
        content: list[dict[str, Any]] = []
        if reply.thinking is not None:
            content.append({"type": "thinking", "thinking": reply.thinking})
        if reply.content:
            content.append({"type": "text", "text": reply.content})
        return content

    def _events(self, reply: Reply, n: int) -> Iterator[bytes]:
        yield _sse({"type": "message-start", "id": f"cohere-fake-{n}",
                    "delta": {"message": {"role": "assistant", "content": [], "tool_plan": "",
                                          "tool_calls": [], "citations": []}}})
        for index, item in enumerate(self._content(reply)):
            kind = item["type"]
            yield _sse({"type": "content-start", "index": index,
                        "delta": {"message": {"content": {"type": kind, kind: ""}}}})
            for piece in reply.fragments(item[kind]):
                yield _sse({"type": "content-delta", "index": index,
                            "delta": {"message": {"content": {kind: piece}}}})
            yield _sse({"type": "content-end", "index": index})
        if reply.tool_calls:
            yield _sse({"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "I will call the tool."}}})
        for i, call in enumerate(reply.tool_calls):
            yield _sse({"type": "tool-call-start", "index": i, "delta": {"message": {"tool_calls": {
                "id": call.id or f"call-{n}-{i}", "type": "function",
                "function": {"name": call.name, "arguments": ""}}}}})
            for piece in reply.fragments(call.arguments_text):
                yield _sse({"type": "tool-call-delta", "index": i,
                            "delta": {"message": {"tool_calls": {"function": {"arguments": piece}}}}})
            yield _sse({"type": "tool-call-end", "index": i})
        yield _sse({"type": "message-end", "id": f"cohere-fake-{n}",
                    "delta": {"finish_reason": self._finish(reply), "usage": self._usage(reply)}})
