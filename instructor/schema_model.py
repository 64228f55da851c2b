"""`ResponseSchema` (also `OpenAISchema`): a pydantic model that knows its provider schemas.

Its class properties give the model's OpenAI, Anthropic and Gemini schemas
(`instructor.function_calls`'s builders, cached per class); `from_response`
reads a provider's completion back with the registered mode handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from instructor.function_calls import (
    generate_anthropic_schema,
    generate_gemini_schema,
    generate_openai_schema,
)
from instructor.mode import Mode

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

__all__ = ["OpenAISchema", "ResponseSchema"]

T = TypeVar("T")
SchemaT = TypeVar("SchemaT", bound="ResponseSchema")


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

    The registry is keyed by (provider family, mode): `Mode.TOOLS` with
    `Provider.ANTHROPIC` is Anthropic's tool handler; a provider-named mode
    (`Mode.ANTHROPIC_TOOLS`) finds its own handler without a provider.
    """
    from instructor.core.mode_registry import get_handler

    family = getattr(provider, "value", provider)
    return get_handler(mode, provider=str(family) if family else None)
