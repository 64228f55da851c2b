"""Schema helpers: a pydantic model as the tool schema each provider asks for.

`generate_openai_schema(Model)` and friends return the function/tool schema of
a model; `ResponseSchema` (also named `OpenAISchema`) is a `BaseModel` that
carries those schemas as class properties and reads a provider's response back
with `from_response`; `response_schema(Model)` (also `openai_schema`) makes one
from an existing model. Everything builds on `instructor.core.schema`, which
computes each model's JSON schema once; the results here are cached per class
too. Treat the returned dicts as read-only.

`docstring_parser` (for "Args:" descriptions) is imported only when a schema
is first generated, the deprecated google-generativeai SDK only by
`generate_gemini_schema`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from instructor.core import schema
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)
SchemaT = TypeVar("SchemaT", bound="ResponseSchema")

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
def generate_openai_schema(model: type[BaseModel]) -> dict[str, Any]:
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

    Example:
        >>> generate_openai_schema(User)["parameters"]["required"]
        ['age', 'name']
    """
    import copy

    _check_model(model, "generate_openai_schema")
    parameters = copy.deepcopy(schema.parameters_schema(model))
    properties = parameters.get("properties", {})
    for name, text in _docstring_params(model).items():
        prop = properties.get(name)
        if isinstance(prop, dict) and "description" not in prop:
            prop["description"] = text
    if "required" in parameters:
        parameters["required"] = sorted(parameters["required"])
    return {"name": _title(model), "description": schema.description(model), "parameters": parameters}


@functools.cache
def generate_anthropic_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The Anthropic tool schema of `model`: `{"name", "description", "input_schema"}`.

    `input_schema` is the model's JSON schema as pydantic gives it (title,
    description and field order kept). Cached per class.

    Args:
        model: a pydantic model class.

    Raises:
        TypeError: `model` is not a pydantic model class.

    Example:
        >>> generate_anthropic_schema(User)["input_schema"]["title"]
        'User'
    """
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
    from instructor.providers.generative_ai.handlers import gemini_schema

    return genai.types.FunctionDeclaration(
        name=_title(model), description=schema.description(model), parameters=gemini_schema(model)
    )


def _title(model: type[BaseModel]) -> str:
    title = schema.json_schema(model).get("title")
    return title if isinstance(title, str) and title else model.__name__


def _check_model(model: object, where: str) -> None:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        shown = model.__name__ if isinstance(model, type) else repr(model)
        raise TypeError(f"{where} takes a pydantic model class (a BaseModel subclass), got {shown}.")


@functools.cache
def _docstring_params(model: type[BaseModel]) -> Mapping[str, str]:
    """{parameter: description} from the class docstring's "Args"/"Attributes"/"Parameters"."""
    doc = model.__doc__
    if not doc:
        return {}
    import docstring_parser

    return {p.arg_name: p.description for p in docstring_parser.parse(doc).params if p.description}


# -- ResponseSchema ---------------------------------------------------------------------------
class _ClassProperty(Generic[T]):
    """A read-only property computed from the class (`Model.openai_schema`)."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.__doc__ = compute.__doc__

    def __get__(self, instance: object, owner: type[Any]) -> T:
        return self.compute(owner)


def _openai(cls: type[BaseModel]) -> dict[str, Any]:
    """The OpenAI function schema of this class (`generate_openai_schema`)."""
    return generate_openai_schema(cls)


def _anthropic(cls: type[BaseModel]) -> dict[str, Any]:
    """The Anthropic tool schema of this class (`generate_anthropic_schema`)."""
    return generate_anthropic_schema(cls)


def _gemini(cls: type[BaseModel]) -> Any:
    """A google-generativeai `FunctionDeclaration` (deprecated; `generate_gemini_schema`)."""
    return generate_gemini_schema(cls)


class ResponseSchema(BaseModel):
    """A pydantic model that knows its provider schemas and reads provider responses.

    Subclass it like `BaseModel`; the class then has `openai_schema`,
    `anthropic_schema` and `gemini_schema` (class properties) and
    `from_response(completion)`. `OpenAISchema` is the same class.

    Example:
        >>> class User(ResponseSchema):
        ...     '''A user.'''
        ...     name: str
        >>> User.openai_schema["name"]
        'User'
        >>> user = User.from_response(completion)  # doctest: +SKIP
    """

    openai_schema: ClassVar[_ClassProperty[dict[str, Any]]] = _ClassProperty(_openai)
    anthropic_schema: ClassVar[_ClassProperty[dict[str, Any]]] = _ClassProperty(_anthropic)
    gemini_schema: ClassVar[_ClassProperty[Any]] = _ClassProperty(_gemini)

    @classmethod
    def from_response(
        cls: type[SchemaT],
        completion: Any,
        validation_context: dict[str, Any] | None = None,
        strict: bool | None = None,
        mode: Mode = Mode.TOOLS,
        provider: Any = None,
    ) -> SchemaT:
        """Read a provider's completion as this class, with the handler of `mode`.

        No re-asking: a failed validation raises pydantic's `ValidationError`
        as it is. The result carries the completion as `_raw_response`.

        Args:
            completion: the SDK's response object (e.g. an OpenAI `ChatCompletion`).
            validation_context: the context passed to the model's validators.
            strict: pydantic's strict validation (None: lax, as the model says).
            mode: how the answer was asked for (`Mode.TOOLS`, `Mode.JSON`,
                `Mode.ANTHROPIC_TOOLS`...).
            provider: the provider the completion comes from (a `Provider` or its
                name); None takes the one `mode` implies, OpenAI for generic modes.

        Raises:
            pydantic.ValidationError: the answer does not validate.
            instructor.ResponseParsingError: the completion holds no answer to read
                (no tool call, a refusal).
            instructor.IncompleteOutputException: the model stopped at its length limit.

        Example:
            >>> user = User.from_response(client.chat.completions.create(...))  # doctest: +SKIP
        """
        handler = _handler(provider, mode)
        result = handler.parse_response(completion, cls, context=validation_context, strict=strict)
        if isinstance(result, BaseModel):
            result._raw_response = completion  # type: ignore[attr-defined]
        return result  # type: ignore[no-any-return]


OpenAISchema = ResponseSchema


def _handler(provider: Any, mode: Mode | str) -> Any:
    """The registered handler that reads `mode`'s answers from `provider`.

    The registry on this branch is keyed by mode alone (a provider-specific mode
    such as `Mode.ANTHROPIC_TOOLS` names its provider), so `provider` is not
    needed to find it; where the registry is keyed by (provider, mode), pass it on.
    """
    from instructor.core.mode_registry import get_handler

    return get_handler(mode)


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
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        shown = cls.__name__ if isinstance(cls, type) else type(cls).__name__
        raise TypeError(
            f"response_model must be a subclass of pydantic.BaseModel, got {shown}. "
            "Define the schema as `class Name(BaseModel): ...` and pass the class."
        )
    return _as_response_schema(cls)  # type: ignore[return-value]


@functools.cache
def _as_response_schema(cls: type[BaseModel]) -> type[BaseModel]:
    namespace = {"__doc__": cls.__doc__, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    return type(cls.__name__, (cls, ResponseSchema), namespace)


openai_schema = response_schema
