"""What a piece of media is: its type from its bytes (magic numbers) or its name (stdlib only).

Bytes are the truth; a file extension is a hint used only when there are no bytes
yet (a URL not fetched). The few signatures instructor needs are listed here
rather than pulled from a library: each is a fixed prefix documented by its format.
"""

from __future__ import annotations

#: the media types each kind accepts (the published release's lists)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
AUDIO_TYPES = (
    "audio/aac", "audio/flac", "audio/mp3", "audio/m4a", "audio/mpeg", "audio/mpga", "audio/mp4",
    "audio/opus", "audio/pcm", "audio/wav", "audio/webm",
)
PDF_TYPES = ("application/pdf",)
ALLOWED = {"image": IMAGE_TYPES, "audio": AUDIO_TYPES, "pdf": PDF_TYPES}

#: spellings some systems use for the same type
ALIASES = {"audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav",
           "image/jpg": "image/jpeg", "audio/x-flac": "audio/flac", "audio/x-m4a": "audio/m4a",
           "audio/ogg": "audio/opus", "audio/x-aac": "audio/aac"}

EXTENSIONS = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "svg": "image/svg+xml",
    "heic": "image/heic", "avif": "image/avif", "ico": "image/x-icon",
    "wav": "audio/wav", "mp3": "audio/mp3", "aac": "audio/aac", "flac": "audio/flac", "m4a": "audio/m4a",
    "mp4": "audio/mp4", "mpga": "audio/mpga", "mpeg": "audio/mpeg", "opus": "audio/opus", "ogg": "audio/opus",
    "pcm": "audio/pcm", "webm": "audio/webm", "aiff": "audio/aiff", "wma": "audio/x-ms-wma",
    "pdf": "application/pdf",
}


def normalize(media_type: str) -> str:
    """`media_type` lower-cased, parameters dropped, aliases resolved ("audio/x-wav" -> "audio/wav")."""
    base = media_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(base, base)


def from_name(name: str) -> str | None:
    """The media type a file name or URL path suggests by its extension (None: no known extension)."""
    path = name.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    if "." not in path:
        return None
    return EXTENSIONS.get(path.rsplit(".", 1)[-1].lower())


def from_bytes(head: bytes) -> str | None:
    """The media type the first bytes of a file announce (None: not a format instructor sends)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/opus"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "audio/mp3"  # an ID3 tag, or an MPEG audio frame sync (layer bits set)
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # an ADTS frame sync (layer bits zero)
    if head[4:8] == b"ftyp":
        return "audio/m4a" if head[8:11] in (b"M4A", b"M4B") else "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    return None


def kind_of(media_type: str) -> str | None:
    """"image", "audio" or "pdf" for a supported type, else None."""
    media_type = normalize(media_type)
    return next((kind for kind, types in ALLOWED.items() if media_type in types), None)
