"""What a stream yields, per kind of response model: `Partial[...]` snapshots, or `Iterable[...]`
items as they finish (`consumer_for` picks the consumer of a response model)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json, to_json

from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
from instructor.core.schema import check_calls, tool_name
from instructor.core.streaming.cursor import JsonCursor
from instructor.core.streaming.early import field_checks
from instructor.core.streaming.scan import _decode
from instructor.core.streaming.shapes import _MISSING, RAW, ItemsShape, ModelShape, _ItemsWrapper

if TYPE_CHECKING:
    from instructor.core.handler import StreamDelta
    from instructor.core.response_model import ResponseSpec

__lazy_modules__ = ["pydantic", "pydantic_core"]  # PEP 810: lazy on Pythons that support it


def cut_short(text: str) -> IncompleteOutputException:
    """The error of a stream that ended inside its JSON answer, whatever the handler reported."""
    return IncompleteOutputException(
        f"The stream ended before the JSON answer was complete ({len(text)} characters, the last "
        f"{text[-40:]!r}): the object is cut short, so it is not presented as complete. Retry the "
        "call, or raise max_tokens; `received` holds the text that arrived.",
        received=text,
    )


def is_unfinished_json(text: str) -> bool:
    """Whether `text` is the beginning of a JSON value, not the whole of one (nor malformed)."""
    try:
        from_json(text)
    except ValueError:
        try:
            from_json(text, allow_partial=True)
        except ValueError:
            return False  # malformed: the validation error says why, and the model is re-asked
        return bool(text.strip())
    return False


class StreamConsumer:
    """Turns one attempt's deltas into what the caller's loop yields.

    `offered`: the tool names a tools-mode request offered (None: not a tools mode). A delta
    that starts a call of any other tool makes the answer invalid (`ResponseParsingError`,
    re-asked): its arguments are never read as the response model. Checked where a delta
    starts or leaves the answer's index, never on the answer's own stream of fragments.
    """

    offered: Collection[str] | None = None

    def _check_offered(self, delta: StreamDelta) -> None:
        if self.offered is not None:
            check_calls((delta.name,), self.offered)

    def feed(self, delta: StreamDelta) -> Sequence[Any]:
        """What to yield after `delta`."""
        raise NotImplementedError

    def finish(self) -> list[Any]:
        """What to yield once the stream ended cleanly.

        Raises:
            ValueError: the answer is invalid (pydantic's ValidationError): re-asked.
            IncompleteOutputException: the JSON stops mid-way: not re-asked.
        """
        raise NotImplementedError


@functools.lru_cache(maxsize=256)
def _shared_root(partial: type[BaseModel]) -> ModelShape:
    """The shape of `partial` without a validation context, built once: a shape holds nothing of
    one stream (only what it found out about the model, its nested shapes included), and building
    them again was a few hundred microseconds per stream."""
    return ModelShape(partial, None)


def _copy_of(shape: ModelShape) -> ModelShape:
    copy: ModelShape = object.__new__(ModelShape)
    copy.__dict__.update(shape.__dict__)
    return copy


class PartialConsumer(StreamConsumer):
    """Yields `Partial[Model]` snapshots as the object grows, then the validated `Model`.

    Only the first delta index is the answer (a second tool call is not part of it).
    """

    def __init__(self, spec: ResponseSpec, context: Mapping[str, Any] | None, strict: bool | None) -> None:
        self.model = spec.options.get("final", spec.model)
        self.context = context
        self.strict = strict
        partial = spec.options["partial"]
        checks = field_checks(self.model) if isinstance(self.model, type) else None
        guard = checks.guard(strict, context) if checks is not None else None

        def root(char: str) -> Any:
            if char != "{":
                return RAW
            if context is not None:  # (the shapes validate with it)
                shape = ModelShape(partial, context)
            else:
                shape = _shared_root(partial)
                if guard is None:
                    return shape
                shape = _copy_of(shape)  # the same nested shapes, with this call's guard
            shape.guard = guard  # a top-level field that closes invalid cuts the stream (see `early`)
            return shape

        self.cursor = JsonCursor(root)
        self.index: int | None = None
        self.last = -1

    def feed(self, delta: StreamDelta) -> Sequence[Any]:
        # a snapshot comes in a 1-tuple (from CPython's free list: no allocation, where a 1-item list
        # allocates its item array, once per chunk); nothing is an empty list (no item array either)
        if self.index is None:
            self.index = delta.index
            self._check_offered(delta)
        elif delta.index != self.index:
            self._check_offered(delta)
            return []
        cursor = self.cursor
        if not cursor.feed(delta.text):
            return []
        snapshot = cursor.snapshot()
        if snapshot is _MISSING or cursor.version == self.last:  # (`version` is what `signature` reads)
            return []  # nothing new to show
        self.last = cursor.version
        return (snapshot,)

    def finish(self) -> list[Any]:
        if self.cursor.start >= 0 and not self.cursor.done:
            raise cut_short(self.cursor.json_text)
        return [self.model.model_validate_json(self.cursor.json_text, context=self.context,
                                               strict=self.strict)]


def _plain_item_model(wrapper: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The item model of an `Iterable[...]` wrapper when validating `{key: [item]}` with the wrapper
    is validating `item` with that model: the field is a plain `list[Model]` (no constraints, no
    alias games on the item) and the wrapper has no validators and no config of its own."""
    field = wrapper.model_fields.get(key)
    decorators = wrapper.__pydantic_decorators__
    if field is None or field.metadata or wrapper.model_config or decorators.validators \
            or decorators.field_validators or decorators.root_validators or decorators.model_validators:
        return None
    annotation = field.annotation
    args = get_args(annotation)
    if get_origin(annotation) is not list or len(args) != 1:
        return None
    item = args[0]
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _no_text_path(text: str, **kwargs: Any) -> Any:
    raise AssertionError("items are handed over as text only with a plain item model, strictly")


class IterableConsumer(StreamConsumer):
    """Yields each item of an `Iterable[...]` answer as soon as it is finished and valid.

    Two layouts: the items as the `tasks` list of one object (tools and JSON
    modes; a bare top-level array is accepted too), or one tool call per item
    (parallel tools: a delta whose `name` is an item model's name).

    An item is validated by the item model's own validator when the wrapper adds
    nothing to it (`_plain_item_model`): with `strict`, straight from its JSON text
    (the cursor hands the text over undecoded), else from its decoded value. Only
    when that fails is it validated the way it always was, inside `{"tasks": [item]}`
    by the wrapper, so the error (located at `tasks.0...`), and whether the item is
    left out (text that is not JSON), stay what they were. A bad item's validators
    thus run twice.
    """

    def __init__(self, spec: ResponseSpec, context: Mapping[str, Any] | None, strict: bool | None) -> None:
        self.wrapper = spec.model
        self.context = context
        self.strict = strict
        self.key: str = spec.options.get("key", "tasks")
        self._around = (b"{" + to_json(self.key) + b":[", b"]}")  # what one item is validated inside
        self.by_name: dict[str, type[BaseModel]] = dict(spec.options.get("item_models", {}))
        self.item_model = _plain_item_model(self.wrapper, self.key)
        self.pending: list[Any] = []  # the items finished by the last piece: texts, or decoded values
        model = self.item_model
        self.texts = bool(strict) and model is not None
        # what `model.model_validate_json` calls, without its Python frame (a third of its cost)
        self._validate_text: Callable[..., Any] = model.__pydantic_validator__.validate_json \
            if self.texts and model is not None else _no_text_path
        self.yielded = 0
        items = ItemsShape(self.pending.append, self.pending.append if self.texts else None)
        wrapper = _ItemsWrapper(items, self.key)
        self.cursor = JsonCursor(lambda char: wrapper if char == "{" else items)
        self.calls: dict[int, tuple[str, list[str]]] = {}  # parallel tool calls by index
        self.open_call: int | None = None
        self.index: int | None = None

    def _item_text(self, text: str) -> Any:
        """A strict item from its JSON text (see the class docstring); _MISSING when it is not JSON."""
        try:
            return self._validate_text(text, strict=True, context=self.context)
        except ValidationError:
            raw = _decode(text)
            if raw is _MISSING:
                return _MISSING  # not JSON: left out, as the cursor leaves out what it cannot decode
            return self._item(raw, fast=False)

    def _item(self, raw: Any, fast: bool = True) -> Any:
        if fast and not self.strict and self.item_model is not None:
            try:
                return self.item_model.model_validate(raw, strict=self.strict, context=self.context)
            except ValidationError:
                pass  # the wrapper's validation below raises it again, located at `tasks.0...`
        if self.strict:
            # JSON strict, as for a whole answer: python strict would refuse "red" for an Enum. The
            # same JSON json.dumps would write, by pydantic_core's serializer (a tenth of the cost)
            try:
                text: Any = self._around[0] + to_json(raw, inf_nan_mode="constants") + self._around[1]
            except ValueError:  # a lone surrogate: only json.dumps writes it
                import json

                text = json.dumps({self.key: [raw]})
            wrapped = self.wrapper.model_validate_json(text, context=self.context, strict=True)
        else:
            wrapped = self.wrapper.model_validate({self.key: [raw]}, context=self.context, strict=self.strict)
        return getattr(wrapped, self.key)[0]

    def _finish_call(self, index: int, last: bool = False) -> Any:
        name, parts = self.calls.pop(index)
        model = self.by_name[name]
        text = "".join(parts)
        if last and is_unfinished_json(text):
            raise cut_short(text)
        return model.model_validate_json(text, context=self.context, strict=self.strict)

    def feed(self, delta: StreamDelta) -> list[Any]:
        if delta.index in self.calls or (delta.name in self.by_name and delta.index != self.index):
            out = []
            if self.open_call is not None and self.open_call != delta.index and self.open_call in self.calls:
                out.append(self._finish_call(self.open_call))
            if delta.index not in self.calls:
                self.calls[delta.index] = (str(delta.name), [])
            self.calls[delta.index][1].append(delta.text)
            self.open_call = delta.index
            self.yielded += len(out)
            return out
        if self.index is None:
            self.index = delta.index
            self._check_offered(delta)
        elif delta.index != self.index:
            self._check_offered(delta)
            return []
        pending = self.pending
        self.cursor.feed(delta.text)
        if not pending:
            return []
        if self.texts:
            out = [item for item in map(self._item_text, pending) if item is not _MISSING]
        else:
            out = [self._item(raw) for raw in pending]
        pending.clear()
        self.yielded += len(out)
        return out

    def finish(self) -> list[Any]:
        indexes = sorted(self.calls)
        out = [self._finish_call(index, last=index == indexes[-1]) for index in indexes]
        self.yielded += len(out)
        if self.index is None:
            if not self.yielded:
                raise ResponseParsingError(
                    "The stream ended without any item: the model sent no list and no tool call."
                )
            return out
        if self.cursor.start >= 0 and not self.cursor.done:
            raise cut_short(self.cursor.json_text)
        if not self.yielded:
            # nothing yielded: a misnamed list raises pydantic's ValidationError and is re-asked like
            # any invalid answer (an empty list is fine)
            text = self.cursor.json_text
            if text.lstrip().startswith("["):
                text = f'{{"{self.key}": {text}}}'
            self.wrapper.model_validate_json(text, context=self.context, strict=self.strict)
        return out


def consumer_for(spec: ResponseSpec, context: Mapping[str, Any] | None, strict: bool | None,
                 tools: bool = False) -> StreamConsumer:
    """The consumer of a streamed `spec` ("partial" or "iterable"); `tools`: the answer comes as tool
    calls, of the tool named after the requested model (or of an item model's, for an iterable)."""
    consumer: StreamConsumer
    if spec.kind == "partial":
        consumer = PartialConsumer(spec, context, strict)
    elif spec.kind == "iterable":
        consumer = IterableConsumer(spec, context, strict)
    else:
        name = getattr(spec.original, "__name__", repr(spec.original))
        raise ValueError(
            f"stream=True streams Partial[...] or Iterable[...] response models, got {name}. "
            f"Use client.create_partial(response_model={name}, ...) to stream it as it is written."
        )
    if tools:
        # a partial's tool is `Partial<Model>`, and a call named after `Model` itself (what earlier
        # releases offered) names the same schema; an iterable's items may come as their own calls
        offered = {tool_name(spec.model), *spec.options.get("item_models", ())}
        final = spec.options.get("final")
        if final is not None:
            offered.add(tool_name(final))
        consumer.offered = offered
    return consumer
