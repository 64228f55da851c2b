"""Replies made from the response model: valid ones (`Reply.auto`) and broken ones (`Reply.invalid`).

The values come from polyfactory (the `testing` extra: `pip install "instructor[testing]"`),
seeded, so a seed always gives the same instance. An auto reply is a script the fake provider calls
with the request: it answers in the shape the request asked for (a call of the tool
offered, or JSON text for the JSON modes), in the wire's own format, streamed or not.

Without a model (`Reply.auto()`), the values are built from the JSON schema the request
carries: the pytest fixture answers that way whenever nothing is scripted.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from instructor.testing.replies import Reply
    from instructor.testing.server import RecordedRequest

_build_lock = threading.Lock()  # polyfactory seeds a Faker shared between factories
NO_SCHEMA_TEXT = "This is an automatic reply of the fake provider."
_ATTEMPTS = 25  # seeds tried before giving up on a model whose validators reject generated values


_factory_base: Any = None
_EPOCH = (2020, 1, 1)  # dates and times are drawn after it, not relative to today: a seed gives the same ones


def _polyfactory() -> Any:
    """polyfactory's pydantic factory, with dates that do not depend on the clock (made once)."""
    global _factory_base
    if _factory_base is not None:
        return _factory_base
    try:
        from polyfactory.factories.pydantic_factory import ModelFactory
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("polyfactory", "faker"):
            raise  # polyfactory is there, one of its own imports is broken: show that
        from instructor.core.exceptions import MissingDependencyError

        raise MissingDependencyError(
            f"Reply.auto and Reply.invalid draw their values with polyfactory, and {exc.name!r} is not "
            'installed. It comes with the testing extra: pip install "instructor[testing]" '
            "(or script the answer yourself: Reply.tool(...), Reply.json(...)).",
            package="polyfactory", extra="testing",
        ) from exc
    import datetime

    class SeededFactory(ModelFactory[Any]):
        __is_base_factory__ = True

        @classmethod
        def _moment(cls) -> datetime.datetime:
            seconds = cls.__random__.randint(0, 10 * 365 * 86400)
            return datetime.datetime(*_EPOCH) + datetime.timedelta(seconds=seconds)

        @classmethod
        def get_provider_map(cls) -> dict[Any, Any]:
            return {**super().get_provider_map(), datetime.datetime: cls._moment,
                    datetime.date: lambda: cls._moment().date()}

    _factory_base = SeededFactory
    return _factory_base


