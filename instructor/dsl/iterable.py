"""`Iterable[Model]` as a response model: several objects in one answer, yielded as they finish.

The provider is asked for one object whose `tasks` list holds the items (tools
and JSON modes), or, in `Mode.PARALLEL_TOOLS`, for one tool call per item
(`Iterable[Union[A, B]]` offers a tool per model). Not streamed, `create`
returns the list; streamed (`stream=True` or `create_iterable`), each item is
yielded as soon as its JSON closes and it validates.
"""

from __future__ import annotations

import functools
import threading
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Field, create_model

from instructor.core.response_model import ResponseSpec

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

ITEMS_KEY = "tasks"


def _members(item_type: Any) -> tuple[Any, ...]:
    if get_origin(item_type) is Union or get_origin(item_type) is types.UnionType:
        return get_args(item_type)
    return (item_type,)


def _name_of(tp: Any) -> str:
    name = getattr(tp, "__name__", None) or str(tp)
    return "".join(ch for ch in name.title() if ch.isalnum()) if not isinstance(tp, type) else name


def _tasks(wrapper: Any) -> list[Any]:
    if isinstance(wrapper, BaseModel):
        return list(getattr(wrapper, ITEMS_KEY))
    return list(wrapper)  # parallel tools: already a list


_lock = threading.Lock()


@functools.cache
def _iterable_model(item_type: Any, name: str | None, description: str | None) -> type[BaseModel]:
    with _lock:  # functools.cache may run this twice on a race; the lock makes the second wait
        return _cached_build(item_type, name, description)


@functools.cache
def _cached_build(item_type: Any, name: str | None, description: str | None) -> type[BaseModel]:
    members = _members(item_type)
    names = "".join(_name_of(m) for m in members)
    doc = description or (
        f"Correct segmentation of `{names}` tasks: every one of them, in order."
    )
    wrapper: type[BaseModel] = create_model(  # type: ignore[call-overload]
        name or f"Iterable{names}",
        __doc__=doc,
        **{ITEMS_KEY: (list[item_type], Field(  # type: ignore[valid-type]
            description=f"Correctly segmented list of `{names}` tasks"))},
    )
    models = tuple(m for m in members if isinstance(m, type) and issubclass(m, BaseModel))
    wrapper.__instructor_parallel_models__ = models  # type: ignore[attr-defined]
    spec = ResponseSpec(
        model=wrapper, unwrap=_tasks, original=wrapper, kind="iterable",
        options={"key": ITEMS_KEY, "item_models": {m.__name__: m for m in models}},
    )
    wrapper.__instructor_response_spec__ = lambda: spec  # type: ignore[attr-defined]
    return wrapper


def IterableModel(  # noqa: N802 - the well-known spelling
    subtask_class: Any, name: str | None = None, description: str | None = None
) -> type[BaseModel]:
    """The model asking for a list of `subtask_class` (a model, or a Union of models).

    Args:
        subtask_class: the type of each item.
        name: the wrapper's name (the tool name in tools mode); default `Iterable<Name>`.
        description: the wrapper's docstring, sent to the model.

    Example:
        >>> Users = instructor.IterableModel(User)
        >>> for user in client.create(response_model=Users, stream=True, messages=[...]):
        ...     print(user)
    """
    return _iterable_model(subtask_class, name, description)


def iterable_spec(item_type: Any) -> ResponseSpec:
    """The `ResponseSpec` of `Iterable[item_type]`."""
    spec: ResponseSpec = _iterable_model(item_type, None, None).__instructor_response_spec__()  # type: ignore[attr-defined]
    return spec


__all__ = ["IterableModel", "iterable_spec"]
