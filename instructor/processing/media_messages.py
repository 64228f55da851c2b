"""Media objects in messages become the provider's content parts, before any request is sent.

`convert_media` is called by `instructor.core.messages.prepare_messages` only when
`instructor.multimodal` is loaded (otherwise no message can hold media) or when
the call asked for `autodetect_images=True`. It walks the messages once: a
message whose content is a media object, or a list holding one, gets its content
rebuilt by the provider's converter (its `ProviderConfig.media`, through the registry);
every other message is left as it is. Strings in such a list become the
provider's text parts; dict parts pass unchanged.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from instructor.core.exceptions import MultimodalError

if TYPE_CHECKING:
    from types import ModuleType

    from instructor.core.provider_registry import ProviderConfig
    from instructor.multimodal import Media

Converter = Callable[[Any, "MediaTarget"], Any]
_KIND_NAMES = {"image": "images", "audio": "audio", "pdf": "PDFs"}
#: the providers an error suggests instead, when they take the media refused
_SUGGESTED = ("openai", "anthropic", "bedrock", "google", "mistral")


@dataclass(frozen=True)
class MediaTarget:
    """Where media is going: the provider, the mode, and the kinds of media the provider takes."""

    provider: str
    mode: str
    kinds: frozenset[str]

    @property
    def responses(self) -> bool:
        """Whether the request goes to OpenAI's Responses API (input_text / input_image parts)."""
        return self.mode.startswith("responses")

    def refuse(self, media: Media, detail: str = "") -> MultimodalError:
        """The error for `media` this provider cannot take: the provider, the media, what it takes."""
        takes = " and ".join(_KIND_NAMES[k] for k in ("image", "audio", "pdf") if k in self.kinds)
        others = [name for name in _SUGGESTED if media.kind in _kinds(name)]
        reason = detail or (f"it takes {takes}" if takes else "it takes no media through instructor")
        return MultimodalError(
            f"Provider {self.provider!r} cannot take {_KIND_NAMES[media.kind]} in messages "
            f"({type(media).__name__} from {_short(media.source)}): {reason}. Send it to a provider that "
            f"does ({', '.join(others)}), or leave it out.",
            content_type=media.kind,
            file_path=str(media.source) if not isinstance(media.source, bytes) and len(str(media.source)) < 300
            else None,
        )


def _short(source: Any) -> str:
    text = repr(source)
    return text if len(text) <= 80 else text[:60] + "..."


#: the published `Provider` ids that name a registered provider otherwise
_PROVIDER_IDS = {"genai": "google", "gemini": "generative-ai"}
#: what a provider that names no converter is sent: the OpenAI chat format's parts
_OPENAI_CHAT = "instructor.providers.openai.media:to_part"


def _config(provider: str) -> ProviderConfig | None:
    """`provider`'s registered config; None for a name nobody registered (a hand-built client's)."""
    from instructor.core.provider_registry import provider_registry

    name = _PROVIDER_IDS.get(provider, provider)
    try:
        return provider_registry.get_config(name) if provider_registry.has_provider(name) else None
    except Exception:  # a plugin that fails to load: its media goes as the OpenAI chat format
        return None


def _kinds(provider: str) -> tuple[str, ...]:
    config = _config(provider)
    return config.media_kinds if config is not None else ()


@functools.lru_cache(maxsize=256)
def converter_for(provider: str, mode: str) -> tuple[Converter, MediaTarget]:
    """The converter and target of `provider` in `mode`, from its `ProviderConfig` (`media`,
    `media_kinds`); a provider that names no converter, or is not registered, gets the
    OpenAI chat format's (and, unregistered, may send every kind)."""
    from instructor.core.provider_registry import load_object

    config = _config(provider)
    path = config.media if config is not None else None
    kinds = config.media_kinds if config is not None else ("image", "audio", "pdf")
    return load_object(path or _OPENAI_CHAT), MediaTarget(provider, mode, frozenset(kinds))


