"""Requests as the Anthropic Messages API expects them, from OpenAI-style kwargs.

Anthropic takes the system prompt as the top-level `system` parameter (never a
message), requires `max_tokens`, and describes images as `image` blocks. Users
write OpenAI-style messages, so `normalize` moves `{"role": "system"}` messages
into `system`, defaults `max_tokens` and converts `image_url` parts. It is
idempotent: a request already in Anthropic's shape comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: used when the caller passes no max_tokens; Anthropic requires one and every current
#: model accepts this many output tokens
DEFAULT_MAX_TOKENS = 4096


def _image_block(part: Mapping[str, Any]) -> dict[str, Any]:
    image = part.get("image_url")
    url = image.get("url", "") if isinstance(image, Mapping) else str(image or "")
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header[len("data:") :].split(";", 1)[0] or "image/png"
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content(content: Any) -> Any:
    if not isinstance(content, list):
        return content
    if not any(isinstance(p, Mapping) and p.get("type") == "image_url" for p in content):
        return content
    return [_image_block(p) if isinstance(p, Mapping) and p.get("type") == "image_url" else p for p in content]


def _system_text(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [dict(p) if isinstance(p, Mapping) else {"type": "text", "text": str(p)} for p in content or ()]


def merge_system(system: Any, extra: list[dict[str, Any]]) -> Any:
    """`system` (a string, a list of text blocks, or None) followed by `extra` text blocks.

    The result is a list of text blocks, as the published instructor sends it (so a
    block's `cache_control` survives); a caller's own `system=` string with nothing
    to add stays as written.
    """
    if not extra:
        return system
    return ([] if system is None else _system_text(system)) + extra


def normalize(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `kwargs` shaped for `client.messages.create` (see the module docstring)."""
    request = dict(kwargs)
    messages = request.get("messages")
    if messages:
        system: list[dict[str, Any]] = []
        converted = []
        for message in messages:
            if isinstance(message, Mapping):
                if message.get("role") == "system":
                    system.extend(_system_text(message.get("content")))
                    continue
                content = message.get("content")
                new_content = _content(content)
                if new_content is not content:
                    message = {**message, "content": new_content}
            converted.append(message)
        request["messages"] = converted
        if system:
            request["system"] = merge_system(request.get("system"), system)
    if request.get("max_tokens") is None:
        request["max_tokens"] = DEFAULT_MAX_TOKENS
    return request
