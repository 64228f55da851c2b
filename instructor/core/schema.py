"""From a pydantic model to the schemas providers ask for, computed once per model.

Every function here is cached on the model class: a warm call costs a dict
lookup, whatever the model's size. The returned dicts are shared; treat them
as read-only (handlers copy before they change anything).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Container, Iterable
from typing import Any

from pydantic import BaseModel

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

DEFAULT_DESCRIPTION = "Correctly extracted `{name}` with all the required parameters with correct types"


@functools.cache
def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema (pydantic's), with its docstring as description."""
    return model.model_json_schema()


def tool_name(model: type[BaseModel]) -> str:
    """The name a tool call for `model` carries."""
    return model.__name__


def calls_offered(called: object, offered: str | Container[str]) -> bool:
    """Whether a tool call named `called` is a call of the tool(s) `offered`.

    A call that names another tool is an invalid answer, never read as the response
    model (the caller re-asks). Names are compared as sent: every provider served here
    returns a tool's name exactly as it was declared, and none documents rewriting it.
    A call without a name (`None`, `""`, or a test double's non-string attribute) names
    no other tool, so it counts as the offered one.
    """
    if not isinstance(called, str) or not called:
        return True
    return called == offered if isinstance(offered, str) else called in offered


def check_calls(called: Iterable[object], offered: str | Collection[str], response: Any = None) -> None:
    """Raise `ResponseParsingError` (re-asked) when a tool call of the answer names a tool that was not
    `offered`: such an answer is invalid, and its arguments are never read as the response model.

    Args:
        called: the names the answer's tool calls carry.
        offered: the tool name (or names) the request offered.
        response: the provider's response, kept on the error.
    """
    others = [name for name in called if not calls_offered(name, offered)]
    if others:
        from instructor.core.exceptions import ResponseParsingError

        wanted = repr(offered) if isinstance(offered, str) else f"one of {sorted(offered)}"
        raise ResponseParsingError(
            f"The model called {', '.join(map(repr, others))}, which is not a tool it was offered; "
            f"its answer must be a call of {wanted}.",
            raw_response=response,
        )


@functools.cache
def description(model: type[BaseModel]) -> str:
    """The model's docstring, or a default sentence naming it."""
    schema = json_schema(model)
    doc = schema.get("description")
    return doc if isinstance(doc, str) and doc else DEFAULT_DESCRIPTION.format(name=model.__name__)


@functools.cache
def parameters_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema used as tool parameters: no title/description at the top level."""
    schema = dict(json_schema(model))
    schema.pop("title", None)
    schema.pop("description", None)
    return schema


#: words that open a docstring's parameter section (Google, reST, numpydoc): without one, the
#: docstring describes no field and docstring_parser (20 ms to import) is not needed
_PARAMETER_SECTIONS = ("Args", "Arguments", "Attributes", "Parameters", "Params", ":param", ":ivar")


@functools.cache
def docstring_parameters(model: type[BaseModel]) -> dict[str, str]:
    """{field: description} from the class docstring's "Args:" / "Attributes:" / "Parameters" section."""
    doc = model.__doc__
    if not doc or not any(word in doc for word in _PARAMETER_SECTIONS):
        return {}
    import docstring_parser

    return {p.arg_name: p.description for p in docstring_parser.parse(doc).params if p.description}


@functools.cache
def documented_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAI function's parameters: `parameters_schema(model)` where each property with no
    description of its own takes the one the class docstring gives it, and `required` sorted."""
    parameters = parameters_schema(model)
    described = docstring_parameters(model)
    required = parameters.get("required")
    if not described and (required is None or required == sorted(required)):
        return parameters
    import copy

    parameters = copy.deepcopy(parameters)
    properties = parameters.get("properties", {})
    for name, text in described.items():
        prop = properties.get(name)
        if isinstance(prop, dict) and "description" not in prop:
            prop["description"] = text
    if required is not None:
        parameters["required"] = sorted(required)
    return parameters


@functools.cache
def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A schema for providers' strict structured outputs.

    Every object forbids additional properties and lists all its properties as
    required (the subset of JSON schema strict decoding accepts).
    """
    import copy

    schema = copy.deepcopy(parameters_schema(model))
    _make_strict(schema)
    return schema


def _make_strict(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            props = node.get("properties", {})
            if not isinstance(node.get("additionalProperties"), dict):
                # a map's value schema stays: forbidding its keys would only allow `{}`
                node["additionalProperties"] = False
            node["required"] = list(props)
        node.pop("default", None)
        for value in node.values():
            _make_strict(value)
    elif isinstance(node, list):
        for item in node:
            _make_strict(item)


@functools.cache
def openai_tool(model: type[BaseModel], strict: bool = False) -> dict[str, Any]:
    """The OpenAI `tools=[...]` entry for `model`."""
    function: dict[str, Any] = {
        "name": tool_name(model),
        "description": description(model),
        "parameters": strict_schema(model) if strict else documented_parameters(model),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


@functools.cache
def schema_json(model: type[BaseModel]) -> str:
    """The schema as indented JSON, for prompts that describe the expected answer."""
    import json

    return json.dumps(json_schema(model), indent=2, ensure_ascii=False)
