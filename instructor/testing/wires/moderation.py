"""OpenAI Moderations: `POST /v1/moderations`.

A reply says which categories the input is flagged for: `moderation("violence")`
(or `Reply.json({"flagged": ["violence"]})`); a reply with no content flags
nothing. Each input (a string or a list of them) gets one result with every
category the SDK knows: the flagged ones true with a high score, the others
false. An unknown category name answers HTTP 400, so a typo fails the test.
"""

from __future__ import annotations

import json
import time
from typing import Any

from instructor.testing.replies import Reply
from instructor.testing.server import RecordedRequest
from instructor.testing.wires import WireResponse, json_response

CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
    "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence",
    "violence/graphic",
)


def moderation(*flagged: str, **kw: Any) -> Reply:
    """A moderation reply flagging `flagged` categories (none: the input is clean)."""
    return Reply.json({"flagged": list(flagged)}, **kw)


class ModerationWire:
    name = "openai-moderations"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/moderations")

    def render(self, reply: Reply, request: RecordedRequest) -> WireResponse:
        if reply.status >= 400:
            return _error(reply.status, reply.error, reply.headers)
        try:
            flagged = list(json.loads(reply.content)["flagged"]) if reply.content else []
        except (ValueError, KeyError, TypeError):
            return _error(400, "fake provider: a moderation reply is moderation(*categories) or "
                               f'Reply.json({{"flagged": [...]}}), got content {reply.content!r}')
        unknown = [name for name in flagged if name not in CATEGORIES]
        if unknown:
            return _error(400, f"fake provider: unknown moderation categories {unknown}; known: "
                               f"{', '.join(CATEGORIES)}")
        body = request.json or {}
        inputs = body.get("input")
        count = len(inputs) if isinstance(inputs, list) else 1
        result = {
            "flagged": bool(flagged),
            "categories": {name: name in flagged for name in CATEGORIES},
            "category_scores": {name: 0.97 if name in flagged else 0.0001 for name in CATEGORIES},
            "category_applied_input_types": {name: ["text"] for name in CATEGORIES},
        }
        return json_response({
            "id": f"modr-fake-{int(time.time() * 1000)}",
            "model": body.get("model") or "omni-moderation-latest",
            "results": [result] * count,
        }, headers=reply.headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> WireResponse:
    return json_response({"error": {"message": message, "type": "fake_error", "param": None, "code": None}},
                         status=status, headers=headers)
