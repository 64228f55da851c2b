"""OpenAI Chat Completions: `POST /v1/chat/completions`, JSON or Server-Sent Events.

Streams send a role chunk, the content (or each tool call's arguments) cut into
`Reply.chunk_size` characters (so strings, escapes and unicode split at awkward
places: use chunk_size=1 to split everywhere), a finish chunk, the usage chunk
when `stream_options.include_usage` is set, and `[DONE]`. `Reply(stop="none")`
leaves the finish chunk out: a stream that ends cleanly without saying why.
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

_ids = itertools.count(1)

FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "refusal": "stop",
          "content_filter": "content_filter"}


def _sse(payload: Any) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class OpenAIWire:
    name = "openai"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/chat/completions")

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        body = request.json or {}
        if reply.status >= 400:
            return json_response(
                {"error": {"message": reply.error, "type": "fake_error", "param": None, "code": None}},
                status=reply.status,
                headers=reply.headers,
            )
        n = next(_ids)
        if body.get("stream"):
            return WireResponse(
                headers={"content-type": "text/event-stream", **reply.headers},
                events=self._events(reply, body, n),
            )
        return json_response(self._completion(reply, body, n), headers=reply.headers)

    @staticmethod
    def _usage(reply: Reply) -> dict[str, Any]:
        prompt, completion = reply.usage
        usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion,
                                 "total_tokens": prompt + completion}
        if reply.cached_tokens:
            usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens}
        if reply.reasoning_tokens:
            usage["completion_tokens_details"] = {"reasoning_tokens": reply.reasoning_tokens}
        return usage

    def _completion(self, reply: Reply, body: dict[str, Any], n: int) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": reply.refusal}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": c.id or f"call_{n}_{i}", "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments_text}}
                for i, c in enumerate(reply.tool_calls)
            ]
        return {
            "id": f"chatcmpl-fake-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "system_fingerprint": "fp_fake",  # sent by OpenAI; required by some SDKs' types (Cerebras)
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": FINISH.get(reply.stop_reason, reply.stop_reason)}],
            "usage": self._usage(reply),
        }

    def _events(self, reply: Reply, body: dict[str, Any], n: int) -> Iterator[bytes]:
        base = {"id": f"chatcmpl-fake-{n}", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model", "fake-model"), "system_fingerprint": "fp_fake"}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            return _sse({**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                              "finish_reason": finish}]})

        yield chunk({"role": "assistant", "content": ""})
        if reply.refusal:
            for piece in reply.fragments(reply.refusal):
                yield chunk({"refusal": piece})
        if reply.content:
            for piece in reply.fragments(reply.content):
                yield chunk({"content": piece})
        for i, call in enumerate(reply.tool_calls):
            yield chunk({"tool_calls": [{"index": i, "id": call.id or f"call_{n}_{i}", "type": "function",
                                         "function": {"name": call.name, "arguments": ""}}]})
            for piece in reply.fragments(call.arguments_text):
                # "type" on every delta: optional in OpenAI's schema, required by Cerebras's SDK types
                yield chunk({"tool_calls": [{"index": i, "type": "function", "function": {"arguments": piece}}]})
        if reply.stop_reason != "none":
            yield chunk({}, FINISH.get(reply.stop_reason, reply.stop_reason))
        if (body.get("stream_options") or {}).get("include_usage"):
            yield _sse({**base, "choices": [], "usage": self._usage(reply)})
        yield b"data: [DONE]\n\n"
