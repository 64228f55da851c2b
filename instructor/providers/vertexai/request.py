"""A `create` call's kwargs as the Vertex AI SDK's `GenerativeModel.generate_content` arguments.

Handlers shape plain data (content, tool and config dicts, as google-genai
takes them); `to_sdk` turns them into the SDK's `Tool`, `ToolConfig` and
`GenerationConfig` objects right before the call. The model is the
`GenerativeModel`'s own, so a `model=` keyword is dropped. This SDK takes a
system instruction only when the `GenerativeModel` is built: system messages
become a first user turn.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from instructor.formats.gemini_contents import system_as_user_turn, to_contents

ALIASES = {"max_tokens": "max_output_tokens", "stop": "stop_sequences", "n": "candidate_count"}
CALL_KEYS = frozenset({"contents", "generation_config", "safety_settings", "tools", "tool_config", "labels",
                       "stream"})


@functools.cache
def _config_fields() -> frozenset[str]:
    import inspect

    from vertexai.generative_models import GenerationConfig

    return frozenset(inspect.signature(GenerationConfig.__init__).parameters) - {"self"}


def config_as_dict(config: Any) -> dict[str, Any]:
    """The SDK's `GenerationConfig` as a dict, so settings and a mode's schema can join it.

    Read through protobuf's own `MessageToDict`: the SDK's `to_dict` warns under protobuf 5.
    """
    from google.protobuf import json_format  # type: ignore[import-untyped]

    raw = getattr(config, "_raw_generation_config", config)
    message = raw._pb if hasattr(raw, "_pb") else raw
    converted: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return converted


def normalize(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """`kwargs` with `messages` as `contents` and generation settings in a `generation_config` dict.

    Raises:
        TypeError: a keyword is neither a `generate_content` argument nor a generation setting.
    """
    request = dict(kwargs)
    request.pop("model", None)  # fixed by the GenerativeModel
    config = request.pop("generation_config", None) or {}
    config = dict(config) if isinstance(config, Mapping) else config_as_dict(config)
    if "messages" in request:
        contents, system = to_contents(request.pop("messages") or [])
        request["contents"] = [*list(request.get("contents") or []), *system_as_user_turn(contents, system)]
    fields = _config_fields()
    for key in [k for k in request if k not in CALL_KEYS]:
        name = ALIASES.get(key, key)
        if name not in fields:
            raise TypeError(
                f"Vertex AI's generate_content takes no argument {key!r}. Pass messages (or contents), "
                "generation_config, tools, tool_config, safety_settings, or a GenerationConfig field "
                "such as temperature or max_output_tokens."
            )
        config[name] = request.pop(key)
    request["generation_config"] = config
    return request


def to_sdk(request: dict[str, Any]) -> dict[str, Any]:
    """Plain tool / tool-config / generation-config dicts as the Vertex AI SDK's objects."""
    from vertexai import generative_models as gm

    call = dict(request)
    # the SDK refuses a list that mixes dicts and Content objects (a re-ask appends the latter)
    call["contents"] = [gm.Content.from_dict(dict(c)) if isinstance(c, Mapping) else c
                        for c in call.get("contents") or []]
    config = dict(call.pop("generation_config", None) or {})
    if config:
        if "response_schema" in config:  # the SDK rewrites a schema in place
            config["response_schema"] = copy.deepcopy(config["response_schema"])
        call["generation_config"] = gm.GenerationConfig(**config)
    tools = []
    for tool in call.pop("tools", None) or []:
        if isinstance(tool, Mapping):
            tool = gm.Tool(function_declarations=[
                gm.FunctionDeclaration(name=f["name"], description=f.get("description"),
                                       parameters=copy.deepcopy(f["parameters"]))
                for f in tool["function_declarations"]
            ])
        tools.append(tool)
    if tools:
        call["tools"] = tools
    tool_config = call.pop("tool_config", None)
    if isinstance(tool_config, Mapping):
        calling = tool_config["function_calling_config"]
        fcc = gm.ToolConfig.FunctionCallingConfig
        tool_config = gm.ToolConfig(function_calling_config=fcc(
            mode=getattr(fcc.Mode, calling["mode"]),
            allowed_function_names=calling.get("allowed_function_names"),
        ))
    if tool_config is not None:
        call["tool_config"] = tool_config
    return call
