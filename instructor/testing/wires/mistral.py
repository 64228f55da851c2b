"""Mistral chat completions: `POST {server_url}/v1/chat/completions`, JSON or Server-Sent Events.

Mistral's body is OpenAI's shape, but its stream sends each tool call whole in
one chunk (name and complete arguments) and its usage in the last chunk. The
real path is the OpenAI one, so this wire answers under a `/mistral` prefix:
point the SDK at `FakeProvider.mistral_server_url` (it sits before the OpenAI
wire in `default_wires`). A reply with `thinking` answers as Mistral's reasoning
models do: `content` is a list of chunks, a `thinking` chunk then a `text` chunk
(streamed: each fragment a one-chunk list).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

from instructor.testing.replies import Reply
from instructor.testing.server import RecordedRequest
from instructor.testing.wires import WireResponse, json_response

PREFIX = "/mistral"
FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "refusal": "stop",
          "content_filter": "stop"}

_ids = itertools.count(1)


def _sse(payload: Any) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _thinking(text: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": [_text(text)]}


class MistralWire:
    name = "mistral"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.startswith(PREFIX + "/") and path.rstrip("/").endswith("/chat/completions")

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        body = request.json or {}
        if reply.status >= 400:
            return json_response({"object": "error", "message": reply.error, "type": "invalid_request_error",
                                  "param": None, "code": None}, status=reply.status, headers=reply.headers)
        n = next(_ids)
        base = {"id": f"mistral-fake-{n}", "created": int(time.time()), "model": body.get("model", "fake-model")}
        if body.get("stream"):
            return WireResponse(headers={"content-type": "text/event-stream", **reply.headers},
                                events=self._events(reply, base, n))
        content: Any = reply.content or ""
        if reply.thinking is not None:
            content = [_thinking(reply.thinking), *([_text(reply.content)] if reply.content else [])]
        message: dict[str, Any] = {"role": "assistant", "content": content, "prefix": False}
        if reply.tool_calls:
            message["tool_calls"] = self._calls(reply, n)
        return json_response({**base, "object": "chat.completion", "usage": self._usage(reply),
                              "choices": [{"index": 0, "message": message, "finish_reason": self._finish(reply)}]},
                             headers=reply.headers)

    @staticmethod
    def _finish(reply: Reply) -> str:
        return FINISH.get(reply.stop_reason, reply.stop_reason)

    @staticmethod
    def _usage(reply: Reply) -> dict[str, int]:
        prompt, completion = reply.usage
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    @staticmethod
    def _calls(reply: Reply, n: int) -> list[dict[str, Any]]:
        return [{"id": c.id or f"call{n}x{i}", "type": "function", "index": i,
                 "function": {"name": c.name, "arguments": c.arguments_text}}
                for i, c in enumerate(reply.tool_calls)]

    def _events(self, reply: Reply, base: dict[str, Any], n: int) -> Iterator[bytes]:
        base = {**base, "object": "chat.completion.chunk"}

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            return _sse({**base, **extra, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

        yield chunk({"role": "assistant", "content": ""})
        if reply.thinking:
            for piece in reply.fragments(reply.thinking):
                yield chunk({"content": [_thinking(piece)]})
        if reply.content:
            for piece in reply.fragments(reply.content):
                yield chunk({"content": [_text(piece)] if reply.thinking is not None else piece})
        if reply.tool_calls:
            yield chunk({"tool_calls": self._calls(reply, n)})
        yield chunk({"content": ""}, self._finish(reply), usage=self._usage(reply))
        yield b"data: [DONE]\n\n"