def converter_module(provider: str) -> ModuleType:
    """The module of `provider`'s media converter: where its `finish` and other helpers live."""
    return sys.modules[converter_for(provider, "")[0].__module__]


def _name(value: Any, default: str) -> str:
    value = getattr(value, "value", value)
    return str(value) if value else default


def render(item: Any, provider: Any, mode: Any) -> Any:
    """One media object (or text) as `provider`'s content part in `mode`.

    Raises:
        MultimodalError: the provider cannot take this kind of media.
    """
    from instructor.multimodal import Media

    convert, target = converter_for(_name(provider, "openai"), _name(mode, "tool_call"))
    if isinstance(item, Media) and item.kind not in target.kinds:
        raise target.refuse(item)
    return convert(item, target)


def _parts(items: list[Any], convert: Converter, target: MediaTarget, media_cls: type[Media]) -> list[Any]:
    parts = []
    for item in items:
        if isinstance(item, media_cls):
            if item.kind not in target.kinds:
                raise target.refuse(item)
            parts.append(convert(item, target))
        elif isinstance(item, str):
            parts.append(convert(item, target))
        else:  # dict parts and SDK objects are the caller's own: sent as written
            parts.append(item)
    return parts


def convert_media(messages: list[Any], *, provider: Any = None, mode: Any = None,
                  autodetect: bool = False) -> list[Any]:
    """`messages` with every media object converted for `provider` in `mode` (see the module docstring).

    Returns the same list when no message holds media.

    Raises:
        MultimodalError: a media object the provider cannot take, or cannot be read.
    """
    from instructor.multimodal import Media

    out: list[Any] | None = None
    found: tuple[Converter, MediaTarget] | None = None
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        if isinstance(content, Media):
            items: list[Any] = [content]
        elif isinstance(content, list) and any(isinstance(p, Media) for p in content):
            items = content
        elif autodetect and isinstance(content, (str, list)):
            detected = [detect(p) if isinstance(p, str) else p
                        for p in (content if isinstance(content, list) else [content])]
            if not any(isinstance(p, Media) for p in detected):
                continue
            items = detected
        else:
            continue
        if found is None:
            found = converter_for(_name(provider, "openai"), _name(mode, "tool_call"))
        if out is None:
            out = list(messages)
        out[index] = {**message, "content": _parts(items, found[0], found[1], Media)}
    if out is None or found is None:
        return messages
    finish = getattr(sys.modules[found[0].__module__], "finish", None)
    return finish(out) if finish is not None else out


def detect(text: str) -> Any:
    """`text` as a media object when it looks like one (a data URI, a URL or path with a media
    extension, an existing media file, base64 of a media file), else `text` unchanged."""
    from instructor.multimodal import PDF, Audio, Image, _is_file
    from instructor.processing import sniff

    classes = {"image": Image, "audio": Audio, "pdf": PDF}
    candidate = text.strip()
    if not candidate or "\n" in candidate and not candidate.startswith("data:"):
        return text
    kind: str | None = None
    if candidate.startswith("data:"):
        kind = sniff.kind_of(candidate[len("data:"):].split(";", 1)[0])
    elif candidate.startswith(("http://", "https://", "gs://", "s3://")):
        guessed = sniff.from_name(candidate)
        kind = sniff.kind_of(guessed) if guessed else None
    elif " " not in candidate and _is_file(candidate):
        with open(candidate, "rb") as handle:
            head = handle.read(64)
        found = sniff.from_bytes(head)
        kind = sniff.kind_of(found) if found else None
    elif len(candidate) >= 32 and " " not in candidate:
        from instructor.multimodal import _decode

        raw = _decode(candidate[:64 - 64 % 4] if len(candidate) > 64 else candidate)
        found = sniff.from_bytes(raw) if raw else None
        kind = sniff.kind_of(found) if found else None
    if kind is None:
        return text
    return classes[kind].autodetect_safely(candidate)
