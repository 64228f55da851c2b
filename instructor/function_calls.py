"""Schema helpers: a pydantic model as the tool schema each provider asks for.

`generate_openai_schema(Model)` and friends return the function/tool schema of
a model; `ResponseSchema` (also named `OpenAISchema`) is a `BaseModel` that
carries those schemas as class properties and reads a provider's response back
with `from_response`; `response_schema(Model)` (also `openai_schema`) makes one
from an existing model. Everything builds on `instructor.core.schema`, which
computes each model's JSON schema once; the results here are cached per class
too. Treat the returned dicts as read-only.

Nothing heavy is imported until a function runs: pydantic and the schema
cache on first use, `docstring_parser` (for "Args:" descriptions) when a schema
is first generated, the deprecated google-generativeai SDK only by
`generate_gemini_schema`. `ResponseSchema` lives in `instructor.schema_model`
(a pydantic model, so importing it loads pydantic) and is re-exported here.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from instructor.schema_model import OpenAISchema as OpenAISchema
    from instructor.schema_model import ResponseSchema as ResponseSchema

ModelT = TypeVar("ModelT", bound="BaseModel")

__all__ = [
    "OpenAISchema",
    "ResponseSchema",
    "generate_anthropic_schema",
    "generate_gemini_schema",
    "generate_openai_schema",
    "openai_schema",
    "response_schema",
]


# -- the schema builders ----------------------------------------------------------------------
@functools.cache
def generate_openai_schema(model: type[BaseModel], /) -> dict[str, Any]:
    """The OpenAI function schema of `model`: `{"name", "description", "parameters"}`.

    `name` is the schema's title; `description` the class docstring (a default
    sentence naming the class when it has none); `parameters` the model's JSON
    schema without its top-level title and description, where properties with no
    description of their own take the one the docstring gives ("Args:" style,
    Google, reST or numpydoc), and `required` is sorted. Cached per class.

    Args:
        model: a pydantic model class.

    Raises:
        TypeError: `model` is not a pydantic model class.

    Examples:
        >>> generate_openai_schema(User)["parameters"]["required"]
        ['age', 'name']
    """
    from instructor.core import schema

    _check_model(model, "generate_openai_schema")
    return {"name": _title(model), "description": schema.description(model),
            "parameters": schema.documented_parameters(model)}


@functools.cache
def generate_anthropic_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The Anthropic tool schema of `model`: `{"name", "description", "input_schema"}`.

    `input_schema` is the model's JSON schema as pydantic gives it (title,
    description and field order kept). Cached per class.

    Args:
        model: a pydantic model class.

    Raises:
        TypeError: `model` is not a pydantic model class.

    Examples:
        >>> generate_anthropic_schema(User)["input_schema"]["title"]
        'User'
    """
    from instructor.core import schema

    _check_model(model, "generate_anthropic_schema")
    return {"name": _title(model), "description": schema.description(model),
            "input_schema": schema.json_schema(model)}


def generate_gemini_schema(model: type[BaseModel]) -> Any:
    """`model` as a google-generativeai `FunctionDeclaration` (deprecated with that SDK).

    Warns `DeprecationWarning` on every call: google-generativeai has reached its
    end of life; with google-genai, pass the model as `response_model` instead.

    Args:
        model: a pydantic model class.

    Raises:
        ImportError: google-generativeai is not installed (install google-genai and
            use `instructor.from_genai`, or `pip install google-generativeai`).
        TypeError: `model` is not a pydantic model class.

    Example:
        >>> declaration = generate_gemini_schema(User)  # doctest: +SKIP
    """
    import warnings

    warnings.warn(
        "generate_gemini_schema is deprecated along with the google-generativeai SDK: use google-genai "
        "(instructor.from_genai or from_provider('google/...')) and pass the model as response_model.",
        DeprecationWarning,
        stacklevel=2,
    )
    _check_model(model, "generate_gemini_schema")
    try:
        with warnings.catch_warnings():  # the SDK announces its own end of life when imported
            warnings.simplefilter("ignore", FutureWarning)
            import google.generativeai as genai
    except ImportError as exc:
        raise ImportError(
            "generate_gemini_schema needs the deprecated google-generativeai SDK, which is not installed. "
            "Use google-genai instead (pip install google-genai, then instructor.from_genai), or install "
            "the old SDK with `pip install google-generativeai`."
        ) from exc
    from instructor.core import schema
    from instructor.providers.generative_ai.handlers import gemini_schema

    return genai.types.FunctionDeclaration(
        name=_title(model), description=schema.description(model), parameters=gemini_schema(model)
    )


def _title(model: type[BaseModel]) -> str:
    from instructor.core import schema

    title = schema.json_schema(model).get("title")
    return title if isinstance(title, str) and title else model.__name__


def _check_model(model: object, where: str) -> None:
    from pydantic import BaseModel

    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        shown = model.__name__ if isinstance(model, type) else repr(model)
        raise TypeError(f"{where} takes a pydantic model class (a BaseModel subclass), got {shown}.")


def response_schema(cls: type[ModelT]) -> type[ModelT]:
    """`cls` as a `ResponseSchema`: a subclass of both, with `cls`'s name and docstring.

    The same class comes back for the same `cls` (cached), so its schemas are
    computed once. `openai_schema` is the same function.

    Args:
        cls: a pydantic model class.

    Raises:
        TypeError: `cls` is not a pydantic model class.

    Example:
        >>> UserSchema = response_schema(User)
        >>> UserSchema.openai_schema["name"]
        'User'
    """
    from pydantic import BaseModel

    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        shown = cls.__name__ if isinstance(cls, type) else type(cls).__name__
        raise TypeError(
            f"response_model must be a subclass of pydantic.BaseModel, got {shown}. "
            "Define the schema as `class Name(BaseModel): ...` and pass the class."
        )
    return _as_response_schema(cls)  # type: ignore[return-value]


@functools.cache
def _as_response_schema(cls: type[BaseModel]) -> type[BaseModel]:
    from instructor.schema_model import ResponseSchema

    namespace = {"__doc__": cls.__doc__, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    return type(cls.__name__, (cls, ResponseSchema), namespace)


openai_schema = response_schema


def __getattr__(name: str) -> Any:
    if name in ("ResponseSchema", "OpenAISchema"):
        from instructor import schema_model

        return getattr(schema_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
