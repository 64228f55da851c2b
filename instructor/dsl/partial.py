"""`Partial[Model]`: the model with every field optional, for objects still being streamed.

`client.create_partial(response_model=User, ...)` (or `create(response_model=
Partial[User], ...)`) yields `Partial[User]` instances as the JSON arrives, then
one `User` validated in full. Nested models become their partial models, lists
of models lists of partial models; `Literal` and enum fields stay as they are,
so a half-written value is never shown (it does not validate). The partial model
has no validators: the model's validators run on the final object.
"""

from __future__ import annotations

import functools
import threading
import types
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Field, create_model

from instructor.core.response_model import ResponseSpec

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

T = TypeVar("T", bound=BaseModel)

_lock = threading.RLock()  # one build at a time; the same thread re-enters for nested models
_partials: dict[type[BaseModel], type[BaseModel]] = {}
_building: set[type[BaseModel]] = set()


def _partial_type(tp: Any) -> Any:
    """`tp` with every model in it replaced by its partial model."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in _building:  # a recursive model: the inner levels stay untyped while partial
            return Any
        return partial_model(tp)
    origin = get_origin(tp)
    if origin is Annotated:  # constraints are for the final object, not for drafts
        return _partial_type(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return Union[tuple(_partial_type(a) for a in get_args(tp))]  # noqa: UP007
    if origin in (list, dict) and get_args(tp):
        return origin[tuple(_partial_type(a) for a in get_args(tp))]
    return tp


def _field(info: Any) -> Any:
    return Field(
        default=None,
        alias=info.alias,
        validation_alias=info.validation_alias,
        serialization_alias=info.serialization_alias,
        description=info.description,
        title=info.title,
    )


def partial_model(model: type[BaseModel]) -> type[BaseModel]:
    """The partial model of `model` (built once, whatever the threads): every field optional.

    Raises:
        TypeError: `model` is not a pydantic model.
    """
    partial = _partials.get(model)
    if partial is not None:
        return partial
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"Partial[...] takes a pydantic model, got {model!r}.")
    if getattr(model, "__instructor_partial_of__", None) is not None:
        return model
    with _lock:
        partial = _partials.get(model)
        if partial is None:
            partial = _partials[model] = _build(model)
        return partial


def _build(model: type[BaseModel]) -> type[BaseModel]:
    _building.add(model)
    try:
        fields: dict[str, Any] = {
            name: (_partial_type(info.annotation) | None, _field(info))
            for name, info in model.model_fields.items()
        }
    finally:
        _building.discard(model)
    config = {k: v for k, v in model.model_config.items() if k not in ("title", "json_schema_extra")}
    partial: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Partial{model.__name__}",
        __config__=config,
        __doc__=model.__doc__,
        __module__=model.__module__,
        **fields,
    )
    partial.__instructor_partial_of__ = model  # type: ignore[attr-defined]
    partial.__instructor_response_spec__ = functools.partial(_spec, model)  # type: ignore[attr-defined]
    return partial


@functools.cache
def _request_model(model: type[BaseModel]) -> type[BaseModel]:
    """What the provider is asked for: `model` itself (every field, its constraints) named
    `Partial<Model>`, as the published release names the tool of a streamed model."""
    requested: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Partial{model.__name__}", __base__=model, __module__=model.__module__, __doc__=model.__doc__,
    )
    return requested


@functools.cache
def _spec(model: type[BaseModel]) -> ResponseSpec:
    return ResponseSpec(model=_request_model(model), original=partial_model(model), kind="partial",
                        options={"partial": partial_model(model), "final": model})


def partial_spec(model: type[BaseModel]) -> ResponseSpec:
    """How `create_partial(response_model=model)` asks and streams: the tool is `model`'s schema
    named `Partial<Model>`; the final object is validated as `model` itself."""
    return _spec(getattr(model, "__instructor_partial_of__", None) or model)


class Partial(Generic[T]):
    """`Partial[Model]`: a model whose fields are all optional, for streaming.

    Example:
        >>> for user in client.create(response_model=Partial[User], messages=[...]):
        ...     print(user)   # PartialUser(name='Ja', age=None) ... then User(name='Jason', age=25)
    """

    def __class_getitem__(cls, model: Any) -> Any:
        return partial_model(model)

    def __new__(cls, *args: Any, **kwargs: Any) -> Partial[T]:
        raise TypeError("Cannot instantiate abstract Partial class: use Partial[Model], the model with every "
                        "field optional, and build that.")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError(f"{cls.__name__} cannot subclass Partial: use Partial[Model] for a model whose fields "
                        "are all optional.")


class PartialLiteralMixin:
    """Deprecated and no longer needed: literal and enum fields are never shown half-typed."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        import warnings

        warnings.warn(
            "PartialLiteralMixin is deprecated and has no effect: Partial[...] never shows a "
            "half-typed Literal or enum value. Remove it from your model's bases.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init_subclass__(**kwargs)


__all__ = ["Partial", "PartialLiteralMixin", "partial_model", "partial_spec"]
