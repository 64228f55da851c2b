"""OpenAI Responses API: `POST /v1/responses`, JSON or Server-Sent Events.

A reply becomes output items in this order: a `message` item (the text, or a
refusal), then one `function_call` item per tool call. A stream sends the event
sequence the openai SDK's `responses.create(stream=True)` and `responses.stream`
read: `response.created`, `response.in_progress`, per item
`response.output_item.added`, its deltas (`response.function_call_arguments.delta`
/ `.done`, or `response.content_part.added`, `response.output_text.delta` /
`.done`, `response.content_part.done`), `response.output_item.done`, and at the
end `response.completed` with the usage. `Reply(stop="length")` ends with
`response.incomplete` (reason `max_output_tokens`) instead; `Reply(stop="none")`
sends no final event at all (a stream cut short without an error).
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


def _sse(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class ResponsesWire:
    name = "openai-responses"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/responses")

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
            return WireResponse(headers={"content-type": "text/event-stream", **reply.headers},
                                events=self._events(reply, body, n))
        return json_response(self._response(reply, body, n, self._items(reply, n)), headers=reply.headers)

    # -- the Response object ------------------------------------------------------------------
    @staticmethod
    def _usage(reply: Reply) -> dict[str, Any]:
        prompt, completion = reply.usage
        return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": reply.cached_tokens},
                "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
                "total_tokens": prompt + completion}

    @staticmethod
    def _items(reply: Reply, n: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if reply.refusal is not None:
            items.append({"type": "message", "id": f"msg_fake_{n}", "role": "assistant", "status": "completed",
                          "content": [{"type": "refusal", "refusal": reply.refusal}]})
        elif reply.content is not None:
            items.append({"type": "message", "id": f"msg_fake_{n}", "role": "assistant", "status": "completed",
                          "content": [{"type": "output_text", "text": reply.content, "annotations": [],
                                       "logprobs": []}]})
        for i, call in enumerate(reply.tool_calls):
            items.append({"type": "function_call", "id": f"fc_fake_{n}_{i}", "call_id": call.id or f"call_{n}_{i}",
                          "name": call.name, "arguments": call.arguments_text, "status": "completed"})
        return items

    def _response(self, reply: Reply, body: dict[str, Any], n: int, output: list[dict[str, Any]],
                  status: str | None = None) -> dict[str, Any]:
        if status is None:
            status = "incomplete" if reply.stop_reason == "length" else "completed"
        return {
            "id": f"resp_fake_{n}",
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": body.get("model", "fake-model"),
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": None,
            "temperature": body.get("temperature", 1.0),
            "text": body.get("text") or {"format": {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": self._usage(reply) if status != "in_progress" else None,
            "metadata": {},
        }

    # -- the stream ---------------------------------------------------------------------------
    def _events(self, reply: Reply, body: dict[str, Any], n: int) -> Iterator[bytes]:
        seq = itertools.count()

        def event(kind: str, **fields: Any) -> bytes:
            return _sse({"type": kind, "sequence_number": next(seq), **fields})

        started = self._response(reply, body, n, [], status="in_progress")
        yield event("response.created", response=started)
        yield event("response.in_progress", response=started)
        items = self._items(reply, n)
        for index, item in enumerate(items):
            if item["type"] == "function_call":
                yield event("response.output_item.added", output_index=index,
                            item={**item, "arguments": "", "status": "in_progress"})
                for piece in reply.fragments(item["arguments"]):
                    yield event("response.function_call_arguments.delta", item_id=item["id"], output_index=index,
                                delta=piece)
                yield event("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                            arguments=item["arguments"])
            else:
                yield event("response.output_item.added", output_index=index,
                            item={**item, "content": [], "status": "in_progress"})
                part = item["content"][0]
                empty = {"type": "refusal", "refusal": ""} if part["type"] == "refusal" \
                    else {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
                yield event("response.content_part.added", part=empty, **ids)
                if part["type"] == "refusal":
                    for piece in reply.fragments(part["refusal"]):
                        yield event("response.refusal.delta", delta=piece, **ids)
                    yield event("response.refusal.done", refusal=part["refusal"], **ids)
                else:
                    for piece in reply.fragments(part["text"]):
                        yield event("response.output_text.delta", delta=piece, logprobs=[], **ids)
                    yield event("response.output_text.done", text=part["text"], logprobs=[], **ids)
                yield event("response.content_part.done", part=part, **ids)
            yield event("response.output_item.done", output_index=index, item=item)
        if reply.stop_reason == "none":
            return
        final = self._response(reply, body, n, items)
        kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
        yield event(kind, response=final)
