"""Gemini `generateContent`: the REST wire of google-genai, Vertex AI and google-generativeai.

`POST .../models/{model}:generateContent` answers one `GenerateContentResponse`;
`:streamGenerateContent` streams them, as Server-Sent Events when the query asks
`alt=sse` (google-genai) and otherwise as one JSON array sent piece by piece (the
REST transport of the older google-cloud-aiplatform and google-generativeai SDKs).
The same body serves the Gemini API (`/v1beta/models/...`) and Vertex AI
(`/v1/projects/{p}/locations/{l}/publishers/google/models/...`).
Gemini sends a function call whole, in one chunk; text is cut into fragments.
A reply with `thinking` carries a thought signature, as Gemini's thinking models
send one: on the first function call, else on the last part (streamed: in a last
chunk whose part has empty text), which the caller must send back on its next turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from instructor.testing.replies import Reply, ToolCall
from instructor.testing.server import RecordedRequest
from instructor.testing.wires import WireResponse, json_response

FINISH = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS", "refusal": "SAFETY",
          "content_filter": "SAFETY"}
#: base64 of b"fake-signature": Gemini's thought signatures are opaque bytes, base64 on the wire
SIGNATURE = "ZmFrZS1zaWduYXR1cmU="
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def _args(call: ToolCall) -> Any:
    if not isinstance(call.arguments, str):
        return call.arguments
    try:
        args = json.loads(call.arguments)
    except (ValueError, RecursionError):  # not JSON, or nested beyond Python's json
        args = None
    if isinstance(args, dict) or call.arguments.strip() == "null":
        return args
    # Gemini's args are always an object; keep the text where a test can see it
    return {"_unparsed": call.arguments}


def _model_of(path: str) -> str:
    tail = path.split("?", 1)[0].rsplit("/models/", 1)[-1]
    return tail.split(":", 1)[0] or "fake-model"


class GenAIWire:
    name = "genai"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.endswith((":generateContent", ":streamGenerateContent"))

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        if reply.status >= 400:
            error = {"code": reply.status, "message": reply.error, "status": STATUS.get(reply.status, "UNKNOWN")}
            return json_response({"error": error}, status=reply.status, headers=reply.headers)
        path, _, query = request.path.partition("?")
        model = _model_of(path)
        if not path.endswith(":streamGenerateContent"):
            return json_response(self._response(self._parts(reply), reply, model, last=True), headers=reply.headers)
        if "alt=sse" in query:
            return WireResponse(headers={"content-type": "text/event-stream", **reply.headers},
                                events=(b"data: " + chunk + b"\r\n\r\n" for chunk in self._chunks(reply, model)))
        return WireResponse(headers={"content-type": "application/json", **reply.headers},
                            events=self._json_array(self._chunks(reply, model)))

    @staticmethod
    def _parts(reply: Reply) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        if reply.thinking is not None:
            parts.append({"text": reply.thinking, "thought": True})
        if reply.content:
            parts.append({"text": reply.content})
        parts.extend({"functionCall": {"name": c.name, "args": _args(c)}} for c in reply.tool_calls)
        if reply.thinking is not None:
            signed = parts[-len(reply.tool_calls)] if reply.tool_calls else parts[-1]
            signed["thoughtSignature"] = SIGNATURE
        return parts

    @staticmethod
    def _response(parts: list[dict[str, Any]], reply: Reply, model: str, *, last: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        body: dict[str, Any] = {"candidates": [candidate], "modelVersion": model, "responseId": "fake-response"}
        if last:
            candidate["finishReason"] = FINISH.get(reply.stop_reason, reply.stop_reason.upper())
            prompt, completion = reply.usage
            usage = {"promptTokenCount": prompt, "candidatesTokenCount": completion - reply.reasoning_tokens,
                     "totalTokenCount": prompt + completion}
            if reply.cached_tokens:
                usage["cachedContentTokenCount"] = reply.cached_tokens
            if reply.reasoning_tokens:
                usage["thoughtsTokenCount"] = reply.reasoning_tokens
            body["usageMetadata"] = usage
        return body

    def _chunks(self, reply: Reply, model: str) -> Iterator[bytes]:
        pieces: list[list[dict[str, Any]]] = []
        if reply.thinking:
            pieces.extend([{"text": t, "thought": True}] for t in reply.fragments(reply.thinking))
        if reply.content:
            pieces.extend([{"text": t}] for t in reply.fragments(reply.content))
        calls: list[list[dict[str, Any]]] = [[{"functionCall": {"name": c.name, "args": _args(c)}}]
                                             for c in reply.tool_calls]
        pieces.extend(calls)
        if reply.thinking is not None:
            if calls:
                calls[0][0]["thoughtSignature"] = SIGNATURE
            else:
                pieces.append([{"text": "", "thoughtSignature": SIGNATURE}])
        if not pieces:
            pieces.append([])
        for i, parts in enumerate(pieces):
            chunk = self._response(parts, reply, model, last=i == len(pieces) - 1)
            yield json.dumps(chunk, ensure_ascii=False).encode()

    @staticmethod
    def _json_array(chunks: Iterator[bytes]) -> Iterator[bytes]:
        separator = b"["
        for chunk in chunks:
            yield separator + chunk
            separator = b",\r\n"
        yield b"]" if separator != b"[" else b"[]"
