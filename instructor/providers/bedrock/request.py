"""Converse requests from the OpenAI-style kwargs users write (stdlib only).

Converse takes `modelId`, messages whose content is a list of blocks
(`{"text": ...}`, `{"image": {"format", "source": {"bytes"}}}`, `{"toolUse": ...}`),
the system prompt as a top-level list of `{"text": ...}` blocks, and sampling
options in `inferenceConfig`. `to_converse` maps the OpenAI spellings onto that:

- `model` -> `modelId`; `max_tokens`, `temperature`, `top_p`, `stop` (and their camelCase
  spellings) -> `inferenceConfig`; `top_k` / `topK` -> `additionalModelRequestFields.top_k`;
- `{"role": "system"}` messages and a `system=` string -> `system` blocks;
- string content -> a text block; `{"type": "text"}` parts -> text blocks;
  `{"type": "image_url"}` parts with a base64 `data:` URL or an `s3://` URI -> image blocks;
- consecutive messages of one role are merged (Converse wants the roles to alternate).

It is idempotent: a request already in Converse's shape comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_INFERENCE_KEYS = {
    "max_tokens": "maxTokens",
    "maxTokens": "maxTokens",
    "temperature": "temperature",
    "top_p": "topP",
    "topP": "topP",
    "stop": "stopSequences",
    "stop_sequences": "stopSequences",
    "stopSequences": "stopSequences",
}
_TOP_K_KEYS = ("top_k", "topK")  # not a Converse option: the model's own field, `additionalModelRequestFields.top_k`
_FORMATS = {"jpeg": "jpeg", "jpg": "jpeg", "png": "png", "gif": "gif", "webp": "webp"}


def _image_format(name: str, origin: str) -> str:
    fmt = _FORMATS.get(name.lower().rsplit("/", 1)[-1].rsplit(".", 1)[-1])
    if fmt is None:
        raise ValueError(
            f"Bedrock Converse takes png, jpeg, gif or webp images; cannot tell the format of {origin!r}. "
            "Use a data: URL with an image media type, or an s3:// URI ending in the file extension."
        )
    return fmt


def image_block(url: str) -> dict[str, Any]:
    """A Converse image block from a base64 `data:` URL or an `s3://` URI."""
    if url.startswith("data:"):
        import base64

        header, _, data = url.partition(",")
        media_type = header[len("data:") :].split(";", 1)[0]
        fmt = _image_format(media_type, url[:40] + "...")
        return {"image": {"format": fmt, "source": {"bytes": base64.b64decode(data)}}}
    if url.startswith("s3://"):
        return {"image": {"format": _image_format(url, url), "source": {"s3Location": {"uri": url}}}}
    raise ValueError(
        f"Bedrock Converse cannot fetch images from URLs like {url[:80]!r}: it takes image bytes or "
        "an S3 location. Pass the image as a base64 data: URL ('data:image/png;base64,...'), "
        "an s3:// URI, or a Converse block {'image': {'format': 'png', 'source': {'bytes': ...}}}."
    )


def _block(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"text": part}
    if not isinstance(part, Mapping):
        raise TypeError(f"A message content part must be a dict or a string, got {type(part).__name__}: {part!r}")
    kind = part.get("type")
    if kind is None:  # already a Converse block
        return dict(part)
    if kind == "text":
        return {"text": part["text"]}
    if kind == "image_url":
        image = part.get("image_url")
        return image_block(image.get("url", "") if isinstance(image, Mapping) else str(image or ""))
    if kind == "image" and isinstance(part.get("source"), Mapping):  # Anthropic-style base64 image
        source = part["source"]
        return image_block(f"data:{source.get('media_type', '')};base64,{source.get('data', '')}")
    raise ValueError(
        f"Cannot convert the content part of type {kind!r} to a Converse block. Use text or image_url "
        "parts, or write the Converse block itself (e.g. {'text': ...}, {'image': ...}, {'document': ...})."
    )


def _blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}]
    if isinstance(content, Mapping):
        return [_block(content)]
    return [_block(part) for part in content]


def system_blocks(system: Any) -> list[dict[str, Any]]:
    """A `system=` value (a string, or a list of strings / blocks) as Converse system blocks."""
    return _blocks(system)


def convert_messages(messages: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """(Converse messages, system blocks found among them)."""
    out: list[Any] = []
    system: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, Mapping):
            out.append(message)
            continue
        role = message.get("role")
        if role == "system":
            system.extend(_blocks(message.get("content")))
            continue
        blocks = _blocks(message.get("content"))
        previous = out[-1] if out else None
        if isinstance(previous, dict) and previous.get("role") == role:
            out[-1] = {"role": role, "content": [*previous["content"], *blocks]}
        else:
            out.append({"role": role, "content": blocks})
    return out, system


def to_converse(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `kwargs` shaped for `client.converse` (see the module docstring)."""
    request = dict(kwargs)
    if "model" in request:
        model = request.pop("model")
        request.setdefault("modelId", model)
    inference: dict[str, Any] | None = None
    for key, target in _INFERENCE_KEYS.items():
        if key in request:
            value = request.pop(key)
            if value is None:
                continue
            if inference is None:
                inference = dict(request.get("inferenceConfig") or {})
            inference[target] = [value] if target == "stopSequences" and isinstance(value, str) else value
    if inference is not None:
        request["inferenceConfig"] = inference
    for key in _TOP_K_KEYS:
        if key in request:
            value = request.pop(key)
            if value is not None:
                request["additionalModelRequestFields"] = {**(request.get("additionalModelRequestFields") or {}),
                                                           "top_k": value}
    system = system_blocks(request["system"]) if "system" in request else []
    if "messages" in request:
        request["messages"], found = convert_messages(request["messages"])
        system += found
    if system:
        request["system"] = system
    else:
        request.pop("system", None)
    return request
