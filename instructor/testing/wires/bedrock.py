"""Bedrock Converse: `POST /model/{modelId}/converse` (JSON) and `/converse-stream`.

The stream is AWS's binary event-stream framing, written here from the spec so
that boto3 reads it as it reads Bedrock's: each message is a 12-byte prelude
(total length, headers length, CRC32 of those 8 bytes), headers
(`:event-type`, `:content-type`, `:message-type`, each a name length byte, the
name, type 7 = string, a 2-byte value length, the value), a JSON payload, and
the CRC32 of everything before it. Events follow Converse's order:
`messageStart`, per block `contentBlockStart` (tool use, a server tool's result) / `contentBlockDelta` /
`contentBlockStop`, `messageStop` with the stop reason, then `metadata` (usage).
"""

from __future__ import annotations

import binascii
import json
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from instructor.testing.replies import Reply
from instructor.testing.server import RecordedRequest
from instructor.testing.wires import WireResponse, json_response

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                "refusal": "content_filtered"}
ERROR_TYPES = {400: "ValidationException", 401: "UnrecognizedClientException", 403: "AccessDeniedException", 404: "ResourceNotFoundException",
               408: "ModelTimeoutException", 424: "ModelErrorException", 429: "ThrottlingException",
               500: "InternalServerException", 503: "ServiceUnavailableException"}
SIGNATURE = "fake-signature"
_STRING = 7  # the event-stream header value type of a UTF-8 string


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return struct.pack("!B", len(raw_name)) + raw_name + struct.pack("!BH", _STRING, len(raw_value)) + raw_value


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude, prelude CRC, headers, payload, message CRC."""
    raw_headers = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack("!II", total, len(raw_headers))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + raw_headers + payload
    return message + struct.pack("!I", binascii.crc32(message) & 0xFFFFFFFF)


def event(event_type: str, payload: dict[str, Any]) -> bytes:
    """A Converse stream event as boto3 receives it."""
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return frame(headers, json.dumps(payload, ensure_ascii=False).encode())


def exception_event(exception_type: str, message: str) -> bytes:
    """A stream error (boto3 raises it as `EventStreamError`)."""
    headers = {":exception-type": exception_type, ":content-type": "application/json",
               ":message-type": "exception"}
    return frame(headers, json.dumps({"message": message}).encode())


class BedrockWire:
    name = "bedrock"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.startswith("/model/") and (
            path.endswith(("/converse", "/converse-stream")))

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        path = request.path.split("?", 1)[0]
        model_id = unquote(path[len("/model/") :].rsplit("/", 1)[0])
        if reply.status >= 400:
            error_type = ERROR_TYPES.get(reply.status, "InternalServerException")
            return json_response({"message": reply.error}, status=reply.status,
                                 headers={"x-amzn-errortype": error_type, **reply.headers})
        if path.endswith("/converse-stream"):
            return WireResponse(headers={"content-type": "application/vnd.amazon.eventstream", **reply.headers},
                                events=self._events(reply))
        return json_response(self._response(reply, model_id), headers=reply.headers)

    @staticmethod
    def stop_reason(reply: Reply) -> str:
        return STOP_REASONS.get(reply.stop_reason, reply.stop_reason)

    @staticmethod
    def _usage(reply: Reply) -> dict[str, int]:
        prompt, completion = reply.usage
        usage = {"inputTokens": prompt - reply.cached_tokens, "outputTokens": completion,
                 "totalTokens": prompt + completion}
        if reply.cached_tokens:
            usage["cacheReadInputTokens"] = reply.cached_tokens
        return usage

    @staticmethod
    def _blocks(reply: Reply) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        if reply.thinking is not None:
            blocks.append({"reasoningContent": {"reasoningText": {"text": reply.thinking, "signature": SIGNATURE}}})
        if reply.content is not None or reply.refusal is not None:
            blocks.append({"text": reply.content if reply.content is not None else reply.refusal})
        for i, server in enumerate(reply.server_tools):  # run by Bedrock, answered before the caller's calls
            use_id = server.id or f"tooluse_server_{i}"
            blocks.append({"toolUse": {"toolUseId": use_id, "name": server.name, "input": server.input,
                                       "type": "server_tool_use"}})
            blocks.append({"toolResult": {"toolUseId": use_id, "content": [{"json": server.result}],
                                          "type": f"{server.name}_result", "status": "success"}})
        for i, call in enumerate(reply.tool_calls):
            try:
                arguments = json.loads(call.arguments_text)
            except (ValueError, RecursionError):  # not JSON, or nested beyond Python's json: a string document
                arguments = call.arguments_text
            blocks.append({"toolUse": {"toolUseId": call.id or f"tooluse_{i}", "name": call.name,
                                       "input": arguments}})
        return blocks

    def _response(self, reply: Reply, model_id: str) -> dict[str, Any]:
        return {
            "output": {"message": {"role": "assistant", "content": self._blocks(reply)}},
            "stopReason": self.stop_reason(reply),
            "usage": self._usage(reply),
            "metrics": {"latencyMs": 1},
        }

    def _events(self, reply: Reply) -> Iterator[bytes]:
        yield event("messageStart", {"role": "assistant"})
        for index, block in enumerate(self._blocks(reply)):
            deltas: list[dict[str, Any]]
            if "reasoningContent" in block:
                reasoning = block["reasoningContent"]["reasoningText"]
                deltas = [{"reasoningContent": {"text": p}} for p in reply.fragments(reasoning["text"])]
                deltas.append({"reasoningContent": {"signature": reasoning["signature"]}})
            elif "text" in block:
                deltas = [{"text": p} for p in reply.fragments(block["text"])]
            elif "toolResult" in block:  # a server-side tool's result: its start, then its content whole
                result = block["toolResult"]
                yield event("contentBlockStart", {"contentBlockIndex": index, "start": {"toolResult": {
                    key: result[key] for key in ("toolUseId", "type", "status")}}})
                deltas = [{"toolResult": result["content"]}]
            else:
                tool = block["toolUse"]
                start = {key: tool[key] for key in ("toolUseId", "name", "type") if key in tool}
                yield event("contentBlockStart", {"contentBlockIndex": index, "start": {"toolUse": start}})
                text = tool["input"] if isinstance(tool["input"], str) else json.dumps(tool["input"])
                deltas = [{"toolUse": {"input": p}} for p in reply.fragments(text)]
            for delta in deltas:
                yield event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta})
            yield event("contentBlockStop", {"contentBlockIndex": index})
        yield event("messageStop", {"stopReason": self.stop_reason(reply)})
        yield event("metadata", {"usage": self._usage(reply), "metrics": {"latencyMs": 1}})
