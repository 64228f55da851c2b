"""Shapes: what the values inside one JSON container are expected to be.

`JsonCursor` asks a container's shape what each member opens (`child`), hands it
the members that finished to check (`accept`) and has it build what an unfinished
container shows (`build`): a partial model (`ModelShape`), a list (`ListShape`),
the items of an `Iterable[...]` answer (`ItemsShape`), or nothing kept (`RAW`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

_MISSING: Any = object()  # no value: a member not shown, text that is not JSON


class Shape:
    """What the values inside one JSON container are expected to be.

    This base keeps nothing: the container is decoded once, when it is finished,
    by the shape of its parent.
    """

    keeps = False  # whether `accept` wants the members (else they are not even decoded)
    opens = ""  # the bracket this shape reads ("{" or "["); a container opened by the other is RAW
    eager = False  # whether members are accepted as soon as they finish (else at the next snapshot)
    flat = False  # whether an open container of this shape is read lazily (see `_Frame.lazy`)
    items_text = False  # whether its object members are read whole and handed over as text (`_step_items`)
    flat_items = False  # whether its members are flat objects, each read whole when it can be (`_step_list`)

    def child(self, key: Any) -> Shape:
        """The shape of the container member `key` opens."""
        return RAW

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        """Check finished members (key, decoded JSON): per member, the (key, value) to keep or None."""
        return [None] * len(members)

    def show_string(self, key: Any, text: str) -> tuple[bool, Any]:
        """Whether a string still being written shows: only where any string is valid, so a
        `Literal`, an enum or a date never shows a value that may still grow into another."""
        return False, None

    def build(self, members: Any, open_key: Any, open_value: Any) -> Any:
        """What this unfinished container shows: its members plus the open one."""
        return _MISSING


RAW = Shape()


def _strip_optional(tp: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X (other unions are kept)."""
    import types
    from typing import Annotated

    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def shape_of(annotation: Any, check: Callable[[Any], Any], context: Mapping[str, Any] | None,
             plain_strings: bool) -> Shape:
    """The shape of a container typed `annotation`; `check` validates a whole value of it."""
    tp = _strip_optional(annotation)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return ModelShape(tp, context)
    if get_origin(tp) is list and len(get_args(tp)) == 1:
        return ListShape(get_args(tp)[0], check, context, plain_strings)
    return RAW


def _transforms_strings(model: type[BaseModel]) -> bool:
    config = model.model_config
    return bool(config.get("str_strip_whitespace") or config.get("str_to_lower")
                or config.get("str_to_upper") or config.get("strict"))


_PLAIN = (str, int, float, bool)


def _plain_type(annotation: Any, model: type[BaseModel]) -> type | None:
    """The JSON scalar type a field takes as is (`str`, `int`, `float`, `bool`), if it is one of those.

    A decoded JSON value of exactly that type needs no validation (partial models
    carry no constraints and no validators); anything else goes through pydantic.
    """
    tp = _strip_optional(annotation)
    if tp not in _PLAIN or (tp is str and _transforms_strings(model)):
        return None
    return tp  # type: ignore[no-any-return]


_new_object = object.__new__


