"""Anthropic Messages: `POST /v1/messages`, JSON or Server-Sent Events.

A reply becomes content blocks in Anthropic's order (thinking, text, tool_use);
the stream sends `message_start`, per block `content_block_start` / deltas
(`thinking_delta` + `signature_delta`, `text_delta`, `input_json_delta`) /
`content_block_stop`, then `message_delta` with the stop reason and usage, and
`message_stop`, as Anthropic's API does.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from instructor.testing.replies import Reply
from instructor.testing.server import RecordedRequest
from instructor.testing.wires import WireResponse, json_response

_ids = itertools.count(1)

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "refusal": "refusal"}
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
               500: "api_error", 529: "overloaded_error"}
SIGNATURE = "fake-signature"


def _sse(event: str, payload: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class AnthropicWire:
    name = "anthropic"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/v1/messages")

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        body = request.json or {}
        if reply.status >= 400:
            error_type = ERROR_TYPES.get(reply.status, "api_error")
            return json_response({"type": "error", "error": {"type": error_type, "message": reply.error}},
                                 status=reply.status, headers=reply.headers)
        n = next(_ids)
        if body.get("stream"):
            return WireResponse(headers={"content-type": "text/event-stream", **reply.headers},
                                events=self._events(reply, body, n))
        return json_response(self._message(reply, body, n), headers=reply.headers)

    @staticmethod
    def stop_reason(reply: Reply) -> str:
        return STOP_REASONS.get(reply.stop_reason, reply.stop_reason)

    @staticmethod
    def _blocks(reply: Reply, n: int) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        if reply.thinking is not None:
            blocks.append({"type": "thinking", "thinking": reply.thinking, "signature": SIGNATURE})
        if reply.content is not None or reply.refusal is not None:
            blocks.append({"type": "text", "text": reply.content if reply.content is not None else reply.refusal})
        for i, call in enumerate(reply.tool_calls):
            try:
                arguments = json.loads(call.arguments_text)
            except (ValueError, RecursionError):  # not JSON, or nested beyond Python's json: sent as a string
                arguments = call.arguments_text
            blocks.append({"type": "tool_use", "id": call.id or f"toolu_{n}_{i}", "name": call.name,
                           "input": arguments})
        return blocks

    def _message(self, reply: Reply, body: dict[str, Any], n: int) -> dict[str, Any]:
        return {
            "id": f"msg_fake_{n}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "fake-model"),
            "content": self._blocks(reply, n),
            "stop_reason": self.stop_reason(reply),
            "stop_sequence": None,
            "usage": self._usage(reply, reply.usage[1]),
        }

    @staticmethod
    def _usage(reply: Reply, output: int) -> dict[str, int]:
        """Anthropic's counts: the tokens read from the prompt cache beside the rest of the input."""
        prompt = reply.usage[0]
        usage = {"input_tokens": prompt - reply.cached_tokens, "output_tokens": output}
        if reply.cached_tokens:
            usage["cache_read_input_tokens"] = reply.cached_tokens
        return usage

    def _events(self, reply: Reply, body: dict[str, Any], n: int) -> Iterator[bytes]:
        completion = reply.usage[1]
        message = {**self._message(reply, body, n), "content": [], "stop_reason": None,
                   "usage": self._usage(reply, 1)}
        yield _sse("message_start", {"type": "message_start", "message": message})
        yield _sse("ping", {"type": "ping"})
        for index, block in enumerate(self._blocks(reply, n)):
            kind = block["type"]
            if kind == "thinking":
                start: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
                deltas = [{"type": "thinking_delta", "thinking": p} for p in reply.fragments(block["thinking"])]
                deltas.append({"type": "signature_delta", "signature": block["signature"]})
            elif kind == "text":
                start = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": p} for p in reply.fragments(block["text"])]
            else:
                start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
                text = block["input"] if isinstance(block["input"], str) else json.dumps(block["input"])
                deltas = [{"type": "input_json_delta", "partial_json": p} for p in reply.fragments(text)]
            yield _sse("content_block_start", {"type": "content_block_start", "index": index,
                                               "content_block": start})
            for delta in deltas:
                yield _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
        yield _sse("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": self.stop_reason(reply), "stop_sequence": None},
                                     "usage": {"output_tokens": completion}})
        yield _sse("message_stop", {"type": "message_stop"})
