"""Messages as sent: copied (the caller's list is never mutated) and templated.

With a non-empty `context`, `{{ placeholders }}` in message text are filled by
Jinja's sandboxed environment (imported only when a message has a placeholder),
and each text is dedented (`textwrap.dedent`); without one, texts are sent verbatim.
Media objects (`instructor.Image`, `Audio`, `PDF`) become the provider's content
parts (the conversion `instructor.providers._catalog.MEDIA_CONVERSION` names); a program
that never loaded `instructor.multimodal` cannot hold one, so its calls skip that step entirely.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def _render(text: str, context: Mapping[str, Any]) -> str:
    """`text` templated and dedented (common leading indentation removed, as the published release does)."""
    import textwrap

    if "{{" not in text and "{%" not in text:
        return textwrap.dedent(text)
    from instructor.core.dependencies import import_sdk

    sandbox = import_sdk("jinja2.sandbox", extra="templating")
    env = _environment(sandbox)
    return textwrap.dedent(str(env.from_string(text).render(**context)))


_ENV: Any = None


def _environment(sandbox: Any) -> Any:
    global _ENV
    if _ENV is None:
        _ENV = sandbox.SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
    return _ENV


def _copy_content(content: Any, context: Mapping[str, Any] | None) -> Any:
    if isinstance(content, str):
        return _render(content, context) if context else content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                part = dict(part)
                if context and isinstance(part.get("text"), str):
                    part["text"] = _render(part["text"], context)
            parts.append(part)
        return parts
    return content


def prepare_messages(
    messages: Sequence[Any] | None,
    context: Mapping[str, Any] | None = None,
    *,
    provider: Any = None,
    mode: Any = None,
    autodetect_images: bool = False,
) -> list[Any]:
    """A fresh list of fresh message dicts, templated with `context` when given, with media
    objects converted for `provider` in `mode` (`autodetect_images`: media-looking strings too)."""
    if messages is None:
        return []
    out: list[Any] = []
    for message in messages:
        if isinstance(message, Mapping):
            copied = dict(message)
            if "content" in copied:
                copied["content"] = _copy_content(copied["content"], context)
            out.append(copied)
        else:  # SDK message objects pass through untouched
            out.append(message)
    if autodetect_images or "instructor.multimodal" in sys.modules:
        return _media_conversion()(out, provider=provider, mode=mode, autodetect=autodetect_images)
    return out


_CONVERT_MEDIA: Callable[..., list[Any]] | None = None


def _media_conversion() -> Callable[..., list[Any]]:
    """The media conversion, loaded by the dotted path the catalog names (core imports no feature module)."""
    global _CONVERT_MEDIA
    convert = _CONVERT_MEDIA
    if convert is None:
        from instructor.core.provider_registry import load_object
        from instructor.providers._catalog import MEDIA_CONVERSION

        convert = _CONVERT_MEDIA = load_object(MEDIA_CONVERSION)
    return convert
