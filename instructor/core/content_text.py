"""The answer's text in a chat message's `content`, whatever shape the provider sends.

Most APIs send a string. Reasoning models (Mistral's Magistral, and OpenAI-compatible
servers in front of such models) send a list of chunks instead, for example
`[{"type": "thinking", "thinking": [...]}, {"type": "text", "text": "..."}]`, as SDK
objects or as dicts. Only the text chunks are the answer: the thinking must never be
read as the JSON it may well contain. Every handler that reads `content` (a message's,
or a stream delta's) goes through `answer_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def answer_text(content: Any) -> str:
    """The answer's text of `content`: a string as is, a list of chunks as its text chunks joined.

    Example:
        >>> answer_text([{"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]},
        ...              {"type": "text", "text": '{"a": 1}'}])
        '{"a": 1}'
    """
    if content is None or isinstance(content, str):
        return content or ""
    texts = []
    for chunk in content:
        if isinstance(chunk, str):
            texts.append(chunk)
        elif isinstance(chunk, Mapping):
            if chunk.get("type") == "text":
                texts.append(chunk.get("text") or "")
        elif getattr(chunk, "type", None) == "text":
            texts.append(getattr(chunk, "text", None) or "")
    return "".join(texts)
