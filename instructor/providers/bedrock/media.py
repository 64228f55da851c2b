"""Media objects as Bedrock Converse blocks: `image`, `document` (PDF) and `audio`.

Converse takes bytes or an S3 location, never a web URL: an `s3://` source stays
an `s3Location`; a web URL is fetched (within the limits of
`instructor.processing.fetch`) and sent as bytes. boto3 base64-encodes the bytes
on the wire. Converse refuses a request in which two documents share a name, so
`finish` numbers repeated names ("invoice", "invoice (2)") across all messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.multimodal import Media
    from instructor.processing.media_messages import MediaTarget

_BLOCKS = {"image": "image", "pdf": "document", "audio": "audio"}
_IMAGE_FORMATS = {"image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def document_name(filename: str) -> str:
    """A document name Converse accepts: letters, digits, single spaces, hyphens, () and []."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    cleaned = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9\s\-()\[\]]", " ", stem)).strip()[:200]
    return cleaned or "document"


def _format(item: Media, media_type: str, target: MediaTarget) -> str:
    if item.kind == "pdf":
        return "pdf"
    if item.kind == "image":
        fmt = _IMAGE_FORMATS.get(media_type)
        if fmt is None:
            raise target.refuse(item, f"Bedrock cannot tell the image format of {media_type or 'this object'}; "
                                      "name the S3 object with its extension (.png, .jpg, .gif, .webp)")
        return fmt
    if not media_type:
        raise target.refuse(item, "Bedrock cannot tell the audio format; name the S3 object with its extension")
    return media_type.rsplit("/", 1)[-1]  # Converse's audio formats are the media subtypes


def to_part(item: str | Media, target: MediaTarget) -> dict[str, Any]:
    """`item` (text or a media object) as a Converse content block.

    Raises:
        MultimodalError: media that cannot be read (a failed fetch) or whose format
            cannot be told.
    """
    if isinstance(item, str):
        return {"text": item}
    s3 = item.s3_uri
    if s3:
        media_type = item.media_type
        source: dict[str, Any] = {"s3Location": {"uri": s3}}
    else:
        raw, media_type = item.load()
        source = {"bytes": raw}
    block: dict[str, Any] = {"format": _format(item, media_type, target), "source": source}
    if item.kind == "pdf":
        block["name"] = document_name(item.filename)
    return {_BLOCKS[item.kind]: block}


def finish(messages: list[Any]) -> list[Any]:
    """`messages` with repeated document names numbered: Converse wants them unique per request.

    Renamed blocks (and the messages holding them) are copies: the caller's dicts are never changed.
    """
    seen: dict[str, int] = {}
    out = list(messages)
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list):
            continue
        parts = list(content)
        for position, part in enumerate(content):
            document = part.get("document") if isinstance(part, Mapping) else None
            if not isinstance(document, Mapping) or not isinstance(document.get("name"), str):
                continue
            name = document["name"]
            count = seen.get(name.lower(), 0) + 1
            seen[name.lower()] = count
            if count > 1:
                renamed = f"{name[:190]} ({count})"
                seen[renamed.lower()] = 1
                parts[position] = {**part, "document": {**document, "name": renamed}}
        if parts != content:
            out[index] = {**message, "content": parts}
    return out
