"""What a `response_model` argument means: a pydantic model, a simple type, or a DSL type.

Everything that is not a pydantic model (`int`, `Literal[...]`, `list[str]`,
unions, enums...) is wrapped in a one-field model named `Response`, asked for
like any model, and unwrapped after validation. DSL types describe themselves
through `__instructor_response_spec__`: `Partial[Model]` (kind "partial": the
provider is asked for `Model`, `options["partial"]` is what streams) and
`IterableModel(X)` (kind "iterable": a `tasks` list, `options["item_models"]`
for parallel tools); `typing.Iterable[X]` / `collections.abc.Iterable[X]` mean
`IterableModel(X)`. The resolution is cached per type.
"""

from __future__ import annotations

import functools
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from instructor.core.frozen import Frozen

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it


def _identity(value: Any) -> Any:
    return value


def _unwrap_content(value: Any) -> Any:
    return value.content


@dataclass(init=False, repr=False, eq=False)  # frozen: see `Frozen` (a generated one costs ~0.4 ms per process)
class ResponseSpec(Frozen):
    """How to ask for, and hand back, one kind of response model.

    Attributes:
        model: the pydantic model the provider is asked to fill.
        unwrap: turns the validated model into what `create` returns.
        original: what the caller passed as `response_model`.
        kind: "model", "simple", or a DSL kind ("iterable", "partial", ...).
        options: data a DSL kind hands to its handlers and parsers.
    """

    model: type[BaseModel]
    unwrap: Callable[[Any], Any] = _identity
    original: Any = None
    kind: str = "model"
    options: dict[str, Any] = field(default_factory=dict)

    def __init__(self, model: type[BaseModel], unwrap: Callable[[Any], Any] = _identity, original: Any = None,
                 kind: str = "model", options: dict[str, Any] | None = None) -> None:
        values = locals()
        if options is None:
            values["options"] = {}
        self._init(values)


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


@functools.cache
def _simple_spec(tp: Any) -> ResponseSpec:
    from pydantic import create_model

    wrapper = create_model(  # type: ignore[call-overload]
        "Response",
        __doc__="Correctly formatted and typed response.",
        content=(tp, ...),
    )
    return ResponseSpec(model=wrapper, unwrap=_unwrap_content, original=tp, kind="simple")


def resolve_response_model(response_model: Any) -> ResponseSpec | None:
    """The `ResponseSpec` for `response_model`; None means pass the SDK response through."""
    if response_model is None:
        return None
    describe = getattr(response_model, "__instructor_response_spec__", None)
    if describe is not None:
        spec: ResponseSpec = describe()
        return spec
    if is_pydantic_model(response_model):
        return _model_spec(response_model)
    if _is_iterable_alias(response_model):  # typing.Iterable[X] or collections.abc.Iterable[X]
        from instructor.dsl.iterable import iterable_spec

        return iterable_spec(typing.get_args(response_model)[0])
    if _is_model_list(response_model):  # list[Model]: asked for as Iterable[Model] (a `tasks` list), as published
        from instructor.dsl.iterable import iterable_spec

        return iterable_spec(typing.get_args(response_model)[0])
    try:
        return _simple_spec(response_model)
    except TypeError:  # unhashable annotation: build it uncached
        return _simple_spec.__wrapped__(response_model)


def _union_members(tp: Any) -> tuple[Any, ...]:
    import types

    origin = typing.get_origin(tp)
    return typing.get_args(tp) if origin is typing.Union or origin is types.UnionType else (tp,)


def _is_model_list(tp: Any) -> bool:
    """`list[Model]` / `List[Model]` (or a list of a Union of models); `list[int]` is a simple type."""
    args = typing.get_args(tp)
    return (typing.get_origin(tp) is list and len(args) == 1
            and all(is_pydantic_model(m) for m in _union_members(args[0])))


def _is_iterable_alias(tp: Any) -> bool:
    import collections.abc

    args = typing.get_args(tp)
    return typing.get_origin(tp) is collections.abc.Iterable and bool(args) and args[0] is not None


@functools.cache
def _model_spec(model: type[BaseModel]) -> ResponseSpec:
    if "instructor.dsl.async_validators" in sys.modules:  # no model can carry a marker before it loads
        _refuse_async_validators(model)
    return ResponseSpec(model=model, original=model)


def _refuse_async_validators(model: type[BaseModel]) -> None:
    """Raise ValueError when `model` declares async validators (`instructor.validation`), which are not run."""
    from instructor.dsl.async_validators import async_validators_of

    names = async_validators_of(model)
    if names:
        raise ValueError(
            f"{model.__name__} declares async validators ({', '.join(names)}), which instructor does not "
            "run: the answer would pass unchecked. Write them as pydantic validators (field_validator, "
            "model_validator), or validate the result after create returns."
        )
