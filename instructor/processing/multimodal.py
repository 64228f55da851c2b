"""The published release's import path for the media classes (they live in `instructor.multimodal`).

Also `convert_messages(messages, mode, autodetect_images=False)`, the published
helper that converts media objects in messages for the provider a mode belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from instructor.multimodal import (
    PDF,
    Audio,
    Image,
    ImageWithCacheControl,
    Media,
    PDFWithCacheControl,
    PDFWithGenaiFile,
    allow_loopback_urls,
    is_base64,
)

__all__ = [
    "PDF", "Audio", "Image", "ImageWithCacheControl", "Media", "PDFWithCacheControl", "PDFWithGenaiFile",
    "allow_loopback_urls", "convert_messages", "is_base64",
]

#: the provider whose wire format a mode's name announces (every other mode speaks OpenAI's)
_MODE_PREFIXES = (("anthropic_", "anthropic"), ("bedrock_", "bedrock"), ("genai_", "google"),
                  ("mistral_", "mistral"), ("cohere_", "cohere"), ("gemini_", "gemini"), ("vertexai_", "vertexai"))


def convert_messages(messages: Sequence[Any], mode: Any = "tool_call", autodetect_images: bool = False,
                     provider: str | None = None) -> list[Any]:
    """`messages` with media objects (and, with `autodetect_images`, media-looking strings)
    as the content parts of `provider` (by default, the provider `mode` belongs to).

    Raises:
        MultimodalError: media the provider cannot take, or that cannot be read.

    Example:
        >>> convert_messages([{"role": "user", "content": ["Read this", Image.from_path("r.png")]}],
        ...                  Mode.ANTHROPIC_TOOLS)
    """
    from instructor.processing.media_messages import convert_media

    mode_name = str(getattr(mode, "value", mode))
    if provider is None:
        provider = next((name for prefix, name in _MODE_PREFIXES if mode_name.startswith(prefix)), "openai")
    return convert_media([dict(m) if isinstance(m, dict) else m for m in messages], provider=provider,
                         mode=mode_name, autodetect=autodetect_images)
