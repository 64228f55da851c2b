"""The published release's async validator markers (`instructor.validation.async_field_validator`...).

The decorators only mark a method; instructor does not run async validators. A
response model that declares one is refused with `ValueError` before any request
(as the published release does): a validator that silently never ran would let
answers it should reject through. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: the attribute a method marked by `async_field_validator` carries (its field names)
ASYNC_VALIDATOR_KEY = "__instructor_async_field_validator__"
#: the attribute a method marked by `async_model_validator` carries
ASYNC_MODEL_VALIDATOR_KEY = "__instructor_async_model_validator__"

__all__ = ["ASYNC_MODEL_VALIDATOR_KEY", "ASYNC_VALIDATOR_KEY", "AsyncValidationContext", "async_field_validator",
           "async_model_validator", "async_validators_of"]


class AsyncValidationContext:
    """What an async validator is handed: the call's validation `context`."""

    def __init__(self, context: dict[str, Any] | None = None) -> None:
        self.context = context if context is not None else {}

    def __repr__(self) -> str:
        return f"AsyncValidationContext(context={self.context!r})"


def async_field_validator(field: str, *fields: str) -> Callable[[F], F]:
    """Mark an async method as a validator of `field` (and `fields`)."""

    def mark(function: F) -> F:
        setattr(function, ASYNC_VALIDATOR_KEY, (field, *fields))
        return function

    return mark


def async_model_validator() -> Callable[[F], F]:
    """Mark an async method as a validator of the whole model."""

    def mark(function: F) -> F:
        setattr(function, ASYNC_MODEL_VALIDATOR_KEY, True)
        return function

    return mark


def async_validators_of(model: type) -> list[str]:
    """The names of the methods of `model` (and its bases) marked as async validators."""
    return sorted({name for cls in model.__mro__ for name, value in vars(cls).items()
                   if getattr(value, ASYNC_VALIDATOR_KEY, None) or getattr(value, ASYNC_MODEL_VALIDATOR_KEY, None)})
