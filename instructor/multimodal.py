"""Images, audio and PDFs in messages: `Image`, `Audio`, `PDF` (and Anthropic cache-control variants).

Put a media object in a message's `content`, alone or in a list with text, and
instructor sends it as the provider's own content part::

    client.create(response_model=Receipt, messages=[{"role": "user", "content": [
        "Read this receipt", instructor.Image.from_path("receipt.png")]}])

The classes know nothing of providers. Each provider's conversion lives in its own
folder (`instructor/providers/<name>/media.py`), named by its `ProviderConfig.media` and
found through the provider registry when a message holds media.

Nothing here touches the network when a media object is built: a URL stays a URL,
and is fetched (`instructor.processing.fetch`: size limits, at most 5 redirects,
public addresses only) only when the provider it is sent to needs the bytes. A
fetch runs in the calling thread, also for async clients. The media type comes
from the bytes (magic numbers), or from the file extension while there are no
bytes yet; an empty `media_type` means "not known until the URL is read".
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, Field, PrivateAttr

from instructor.core.exceptions import MultimodalError
from instructor.processing import sniff
from instructor.processing.fetch import allow_loopback_urls

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

__all__ = [
    "PDF", "Audio", "Image", "ImageWithCacheControl", "Media", "PDFWithCacheControl", "PDFWithGenaiFile",
    "allow_loopback_urls", "is_base64",
]

M = TypeVar("M", bound="Media")
_REMOTE = ("http://", "https://", "gs://", "s3://")
_EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}


def is_base64(text: str) -> bool:
    """Whether `text` is valid base64 (whitespace and a missing padding not allowed)."""
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(text)


def _decode(payload: str) -> bytes | None:
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_file(text: str) -> bool:
    try:
        return len(text) < 4096 and os.path.isfile(text)
    except (OSError, ValueError):
        return False


class Media(BaseModel):
    """What `Image`, `Audio` and `PDF` share: where the media is, its type, its base64 data.

    `source` is the URL, path or bytes it came from; `data` its base64 text once
    read (None for a URL not fetched); `media_type` its MIME type.
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""

    source: str | Path | bytes
    media_type: str = ""
    data: str | None = Field(default=None, repr=False)
    _fetched: tuple[bytes, str] | None = PrivateAttr(default=None)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name == "source" and isinstance(value, (str, bytes)) and len(value) > 80:
                value = value[:60] + (b"..." if isinstance(value, bytes) else "...")  # type: ignore[operator]
            yield name, value

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def _unsupported(cls, media_type: str | None, origin: str | None = None) -> MultimodalError:
        allowed = ", ".join(sniff.ALLOWED[cls.kind])
        what = media_type or "an unknown format"
        return MultimodalError(f"Unsupported {cls._label_lower()} format: {what}. Supported formats: {allowed}",
                               content_type=cls.kind, file_path=origin)

    @classmethod
    def _label_lower(cls) -> str:
        return cls.label if cls.label == "PDF" else cls.label.lower()

    @classmethod
    def _checked(cls, media_type: str | None, origin: str | None = None) -> str:
        normalized = sniff.normalize(media_type or "")
        if normalized not in sniff.ALLOWED[cls.kind]:
            raise cls._unsupported(normalized or None, origin)
        return normalized

    @classmethod
    def from_url(cls: type[M], url: str) -> M:
        """A media object for an http(s), gs:// or s3:// URL (or a data URI); nothing is fetched.

        The type is taken from the URL's extension; without one it is found when
        (and if) the bytes are fetched.

        Raises:
            MultimodalError: the URL's scheme is not supported, or its extension names
                an unsupported format.

        Example:
            >>> Image.from_url("https://example.com/receipt.png").media_type
            'image/png'
        """
        if url.startswith("data:"):
            return cls.from_base64(url)
        if url.startswith("gs://"):
            return cls.from_gs_url(url)
        if not url.startswith(("http://", "https://", "s3://")):
            raise MultimodalError(
                f"{cls.label}.from_url expects an http(s)://, gs:// or s3:// URL, got {url[:100]!r}. "
                f"Use {cls.__name__}.from_path() for a local file.", content_type=cls.kind)
        return cls._remote(url)

    @classmethod
    def _remote(cls: type[M], url: str) -> M:
        from urllib.parse import urlsplit

        guessed = sniff.from_name(urlsplit(url).path)
        if guessed is not None:
            return cls(source=url, media_type=cls._checked(guessed, url))
        return cls(source=url)  # the type is read from the bytes, if they are ever fetched

    @classmethod
    def from_gs_url(cls: type[M], url: str) -> M:
        """A media object for a Google Cloud Storage object (`gs://bucket/key`), read as
        `https://storage.googleapis.com/bucket/key` when a provider needs it.

        Raises:
            MultimodalError: `url` does not start with gs://.
        """
        if not url.startswith("gs://"):
            raise MultimodalError(f"from_gs_url expects a gs://bucket/key URL, got {url[:100]!r}.",
                                  content_type=cls.kind)
        return cls._remote(url)

    @classmethod
    def from_path(cls: type[M], path: str | Path) -> M:
        """Read a local file; its type comes from its first bytes (or its extension).

        Raises:
            FileNotFoundError: there is no file at `path`.
            MultimodalError: the file is empty or not a supported format.

        Example:
            >>> Image.from_path("receipt.png")
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{cls.label} file not found: {path}")
        raw = path.read_bytes()
        if not raw:
            raise MultimodalError(f"{cls.label} file is empty", content_type=cls.kind, file_path=str(path))
        media_type = sniff.from_bytes(raw[:64]) or sniff.from_name(path.name)
        return cls(source=path, media_type=cls._checked(media_type, str(path)),
                   data=base64.b64encode(raw).decode())

    @classmethod
    def from_base64(cls: type[M], data_uri: str) -> M:
        """A media object from a data URI: `data:<media type>;base64,<data>`.

        Raises:
            MultimodalError: not a base64 data URI, an unsupported type, or bad base64.
        """
        header, comma, payload = data_uri.partition(",")
        if not data_uri.startswith("data:") or not comma or not header.endswith(";base64"):
            raise MultimodalError(
                f"Expected a base64 data URI like 'data:{sniff.ALLOWED[cls.kind][0]};base64,...', got "
                f"{data_uri[:50]!r}. Use from_raw_base64() for base64 text without the header.",
                content_type=cls.kind)
        media_type = cls._checked(header[len("data:"):-len(";base64")])
        if _decode(payload) is None:
            raise MultimodalError(f"The data URI's payload is not valid base64 ({payload[:30]!r}...).",
                                  content_type=cls.kind)
        return cls(source=data_uri, media_type=media_type, data=payload)

    @classmethod
    def from_raw_base64(cls: type[M], data: str) -> M:
        """A media object from base64 text; the type is read from the decoded bytes.

        Raises:
            MultimodalError: not base64, or not a supported format.
        """
        raw = _decode(data)
        media_type = sniff.normalize(sniff.from_bytes(raw[:64]) or "") if raw else ""
        if not raw or media_type not in sniff.ALLOWED[cls.kind]:
            raise MultimodalError(f"Invalid or unsupported base64 {cls._label_lower()} data", content_type=cls.kind)
        return cls(source=data, media_type=media_type, data=data)

    @classmethod
    def from_bytes(cls: type[M], raw: bytes) -> M:
        """A media object from the file's bytes; the type is read from them.

        Raises:
            MultimodalError: the bytes are empty or not a supported format.
        """
        if not raw:
            raise MultimodalError(f"{cls.label} data is empty", content_type=cls.kind)
        media_type = cls._checked(sniff.from_bytes(raw[:64]))
        return cls(source=raw, media_type=media_type, data=base64.b64encode(raw).decode())

    @classmethod
    def autodetect(cls: type[M], source: Any) -> M:
        """Whatever `source` is: a data URI, an http(s)/gs:///s3:// URL, a file path, base64 text,
        bytes, or a `Path`.

        Raises:
            MultimodalError: `source` is none of those, or not a supported format.
            FileNotFoundError: `source` is a `Path` to no file.
        """
        if isinstance(source, cls):
            return source
        if isinstance(source, Path):
            return cls.from_path(source)
        if isinstance(source, (bytes, bytearray)):
            return cls.from_bytes(bytes(source))
        if not isinstance(source, str):
            raise MultimodalError(f"Unsupported {cls._label_lower()} source type: {type(source).__name__}",
                                  content_type=cls.kind)
        text = source.strip()
        if text.startswith("data:"):
            return cls.from_base64(text)
        if text.startswith(_REMOTE):
            return cls.from_url(text)
        if _is_file(text):
            return cls.from_path(text)
        try:
            return cls.from_raw_base64(text)
        except MultimodalError:
            raise MultimodalError(
                f"Unable to determine {cls._label_lower()} source: {text[:80]!r} is not a data URI, URL, "
                "existing file or base64 data.", content_type=cls.kind) from None

    @classmethod
    def autodetect_safely(cls: type[M], source: Any) -> M | str:
        """`autodetect(source)`, or `str(source)` when it is not media (text stays text)."""
        try:
            return cls.autodetect(source)
        except ValueError:
            return str(source)

    # -- what converters use --------------------------------------------------------------
    @property
    def url(self) -> str | None:
        """An http(s) URL a provider can read itself (gs:// as its public HTTPS form), else None."""
        source = self.source
        if not isinstance(source, str) or self.data is not None:
            return None
        if source.startswith(("http://", "https://")):
            return source
        if source.startswith("gs://"):
            return "https://storage.googleapis.com/" + source[len("gs://"):]
        return None

    @property
    def s3_uri(self) -> str | None:
        """The `s3://` URI this media was given as (only Bedrock reads those), else None."""
        source = self.source
        return source if isinstance(source, str) and source.startswith("s3://") and self.data is None else None

    @property
    def filename(self) -> str:
        """A file name for providers that want one: the path's or URL's last segment."""
        source = self.source
        if isinstance(source, Path):
            return source.name
        if isinstance(source, str) and source.startswith(_REMOTE):
            name = source.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            if name:
                return name
        ext = sniff.normalize(self.media_type or "").rsplit("/", 1)[-1] or self.kind
        return f"{self.kind}.{ext}"

    def load(self) -> tuple[bytes, str]:
        """The media's bytes and type, fetching a URL (once) when there is no data yet.

        Raises:
            MultimodalError: the URL cannot be fetched (see `instructor.processing.fetch`),
                it is an s3:// URI, or what it returns is not a supported format.
        """
        if self.data is not None:
            raw = base64.b64decode(self.data)
            return raw, self.media_type or self._checked(sniff.from_bytes(raw[:64]))
        if self._fetched is not None:
            return self._fetched
        url = self.url
        source = self.source
        if url is None and (isinstance(source, Path) or isinstance(source, str) and _is_file(source)):
            raw = Path(source).read_bytes()  # built by hand with a path and no data
            self._fetched = (raw, self.media_type or self._checked(sniff.from_bytes(raw[:64]), str(source)))
            return self._fetched
        if url is None:
            raise MultimodalError(
                f"{self.label} from {self.source!r} can only be sent to a provider that reads it itself "
                "(Bedrock reads s3:// URIs). Download it and use from_path() or from_bytes().",
                content_type=self.kind)
        from instructor.processing.fetch import fetch

        raw, header = fetch(url, self.kind)
        found = sniff.from_bytes(raw[:64]) or sniff.normalize(header or "")
        media_type = self._checked(found, url)
        self._fetched = (raw, media_type)
        return self._fetched

    def base64_data(self) -> str:
        """The media as base64 text (fetched first if it is a URL)."""
        if self.data is not None:
            return self.data
        return base64.b64encode(self.load()[0]).decode()

    def resolved_media_type(self) -> str:
        """`media_type`, or the type read from the bytes when it was not known."""
        return self.media_type or self.load()[1]

    def data_uri(self) -> str:
        """`data:<type>;base64,<data>` (fetched first if it is a URL)."""
        return f"data:{self.resolved_media_type()};base64,{self.base64_data()}"

    # -- the published release's per-provider helpers (they go through the provider table) ---
    def to_openai(self, mode: Any = "tool_call") -> Any:
        """This media as an OpenAI content part (`mode`: a Responses mode gives Responses parts)."""
        from instructor.processing.media_messages import render

        return render(self, "openai", mode)

    def to_anthropic(self) -> Any:
        """This media as an Anthropic content block."""
        from instructor.processing.media_messages import render

        return render(self, "anthropic", "anthropic_tools")

    def to_genai(self) -> Any:
        """This media as a google-genai part."""
        from instructor.processing.media_messages import render

        return render(self, "google", "genai_tools")

    def to_mistral(self) -> Any:
        """This media as a Mistral content chunk."""
        from instructor.processing.media_messages import render

        return render(self, "mistral", "mistral_tools")

    def to_bedrock(self, name: str | None = None) -> Any:
        """This media as a Bedrock Converse content block (`name`: a PDF's document name)."""
        from instructor.processing.media_messages import converter_module, render

        block = render(self, "bedrock", "bedrock_tools")
        if name is not None and "document" in block:
            block["document"]["name"] = converter_module("bedrock").document_name(name)
        return block


class Image(Media):
    """An image (JPEG, PNG, GIF or WebP) to put in a message.

    Example:
        >>> client.create(response_model=Receipt, messages=[{"role": "user", "content": [
        ...     "Read this receipt", instructor.Image.from_path("receipt.png")]}])
    """

    kind: ClassVar[str] = "image"
    label: ClassVar[str] = "Image"

    @staticmethod
    def url_to_base64(url: str) -> str:
        """Fetch an image URL (within the fetch limits) and return its base64 text."""
        return Image.from_url(url).base64_data()


class ImageWithCacheControl(Image):
    """An `Image` marked as a prompt-cache breakpoint for Anthropic (`cache_control`)."""

    cache_control: dict[str, Any] | None = Field(default_factory=lambda: dict(_EPHEMERAL))


class Audio(Media):
    """Audio (wav, mp3, flac, m4a, ...) to put in a message."""

    kind: ClassVar[str] = "audio"
    label: ClassVar[str] = "Audio"


class PDF(Media):
    """A PDF document to put in a message."""

    kind: ClassVar[str] = "pdf"
    label: ClassVar[str] = "PDF"

    media_type: str = "application/pdf"


class PDFWithCacheControl(PDF):
    """A `PDF` marked as a prompt-cache breakpoint for Anthropic (`cache_control`, ephemeral)."""

    cache_control: dict[str, Any] | None = Field(default_factory=lambda: dict(_EPHEMERAL))


class PDFWithGenaiFile(PDF):
    """A PDF uploaded to Google's Files API, sent to Gemini as a file reference rather than bytes.

    `source` is the file's URI. Only the Google GenAI provider reads it; others refuse it.

    Example:
        >>> pdf = PDFWithGenaiFile.from_new_genai_file("report.pdf")  # uploads, waits until ACTIVE
        >>> client.create(response_model=Summary, messages=[{"role": "user", "content": ["Sum up", pdf]}])
    """

    @property
    def genai_file_uri(self) -> str:
        """The Files API URI Gemini reads the PDF from."""
        return str(self.source)

    @property
    def url(self) -> str | None:  # the Files API URI is not a public URL: nobody else may fetch it
        return None

    def load(self) -> tuple[bytes, str]:
        raise MultimodalError(
            f"PDFWithGenaiFile {self.source!r} is a Google Files API upload: only the Google GenAI "
            "provider reads it. Use PDF.from_path() for other providers.", content_type=self.kind)

    @classmethod
    def from_new_genai_file(cls, file_path: str | Path, retry_delay: float = 10, max_retries: int = 20,
                            client: Any = None) -> PDFWithGenaiFile:
        """Upload `file_path` with google-genai and wait until Google has processed it.

        Args:
            file_path: the local PDF.
            retry_delay: seconds between checks of the upload's state.
            max_retries: checks before giving up.
            client: a `google.genai.Client` (default: one built from the environment).

        Raises:
            FileNotFoundError: there is no file at `file_path`.
            MultimodalError: the upload failed, or was not processed after `max_retries` checks.
            MissingDependencyError: google-genai is not installed.
        """
        import time

        path = Path(file_path)
        if not path.is_file():
            raise FileNotFoundError(f"PDF file not found: {path}")
        client = client if client is not None else _genai_client()
        file = client.files.upload(file=str(path), config={"mime_type": "application/pdf"})
        for _ in range(max(1, max_retries)):
            state = str(getattr(file.state, "name", file.state) or "")
            if state == "ACTIVE":
                return cls(source=file.uri, media_type=file.mime_type or "application/pdf")
            if state == "FAILED":
                raise MultimodalError(f"Google could not process the upload of {path} ({file.name}).",
                                      content_type="pdf", file_path=str(path))
            time.sleep(retry_delay)
            file = client.files.get(name=file.name)
        raise MultimodalError(
            f"The upload of {path} ({file.name}) was still {state or 'pending'} after {max_retries} checks "
            f"{retry_delay} s apart. Raise max_retries or retry_delay, or use "
            "PDFWithGenaiFile.from_existing_genai_file() later.", content_type="pdf", file_path=str(path))

    @classmethod
    def from_existing_genai_file(cls, file_name: str, client: Any = None) -> PDFWithGenaiFile:
        """A PDF already uploaded to the Files API, by its name (`files/abc123`).

        Raises:
            MissingDependencyError: google-genai is not installed.
        """
        client = client if client is not None else _genai_client()
        file = client.files.get(name=file_name)
        return cls(source=file.uri, media_type=file.mime_type or "application/pdf")


def _genai_client() -> Any:
    from instructor.core.dependencies import import_sdk

    return import_sdk("google.genai", extra="google", provider="google").Client()
