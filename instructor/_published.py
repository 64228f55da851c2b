"""Published import paths whose names live elsewhere: one table, read lazily by each path.

Programs written for the published release (and its earlier versions) import from
module paths where our code does not keep those names. Each such path is a few
lines (`__getattr__, __dir__, __all__ = attach(__name__)`) that read their names
here, as pydantic's moved modules read `pydantic._migration`: a name loads its
module on first access and is cached on the path, so a path costs nothing until
a name is used. Stdlib only; nothing here imports what it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_CLIENT = "instructor.core.client"

#: path -> {name: the module that defines it, or "module:attribute" when it is named otherwise there}
PATHS: dict[str, dict[str, str]] = {
    # the names instructor.core.client publishes beside its own (Instructor, AsyncInstructor, T, Hooks...)
    "instructor.core.client": {
        "AsyncResponse": "instructor.providers.openai.responses:AsyncResponsesHelper",
        "Partial": "instructor.dsl.partial",
        "Provider": "instructor.provider",
        "Response": "instructor.providers.openai.responses:ResponsesHelper",
        "from_litellm": "instructor.providers.litellm.factory",
        "from_openai": "instructor.providers.openai.factory",
    },
    # the module path of the clients before instructor.core.client (earlier releases)
    "instructor.client": dict.fromkeys(
        ("AsyncInstructor", "AsyncResponse", "HookName", "Hooks", "Instructor", "Mode", "Partial", "Provider",
         "Response", "T", "from_litellm", "from_openai"),
        _CLIENT,
    ),
    "instructor.validation": {
        "ASYNC_MODEL_VALIDATOR_KEY": "instructor.dsl.async_validators",
        "ASYNC_VALIDATOR_KEY": "instructor.dsl.async_validators",
        "AsyncValidationContext": "instructor.dsl.async_validators",
        "AsyncValidationError": "instructor.core.exceptions",
        "Validator": "instructor.validator_schema",
        "async_field_validator": "instructor.dsl.async_validators",
        "async_model_validator": "instructor.dsl.async_validators",
        "llm_validator": "instructor.validators",
        "openai_moderation": "instructor.validators",
    },
}


def resolve(path: str, name: str) -> Any:
    """`name` as published at `path`, loaded from its module and cached on `path`.

    Raises:
        AttributeError: `path` publishes no `name`.
    """
    import importlib
    import sys

    origin = PATHS.get(path, {}).get(name)
    if origin is None:
        raise AttributeError(f"module {path!r} has no attribute {name!r}")
    module, _, attribute = origin.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    setattr(sys.modules[path], name, value)
    return value


def attach(path: str) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`(__getattr__, __dir__, __all__)` of a path that only re-exports what `PATHS` lists for it."""
    names = sorted(PATHS[path])

    def __getattr__(name: str) -> Any:
        return resolve(path, name)

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, names
