"""OpenAI-style messages as Gemini `contents`: plain dicts every Google SDK accepts.

Shared by the three Google paths (google-genai, and the deprecated Vertex AI and
generative-ai SDKs); imports no SDK. `{"role": "assistant"}` becomes Gemini's
`"model"`, text parts become `{"text": ...}`, and system messages are returned
apart, for the caller to send as the system instruction. Messages that are
already Gemini-shaped (a dict with `parts`, or an SDK `Content` object) pass
through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ROLES = {"user": "user", "assistant": "model", "model": "model", "tool": "user", "function": "user"}
SYSTEM_ROLES = ("system", "developer")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, Mapping) and "text" in p)
    return "" if content is None else str(content)


def _part(part: Any) -> Any:
    if isinstance(part, str):
        return {"text": part}
    if isinstance(part, Mapping) and part.get("type") == "text":
        return {"text": part.get("text", "")}
    return part  # a Gemini part already ({"inline_data": ...}, an SDK Part...)


def _parts(content: Any) -> list[Any]:
    if isinstance(content, list):
        return [_part(p) for p in content]
    if content is None:
        return []
    return [_part(content)]


def to_contents(messages: Iterable[Any]) -> tuple[list[Any], str | None]:
    """Split `messages` into Gemini contents and the system instruction's text (None: none given).

    Raises:
        ValueError: a message has a role Gemini has no equivalent for.
    """
    contents: list[Any] = []
    system: list[str] = []
    for message in messages:
        if not isinstance(message, Mapping) or "parts" in message:
            contents.append(message)
            continue
        role = message.get("role", "user")
        if role in SYSTEM_ROLES:
            system.append(_text_of(message.get("content")))
            continue
        gemini_role = ROLES.get(role)
        if gemini_role is None:
            raise ValueError(
                f"Message role {role!r} has no Gemini equivalent. Use 'system', 'user' or 'assistant' "
                "(or Gemini's own {'role': 'user'|'model', 'parts': [...]})."
            )
        contents.append({"role": gemini_role, "parts": _parts(message.get("content"))})
    return contents, ("\n\n".join(system) if system else None)


def system_as_user_turn(contents: list[Any], system: str | None) -> list[Any]:
    """For SDKs that take a system instruction only when the model object is built: a first user turn."""
    if not system:
        return contents
    return [{"role": "user", "parts": [{"text": system}]}, *contents]
