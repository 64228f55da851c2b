"""Media objects as Mistral content chunks: `image_url`, `document_url`, `input_audio`.

Images go as their URL or a data URI; PDFs only as a URL (`document_url`), as
Mistral reads them; audio as base64 (`input_audio`, for its audio models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.multimodal import Media
    from instructor.processing.media_messages import MediaTarget


def to_part(item: str | Media, target: MediaTarget) -> dict[str, Any]:
    """`item` (text or a media object) as a Mistral content chunk.

    Raises:
        MultimodalError: a PDF that is not a URL, or media that cannot be read.
    """
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if item.kind == "image":
        return {"type": "image_url", "image_url": item.url or item.data_uri()}
    if item.kind == "audio":
        return {"type": "input_audio", "input_audio": item.base64_data()}
    if not item.url:
        raise target.refuse(item, "Mistral reads PDFs from a URL only (document_url); host the file "
                                  "and use PDF.from_url()")
    return {"type": "document_url", "document_url": item.url}
