"""A `create` call's kwargs as google-genai's `generate_content(model, contents, config)`.

Users write what they write for any provider (`messages=[...]`, `max_tokens`,
`temperature`, `system=`); Gemini wants `contents`, a system instruction and the
generation settings inside one `config`. `normalize` does that folding, once per
call, for the handlers and for `response_model=None` calls alike.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from instructor.formats.gemini_contents import to_contents

#: the spellings other providers use, as GenerateContentConfig names them
ALIASES = {"max_tokens": "max_output_tokens", "stop": "stop_sequences", "n": "candidate_count"}
CALL_KEYS = frozenset({"model", "contents", "config", "stream"})


@functools.cache
def config_fields() -> frozenset[str]:
    """The fields of google-genai's `GenerateContentConfig` in the installed SDK version."""
    from google.genai import types

    return frozenset(types.GenerateContentConfig.model_fields)


def config_dict(config: Any) -> dict[str, Any]:
    """A copy of `config` (a dict or a `GenerateContentConfig`) as a dict."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return dict(config)
    dumped: dict[str, Any] = config.model_dump(exclude_none=True)
    return dumped


def normalize(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """`kwargs` with `messages` turned into `contents` and generation settings folded into `config`.

    Raises:
        TypeError: a keyword is neither a `generate_content` argument nor a config field.
    """
    request = dict(kwargs)
    config = config_dict(request.pop("config", None))
    config.update(config_dict(request.pop("generation_config", None)))
    system = request.pop("system", None) or request.pop("system_instruction", None)
    if "messages" in request:
        contents, from_messages = to_contents(request.pop("messages") or [])
        request["contents"] = [*list(request.get("contents") or []), *contents]
        system = "\n\n".join(s for s in (system, from_messages) if s) or None
    if system and "system_instruction" not in config:
        config["system_instruction"] = system
    fields = config_fields()
    for key in [k for k in request if k not in CALL_KEYS]:
        name = ALIASES.get(key, key)
        if name not in fields:
            raise TypeError(
                f"google-genai's generate_content takes no argument {key!r}. Pass model, messages "
                "(or contents), config, or a GenerateContentConfig field such as temperature or "
                "max_output_tokens."
            )
        config[name] = request.pop(key)
    request["config"] = config
    return request
