"""`Maybe[Model]`: an answer that may not exist, with the reason when it does not.

The model is asked for `result` (the object, or null), `error` and `message`,
so "there is no such user in this text" is an answer instead of an invented one.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, Field

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

T = TypeVar("T")


class Maybe(BaseModel, Generic[T]):
    """Either a `result`, or `error=True` and a `message` saying why there is none.

    `Maybe[User]` and the older call form `Maybe(User)` give the same model, named
    `MaybeUser` (a valid tool name). An instance is truthy when it holds a result.

    Example:
        >>> found = client.create(response_model=Maybe[User], messages=[...])
        >>> if found:
        ...     print(found.result.name)
        ... else:
        ...     print(found.message)
    """

    result: T | None = Field(default=None, description="The correctly extracted object, or null when there is none.")
    error: bool = Field(default=False, description="True when no result could be extracted.")
    message: str | None = Field(
        default=None, description="Why there is no result: short and concrete; null when there is one."
    )

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and isinstance(args[0], type):
            return cast(Any, cls)[args[0]]  # `Maybe(User)`: the well-known call form builds the model
        return super().__new__(cls)

    def __bool__(self) -> bool:
        return self.result is not None

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        return "Maybe" + "".join(getattr(p, "__name__", "Value") for p in params)


__all__ = ["Maybe"]