class ModelShape(Shape):
    """A JSON object read as a (partial) pydantic model: every field optional.

    The members that finished since the last snapshot are checked in one call to
    the model's own validator (one field at a time only when that call fails, to
    keep the valid ones), so the partial model needs nothing built per field.
    Unfinished strings show only in plain `str` fields, so a `Literal`, an enum or
    a date never shows a value that may still grow into another. Snapshots are built without
    validation (what they hold is validated already), straight into the
    instance's `__dict__`: partial models have no validators and every default
    is None.
    """

    keeps = True
    opens = "{"
    #: `check(key, value_text)`, run on each member as it closes (the root of a partial stream: its
    #: early checks, `instructor.core.streaming.early`); raises to cut the stream
    guard: Callable[[Any, str], None] | None = None

    def __init__(self, model: type[BaseModel], context: Mapping[str, Any] | None) -> None:
        self.model = model
        self.context = context
        self.names: dict[str, str] = {}
        self.plain: dict[str, type] = {}  # field name -> the JSON scalar type it takes as is
        self.plain_items: dict[str, frozenset[type]] = {}  # list field name -> {the JSON scalar type of its items}
        for name, info in model.model_fields.items():
            self.names[name] = name
            if info.alias:
                self.names[info.alias] = name
            plain = _plain_type(info.annotation, model)
            if plain is not None:
                self.plain[name] = plain
            listed = _strip_optional(info.annotation)
            if get_origin(listed) is list and len(get_args(listed)) == 1:
                item = _plain_type(get_args(listed)[0], model)
                if item is not None:
                    self.plain_items[name] = frozenset((item,))
        self.plain_str = {name for name, tp in self.plain.items() if tp is str}
        self.defaults = dict.fromkeys(model.model_fields)
        self.extra: dict[str, Any] | None = {} if model.model_config.get("extra") == "allow" else None
        self._children: dict[str, Shape] = {}
        # BaseModel's slots (its `__dict__` one of them), set straight through their descriptors: what
        # object.__setattr__ finds, without its lookup
        slots = vars(BaseModel)
        self._setters = (slots["__dict__"].__set__, slots["__pydantic_fields_set__"].__set__,
                         slots["__pydantic_extra__"].__set__, slots["__pydantic_private__"].__set__)
        self.build = _builder(self)  # type: ignore[method-assign,assignment]

    def _check_field(self, key: str, value: Any) -> Any:
        return getattr(self.model.model_validate({key: value}, context=self.context), self.names[key])

    @functools.cached_property
    def flat(self) -> bool:  # type: ignore[override]
        """No member of this object is an object the partial shows as a model: every field is a
        scalar, a list of scalars, or a value nothing is kept from (a `dict`, `Any`)."""
        return all(
            child is RAW or (type(child) is ListShape and child.item is RAW)
            for child in map(self.child, self.names)
        )

    @functools.cached_property
    def whole(self) -> Callable[[str], Any] | None:
        """A flat object's whole text to its partial model in one call to the model's own validator,
        when that gives what taking its decoded members (`take`) and building them gives: every field
        takes a JSON scalar, or a list of them, as it is, none has an alias and no extra is kept
        (half the cost of decoding, taking and building). None otherwise. What it returns is _MISSING
        when the text does not validate: the members are then taken one by one, to keep the valid ones."""
        fields = self.model.model_fields
        if self.extra is not None or any(
                name not in self.plain and name not in self.plain_items
                or info.alias is not None or info.validation_alias is not None for name, info in fields.items()):
            return None
        validate, context = self.model.__pydantic_validator__.validate_json, self.context

        def whole(text: str) -> Any:
            try:
                return validate(text, context=context)
            except ValidationError:
                return _MISSING

        return whole

    @functools.cached_property
    def whole_cut(self) -> Callable[[str], Any] | None:
        """`whole` for such an object's text cut off inside a plain string (a `str` member's, or an item's
        of a list of them): its finished members and that string so far, in one call (pydantic's partial
        JSON, which reads a trailing string as `from_json(..., allow_partial="trailing-strings")` does).
        None where `whole` is None, or with a pydantic older than 2.10 (no partial JSON); _MISSING when
        the text does not validate."""
        if self.whole is None:
            return None
        validate, context = self.model.__pydantic_validator__.validate_json, self.context
        try:
            validate("{}", context=context, allow_partial="trailing-strings")
        except TypeError:  # (pydantic-core before 2.27)
            return None
        except ValidationError:
            pass  # partial JSON is there: what an empty object gives does not matter

        def whole_cut(text: str) -> Any:
            try:
                return validate(text, context=context, allow_partial="trailing-strings")
            except ValidationError:
                return _MISSING

        return whole_cut

    def child(self, key: Any) -> Shape:
        shape = self._children.get(key)
        if shape is None:
            name = self.names.get(key)
            if name is None:
                shape = RAW
            else:
                annotation = self.model.model_fields[name].annotation
                shape = shape_of(annotation, lambda value: self._check_field(key, value), self.context,
                                 not _transforms_strings(self.model))
            self._children[key] = shape
        return shape

    def take(self, raw: dict[str, Any], into: dict[str, Any]) -> bool:
        """`accept` for the members of a decoded object, written into `into` (by field name); False when
        one is left out. The plain ones are taken as they are, in one pass; the rest go through `accept`."""
        names, plain, plain_items = self.names, self.plain, self.plain_items
        clean = True
        slow: list[tuple[Any, Any]] | None = None
        for key, value in raw.items():
            name = names.get(key)
            if name is None:
                clean = False
            elif value is None or type(value) is plain.get(name) or (
                    type(value) is list and name in plain_items and set(map(type, value)) <= plain_items[name]):
                into[name] = value
            elif slow is None:
                slow = [(key, value)]
            else:
                slow.append((key, value))
        if slow is not None:
            for kept in self.accept(slow):
                if kept is None:
                    clean = False
                else:
                    into[kept[0]] = kept[1]
        return clean

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        names, plain, plain_items = self.names, self.plain, self.plain_items
        kept: list[tuple[Any, Any] | None] = [None] * len(members)
        slow: dict[str, int] = {}  # members pydantic must check, by key
        for i, (key, raw) in enumerate(members):
            name = names.get(key)
            if name is None:
                continue
            if raw is None or type(raw) is plain.get(name):
                kept[i] = (name, raw)  # every partial field takes None; a plain scalar needs no check
            elif type(raw) is list and name in plain_items and set(map(type, raw)) <= plain_items[name]:
                kept[i] = (name, raw)  # a list of plain scalars (freshly decoded: nobody else holds it)
            else:
                slow[key] = i
        if not slow:
            return kept
        try:
            checked = self.model.model_validate({key: members[i][1] for key, i in slow.items()},
                                                context=self.context)
            for key, i in slow.items():
                kept[i] = (names[key], getattr(checked, names[key]))
        except ValidationError:
            for key, i in slow.items():
                try:
                    kept[i] = (names[key], self._check_field(key, members[i][1]))
                except ValidationError:
                    kept[i] = None
        return kept

    def show_string(self, key: Any, text: str) -> tuple[bool, Any]:
        return (True, text) if self.names.get(key) in self.plain_str else (False, None)

    def build(self, members: Any, open_key: Any, open_value: Any) -> Any:
        # replaced per instance by `_builder`'s closure (a snapshot builds several, per chunk)
        return _builder(self)(members, open_key, open_value)


