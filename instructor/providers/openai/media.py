"""Media objects as OpenAI content parts: chat completions, and the Responses API.

Chat: `image_url` (the URL itself when the image is a URL, else a data URI),
`input_audio` (base64, wav or mp3 only), `file` (a PDF as a data URI with its
file name). Responses: `input_image`, `input_file` (a URL PDF as `file_url`); no
audio. Every OpenAI-compatible provider is sent these shapes; which kinds each
takes is declared in its `ProviderConfig` (`media_kinds`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.multimodal import Media
    from instructor.processing.media_messages import MediaTarget

#: OpenAI's `input_audio.format` for each audio media type it takes
AUDIO_FORMATS = {"audio/wav": "wav", "audio/mp3": "mp3", "audio/mpeg": "mp3", "audio/mpga": "mp3"}


def to_part(item: str | Media, target: MediaTarget) -> dict[str, Any]:
    """`item` (text or a media object) as a chat part, or a Responses part in a Responses mode.

    Raises:
        MultimodalError: audio in a format OpenAI does not take, audio for the
            Responses API, or media that cannot be read.
    """
    if isinstance(item, str):
        return {"type": "input_text" if target.responses else "text", "text": item}
    if target.responses:
        return to_responses_part(item, target)
    if item.kind == "image":
        return {"type": "image_url", "image_url": {"url": item.url or item.data_uri()}}
    if item.kind == "audio":
        return {"type": "input_audio", "input_audio": {"data": item.base64_data(),
                                                       "format": audio_format(item, target)}}
    return {"type": "file", "file": {"filename": item.filename, "file_data": item.data_uri()}}


def audio_format(item: Media, target: MediaTarget) -> str:
    """"wav" or "mp3" for `item`, or the error saying OpenAI takes only those."""
    media_type = item.resolved_media_type()
    fmt = AUDIO_FORMATS.get(media_type)
    if fmt is None:
        raise target.refuse(item, f"OpenAI takes wav or mp3 audio, not {media_type}; convert it first")
    return fmt


def to_responses_part(item: Media, target: MediaTarget) -> dict[str, Any]:
    """A media object as a Responses API input part (`input_image` / `input_file`).

    Raises:
        MultimodalError: audio (the Responses API takes none), or media that cannot be read.
    """
    if item.kind == "image":
        return {"type": "input_image", "image_url": item.url or item.data_uri(), "detail": "auto"}
    if item.kind == "pdf":
        if item.url:
            return {"type": "input_file", "file_url": item.url}
        return {"type": "input_file", "filename": item.filename, "file_data": item.data_uri()}
    raise target.refuse(item, "the Responses API takes images and PDFs, not audio; use a chat mode "
                              "(Mode.TOOLS) for audio")
