"""A `create` call's kwargs as google-generativeai's `GenerativeModel.generate_content` arguments.

The SDK takes plain dicts for contents, tools, tool config and generation
config, so requests stay plain data. The model is the `GenerativeModel`'s own,
so a `model=` keyword is dropped; the SDK takes a system instruction only when
the `GenerativeModel` is built, so system messages become a first user turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instructor.formats.gemini_contents import system_as_user_turn, to_contents

ALIASES = {"max_tokens": "max_output_tokens", "stop": "stop_sequences", "n": "candidate_count"}
CALL_KEYS = frozenset({"contents", "generation_config", "safety_settings", "tools", "tool_config",
                       "request_options", "stream"})
#: the fields of the SDK's `GenerationConfig`
CONFIG_FIELDS = frozenset({"candidate_count", "stop_sequences", "max_output_tokens", "temperature", "top_p",
                           "top_k", "seed", "response_mime_type", "response_schema", "presence_penalty",
                           "frequency_penalty", "response_logprobs", "logprobs"})


def normalize(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """`kwargs` with `messages` as `contents` and generation settings in a `generation_config` dict.

    Raises:
        TypeError: a keyword is neither a `generate_content` argument nor a generation setting.
    """
    request = dict(kwargs)
    request.pop("model", None)  # fixed by the GenerativeModel
    config = request.pop("generation_config", None) or {}
    if not isinstance(config, Mapping):  # the SDK's GenerationConfig dataclass
        config = {k: v for k, v in vars(config).items() if v is not None}
    config = dict(config)
    if "messages" in request:
        contents, system = to_contents(request.pop("messages") or [])
        request["contents"] = [*list(request.get("contents") or []), *system_as_user_turn(contents, system)]
    for key in [k for k in request if k not in CALL_KEYS]:
        name = ALIASES.get(key, key)
        if name not in CONFIG_FIELDS:
            raise TypeError(
                f"google-generativeai's generate_content takes no argument {key!r}. Pass messages (or "
                "contents), generation_config, tools, tool_config, safety_settings, or a GenerationConfig "
                "field such as temperature or max_output_tokens."
            )
        config[name] = request.pop(key)
    request["generation_config"] = config
    return request