def _builder(shape: ModelShape) -> Callable[[Any, Any, Any], Any]:
    """`shape.build` as a closure over what it reads (no attribute lookups per object built)."""
    model, defaults, names, extra = shape.model, shape.defaults, shape.names, shape.extra
    set_dict, set_fields_set, set_extra, set_private = shape._setters

    def build(members: Any, open_key: Any, open_value: Any) -> Any:
        values = {**defaults, **members}
        fields_set = set(members)
        if open_value is not _MISSING:
            name = names.get(open_key)
            if name is not None:
                values[name] = open_value
                fields_set.add(name)
        obj = _new_object(model)
        set_dict(obj, values)
        set_fields_set(obj, fields_set)
        set_extra(obj, extra)
        set_private(obj, None)
        return obj

    return build


class ListShape(Shape):
    """A JSON array in a list field: items are checked together, as a list, by the owner's check."""

    keeps = True
    opens = "["

    def __init__(self, item: Any, check: Callable[[Any], Any], context: Mapping[str, Any] | None,
                 plain_strings: bool) -> None:
        self.check = check
        self.plain_str = plain_strings and _strip_optional(item) is str
        stripped = _strip_optional(item)
        self.plain: type | None = stripped if stripped in _PLAIN and (stripped is not str or plain_strings) \
            else None
        self.item = shape_of(item, lambda value: self.check([value])[0], context, plain_strings)

    @functools.cached_property
    def flat_item(self) -> ModelShape | None:
        """The shape of its items when they are flat objects (`ModelShape.flat`), else None."""
        item = self.item
        return item if self.plain is None and type(item) is ModelShape and item.flat else None

    @functools.cached_property
    def flat_items(self) -> bool:  # type: ignore[override]
        """Its items are flat objects: each one finished in the text at hand is matched whole, and
        only one cut off by the end of the text is read as a lazy frame."""
        return self.flat_item is not None

    def child(self, key: Any) -> Shape:
        return self.item

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        plain = self.plain
        if plain is not None and all(type(raw) is plain for _, raw in members):
            return [(None, raw) for _, raw in members]  # plain scalars need no check
        try:
            return [(None, value) for value in self.check([raw for _, raw in members])]
        except ValidationError:
            kept: list[tuple[Any, Any] | None] = []
            for _, raw in members:
                try:
                    kept.append((None, self.check([raw])[0]))
                except ValidationError:
                    kept.append(None)
            return kept

    def show_string(self, key: Any, text: str) -> tuple[bool, Any]:
        return (True, text) if self.plain_str else (False, None)

    def build(self, members: Any, open_key: Any, open_value: Any) -> Any:
        return [*members, open_value] if open_value is not _MISSING else list(members)


class ItemsShape(Shape):
    """The list of an `Iterable[...]` answer: hands each item to `on_item` as soon as it finishes,
    decoded; or, with `on_text`, its JSON text as it is (the cursor decodes nothing then)."""

    keeps = True
    eager = True
    opens = "["

    def __init__(self, on_item: Callable[[Any], None], on_text: Callable[[str], None] | None = None) -> None:
        self.on_item = on_item
        self.on_text = on_text
        self.items_text = on_text is not None

    def accept(self, members: list[tuple[Any, Any]]) -> list[tuple[Any, Any] | None]:
        for _, raw in members:
            self.on_item(raw)
        return [None] * len(members)


class _ItemsWrapper(Shape):
    """The `{"tasks": [...]}` object around an `Iterable[...]` answer."""

    def __init__(self, items: ItemsShape, key: str) -> None:
        self.items = items
        self.key = key

    def child(self, key: Any) -> Shape:
        return self.items if key == self.key else RAW
