"""Media objects as Anthropic content blocks: `image` and `document`, from a URL or base64.

A URL stays a URL (Anthropic fetches it); anything else is sent as base64. A
media object with `cache_control` (`ImageWithCacheControl`, `PDFWithCacheControl`)
carries it on its block. Anthropic takes no audio: its config's `media_kinds`
refuses it before this module is reached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.multimodal import Media
    from instructor.processing.media_messages import MediaTarget


def to_part(item: str | Media, target: MediaTarget) -> dict[str, Any]:
    """`item` (text or an image / PDF) as an Anthropic content block.

    Raises:
        MultimodalError: media that cannot be read (an s3:// URI, a failed fetch).
    """
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if item.kind not in ("image", "pdf"):
        raise target.refuse(item)
    url = item.url
    if url:
        source: dict[str, Any] = {"type": "url", "url": url}
    else:
        source = {"type": "base64", "media_type": item.resolved_media_type(), "data": item.base64_data()}
    block: dict[str, Any] = {"type": "image" if item.kind == "image" else "document", "source": source}
    cache_control = getattr(item, "cache_control", None)
    if cache_control:
        block["cache_control"] = dict(cache_control)
    return block
