"""Media objects as google-genai parts: inline data (`types.Part.from_bytes`).

Gemini's generate_content takes media inline; URLs are fetched (within the limits of
`instructor.processing.fetch`) and sent as bytes, which the SDK base64-encodes. The
SDK's own `Part` is built (rather than a dict) so every field reaches the wire in
the API's spelling. A `PDFWithGenaiFile` (uploaded to the Files API) goes as a file reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.multimodal import Media
    from instructor.processing.media_messages import MediaTarget


def to_part(item: str | Media, target: MediaTarget) -> Any:
    """`item` (text or a media object) as a Gemini part (`{"text": ...}` or a `types.Part`).

    Raises:
        MultimodalError: media that cannot be read (an s3:// URI, a failed fetch).
    """
    if isinstance(item, str):
        return {"text": item}
    from instructor.core.dependencies import import_sdk

    types = import_sdk("google.genai.types", extra="google", provider=target.provider)
    uploaded = getattr(item, "genai_file_uri", None)  # a PDFWithGenaiFile: a Files API reference
    if uploaded:
        return types.Part.from_uri(file_uri=uploaded, mime_type=item.media_type or "application/pdf")
    raw, media_type = item.load()
    return types.Part.from_bytes(data=raw, mime_type=media_type)