def build_data(model: type[BaseModel], seed: int = 0, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON data that validates as `model`, the same for the same seed.

    Raises:
        TypeError: `model` is not a pydantic model class.
        ValueError: no generated value passed the model's own validators.
    """
    from pydantic import BaseModel, ValidationError

    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(
            f"Reply.auto needs a pydantic model class, got {model!r}. For other response models "
            "(int, list[str], Iterable[Model]...) use Reply.auto() with no model: the values are then "
            "built from the schema the request carries."
        )
    factory_base = _polyfactory()
    last_error: ValidationError | None = None
    for attempt in range(_ATTEMPTS):
        with _build_lock:
            factory = factory_base.create_factory(model, __random_seed__=seed * 7919 + attempt)
            try:
                instance = factory.build(**(fields or {}))
            except ValidationError as exc:  # the model's validators rejected what was drawn
                last_error = exc
                continue
        data: dict[str, Any] = json.loads(instance.model_dump_json(by_alias=True))
        try:
            model.model_validate(data)
        except ValidationError as exc:
            last_error = exc
            continue
        return data
    raise ValueError(
        f"Could not build a valid {model.__name__} in {_ATTEMPTS} tries: its validators rejected every "
        f"generated value (last error: {last_error}). Pass the fields they check, e.g. "
        f"Reply.auto({model.__name__}, fields={{...}}), or script the answer with Reply.tool(...)."
    )


def break_field(model: type[BaseModel], data: dict[str, Any], field: str | None, value: Any) -> dict[str, Any]:
    """`data` with `field` (default: the first required one) set to a value `model` rejects there.

    Raises:
        ValueError: `field` is not one of the model's fields, or no value breaks it.
    """
    from pydantic import ValidationError

    names = list(model.model_fields)
    if field is None:
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        if not (required or names):
            raise ValueError(f"{model.__name__} has no field to break: pass value= or script a Reply.")
        field = (required or names)[0]
    if field not in model.model_fields:
        raise ValueError(f"{model.__name__} has no field {field!r}: pick one of {names}.")
    from instructor.testing.replies import _ANY

    key = model.model_fields[field].alias or field
    candidates = [value] if value is not _ANY else [None, "not a valid value", -12345, [], {}, True]
    for candidate in candidates:
        broken = {**data, key: candidate}
        try:
            model.model_validate(broken)
        except ValidationError as exc:
            if any(err["loc"][:1] == (key,) or err["loc"][:1] == (field,) for err in exc.errors()):
                return broken
    raise ValueError(
        f"No value of {candidates!r} fails validation of {model.__name__}.{field}: pass value= with one that does."
    )


class AutoReply:
    """A script of the fake provider: answers the request with generated data, in the shape it asked.

    `data` (the JSON answered) and `instance` (the validated model) are there before any
    call, so a test can compare what the code under test returned with what was sent.
    """

    def __init__(self, model: type[BaseModel] | None = None, *, seed: int = 0,
                 data: dict[str, Any] | None = None, options: dict[str, Any] | None = None) -> None:
        self.model = model
        self.seed = seed
        self.data = data
        self.options = options or {}
        self._served = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        what = self.model.__name__ if self.model is not None else "the request's schema"
        return f"AutoReply({what}, seed={self.seed})"

    @property
    def instance(self) -> BaseModel:
        """The data validated as the model (a model-less auto reply has none)."""
        if self.model is None or self.data is None:
            raise AttributeError("Reply.auto() without a model builds its values per request: it has no instance.")
        return self.model.model_validate(self.data)

    def __call__(self, request: RecordedRequest) -> Reply:
        from instructor.testing.replies import Reply

        sent = request.sent
        data = self.data
        if data is None:  # no model: from the schema this request carries, a new draw each time
            if sent.schema is None and not sent.tools:
                return Reply.text(NO_SCHEMA_TEXT, **self.options)  # a plain call (response_model=None)
            with self._lock:
                n, self._served = self._served, self._served + 1
            try:
                data = data_for_schema(sent.schema or {}, seed=self.seed * 7919 + n)
            except Exception as exc:  # the server thread must answer: the client sees why
                return Reply.http_error(400, f"fake provider: Reply.auto() could not answer: {exc}")  # 400: SDKs do not retry it
        return reply_for(sent, data, self.model.__name__ if self.model is not None else None, self.options)


def reply_for(sent: Any, data: Any, name: str | None, options: dict[str, Any]) -> Reply:
    """`data` as the request asked for it: a call of the tool named `name` (or the forced/only one), or JSON text."""
    from instructor.testing.replies import Reply

    if sent.tools:
        tool = name if name is not None and name in sent.tools else (sent.forced_tool or sent.tools[0])
        return Reply.tool(str(tool), data, **options)
    return Reply.json(data, **options)


def data_for_schema(schema: dict[str, Any], seed: int = 0) -> Any:
    """Generated data that validates against a JSON `schema` (pydantic's shape: `$defs`, `anyOf`...)."""
    model = model_for_schema(json.dumps(schema, sort_keys=True))
    return build_data(model, seed)["value"]


_models: dict[str, Any] = {}


def model_for_schema(schema_json: str) -> type[BaseModel]:
    """A pydantic model with one field, `value`, whose type is the JSON schema's (cached)."""
    cached = _models.get(schema_json)
    if cached is None:
        from pydantic import create_model

        schema = json.loads(schema_json)
        types = _SchemaTypes(schema.get("$defs") or schema.get("definitions") or {})
        cached = _models[schema_json] = create_model("AutoValue", value=types.of(schema))
        types.resolve_recursion(cached)
    return cached  # type: ignore[no-any-return]


class _SchemaTypes:
    """Python types (with pydantic constraints) for the JSON schemas pydantic writes."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.models: dict[str, Any] = {}
        self.built: list[Any] = []  # the models created, to resolve recursive references once all exist

    def resolve_recursion(self, root: Any) -> None:
        """Resolve the forward references a recursive `$ref` left (by the names `_ref` gave them)."""
        namespace = {f"Ref_{name}": model for name, model in self.models.items() if model is not None}
        for model in [*self.built, root]:
            if not model.__pydantic_complete__:
                model.model_rebuild(_types_namespace=namespace)

    def of(self, node: Any) -> Any:
        from typing import Annotated, Any, Literal, Optional, Union

        from pydantic import Field

        if not isinstance(node, dict) or node is True:
            return Any
        if "$ref" in node:
            return self._ref(node["$ref"])
        if "const" in node:
            return Literal[node["const"]]
        if "enum" in node:
            return Literal[tuple(node["enum"])]
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [self.of(n) for n in node[key] if n.get("type") != "null"]
                nullable = any(n.get("type") == "null" for n in node[key])
                union = options[0] if len(options) == 1 else Union[tuple(options)]  # noqa: UP007
                return Optional[union] if nullable else union  # noqa: UP045
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.of(node["allOf"][0])
        kind = node.get("type")
        if isinstance(kind, str):
            kind = kind.lower()  # Gemini's Schema spells types in capitals
        if node.get("nullable") is True:
            return Optional[self.of({**node, "nullable": False})]  # noqa: UP045
        if isinstance(kind, list):
            return self.of({"anyOf": [{**node, "type": k} for k in kind]})
        if kind == "object" or "properties" in node:
            if "properties" not in node:
                return dict[str, self.of(node.get("additionalProperties", {}))]  # type: ignore[misc]
            return self._object(node, node.get("title", "Object"))
        if kind == "array" and "prefixItems" in node:  # a tuple
            return tuple[tuple(self.of(n) for n in node["prefixItems"])]  # type: ignore[misc]
        if kind == "array":
            item = self.of(node.get("items", {}))
            return Annotated[list[item], Field(min_length=node.get("minItems"),  # type: ignore[valid-type]
                                               max_length=node.get("maxItems"))]
        if kind == "string":
            return Annotated[self._string_type(node.get("format")),
                             Field(min_length=node.get("minLength"), max_length=node.get("maxLength"),
                                   pattern=node.get("pattern"))]
        if kind in ("integer", "number"):
            base = int if kind == "integer" else float
            return Annotated[base, Field(ge=node.get("minimum"), le=node.get("maximum"),
                                         gt=node.get("exclusiveMinimum"), lt=node.get("exclusiveMaximum"),
                                         multiple_of=node.get("multipleOf"))]
        if kind == "boolean":
            return bool
        if kind == "null":
            return type(None)
        return Any

    @staticmethod
    def _string_type(fmt: str | None) -> Any:
        import datetime
        import uuid

        return {"date-time": datetime.datetime, "date": datetime.date, "time": datetime.time,
                "uuid": uuid.UUID}.get(fmt or "", str)

    def _ref(self, ref: str) -> Any:
        name = "".join(c if c.isalnum() else "_" for c in ref.rsplit("/", 1)[-1])
        if name not in self.models:
            self.models[name] = None  # being built: a reference from inside it is recursive
            self.models[name] = self.of(self.defs.get(ref.rsplit("/", 1)[-1], {}))
        # a recursive reference: a forward reference, resolved by `resolve_recursion`
        return self.models[name] if self.models[name] is not None else f"Ref_{name}"

    def _object(self, node: dict[str, Any], title: str) -> Any:
        from pydantic import ConfigDict, create_model

        required = set(node.get("required", []))
        fields: dict[str, Any] = {}
        for index, (name, sub) in enumerate(node["properties"].items()):
            field_type = self.of(sub)
            if name in required:
                fields[f"f{index}"] = (field_type, _aliased(name))
            else:
                # not required: polyfactory still draws a value of the schema's own type
                fields[f"f{index}"] = (field_type, _aliased(name, default=sub.get("default")))
        config = ConfigDict(populate_by_name=True, defer_build=True)
        model = create_model("".join(c for c in str(title) if c.isalnum()) or "Object", __config__=config, **fields)
        self.built.append(model)
        return model


def _aliased(name: str, default: Any = ...) -> Any:
    from pydantic import Field

    if default is ...:
        return Field(alias=name)
    return Field(default=default, alias=name)
