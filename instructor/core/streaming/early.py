"""Early cuts: which fields of a streamed model are checked as soon as their value closes.

A partial stream whose `age` closes as `-3` against `Field(ge=0)` cannot end in a
valid object, so reading on only costs tokens: the consumer raises the field's
validation error at once, and the attempt loop closes the connection and re-asks
(`instructor.core.retry`). A stream is cut only when no later text could change
the verdict, so a field is checked early only when its own validation is all
that decides it:

- checked: each top-level field of the response model, once its value has closed
  (a string, number, `true`/`false`/`null`, or a whole object or list), validated
  alone against its annotation, its `Field(...)` constraints, the validators in its
  `Annotated[...]` metadata and the model's config, with the call's `strict` and
  `context` (a nested model's own validators included: they see only its data);
- never checked (they wait for the end, as before): every field of a model with a
  `mode="before"` or `"wrap"` model validator (it may rewrite any field), or with
  its own `model_validate_json` or core schema; a field with a `before`, `wrap` or
  `plain` field validator (it may turn the value into a valid one), or any
  `@validator`; a field whose validators (outside nested models) take `info`,
  since they may read other fields (`info.data`); a field with a discriminator;
  the value of the last member, when the whole object closes with it (the final
  validation is next anyway).

An `after` model or field validator cannot make a failing field pass, so it does
not stop the check; it runs on the final object as always. One case is beyond
this rule: a key repeated later in the same object (the last one wins in the
final validation); models do not write those.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError, create_model
from pydantic_core import to_json

__lazy_modules__ = ["pydantic", "pydantic_core"]  # PEP 810: lazy on Pythons that support it

#: the validator function schemas of pydantic-core
_FUNCTIONS = frozenset({"function-before", "function-after", "function-wrap", "function-plain"})
_lock = threading.Lock()
_checks: dict[type[BaseModel], FieldChecks | None] = {}


def field_checks(model: type[BaseModel]) -> FieldChecks | None:
    """The early checks of `model` (built once per model), or None when no field can be checked alone."""
    try:
        return _checks[model]
    except KeyError:
        pass
    with _lock:
        if model not in _checks:
            fields = _checkable_fields(model)
            _checks[model] = FieldChecks(model, fields) if fields else None
        return _checks[model]


def _own(model: type[BaseModel], name: str) -> bool:
    """Whether `model.<name>` is BaseModel's own (not overridden by the user's model)."""
    return getattr(getattr(model, name, None), "__func__", None) is getattr(BaseModel, name).__func__


def _checkable_fields(model: type[BaseModel]) -> dict[str, str]:
    """JSON key (alias and name) -> field name, for the fields whose closed value can be checked alone."""
    from pydantic import RootModel

    if issubclass(model, RootModel) or not _own(model, "model_validate_json") \
            or not _own(model, "__get_pydantic_core_schema__"):
        return {}
    decorators = model.__pydantic_decorators__
    if decorators.root_validators or any(d.info.mode != "after" for d in decorators.model_validators.values()):
        return {}  # a model validator that sees the raw input may rewrite any field
    rescued: set[str] = set()  # fields a validator may turn valid, or that may read other fields
    for field_validator in decorators.field_validators.values():
        if field_validator.info.mode != "after":
            rescued.update(field_validator.info.fields)
    for validator in decorators.validators.values():  # pydantic v1 style `@validator`: left alone
        rescued.update(validator.info.fields)
    if "*" in rescued:
        return {}
    keys: dict[str, str] = {}
    for name, info in model.model_fields.items():
        if name in rescued or info.discriminator is not None:
            continue
        keys[name] = name
        if isinstance(info.alias, str):
            keys[info.alias] = name
        if isinstance(info.validation_alias, str):
            keys[info.validation_alias] = name
    return keys


def _reads_info(schema: Any, definitions: Mapping[str, Any], seen: set[str]) -> bool:
    """Whether a validator function in `schema` takes `info` (outside nested models, whose
    validators see only their own data)."""
    if isinstance(schema, list):
        return any(_reads_info(item, definitions, seen) for item in schema)
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind in ("model", "dataclass"):
        return False
    if kind == "definition-ref":
        ref = str(schema.get("schema_ref"))
        if ref in seen or ref not in definitions:
            return False
        seen.add(ref)
        return _reads_info(definitions[ref], definitions, seen)
    if kind in _FUNCTIONS and (schema.get("function") or {}).get("type") == "with-info":
        return True
    return any(_reads_info(value, definitions, seen) for key, value in schema.items()
               if key not in ("function", "metadata", "serialization") and isinstance(value, (dict, list)))


class FieldChecks:
    """The checks of one model's top-level fields, each a one-field model built on first use."""

    def __init__(self, model: type[BaseModel], keys: dict[str, str]) -> None:
        self.model = model
        self.keys = keys
        self._validators: dict[str, Any] = {}  # field name -> its one-field model's validator, or None
        self._prefixes: dict[str, bytes] = {}  # JSON key -> b'{"key":'
        self._config = {**model.model_config, "extra": "ignore", "protected_namespaces": ()}

    def _validator(self, name: str) -> Any:
        validator = self._validators.get(name, self)
        if validator is not self:
            return validator
        with _lock:
            validator = self._validators.get(name, self)
            if validator is not self:
                return validator
            info = self.model.model_fields[name]
            one: type[BaseModel] = create_model(  # type: ignore[call-overload]
                self.model.__name__, __config__=self._config, __module__=self.model.__module__,
                **{name: (info.annotation, info)},
            )
            core = one.__pydantic_core_schema__
            definitions = {d["ref"]: d for d in core.get("definitions", ()) if "ref" in d}
            fields = _model_fields_schema(core, definitions)
            field = fields.get(name) if fields is not None else None
            validator = None if field is None or _reads_info(field, definitions, set()) \
                else one.__pydantic_validator__
            self._validators[name] = validator
        return validator

    def guard(self, strict: bool | None, context: Mapping[str, Any] | None) -> Callable[[Any, str], None]:
        """`check(key, value_text)`: raises the field's `ValidationError` when the closed value of
        the member `key` fails on its own; does nothing for a key that is not checked early."""
        keys, prefixes = self.keys, self._prefixes

        def check(key: Any, text: str) -> None:
            name = keys.get(key)
            if name is None:
                return
            validator = self._validator(name)
            if validator is None:
                return
            prefix = prefixes.get(key)
            if prefix is None:
                prefix = prefixes[key] = b"{" + to_json(key) + b":"
            try:
                validator.validate_json(prefix + text.encode() + b"}", strict=strict, context=context)
            except ValidationError:
                raise
            except Exception:
                return  # a validator that fails on its own in some other way: no verdict, wait for the end

        return check


def _model_fields_schema(core: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `fields` of a model's core schema (under `definitions`, or behind a reference)."""
    seen = 0
    while seen < 8:
        seen += 1
        kind = core.get("type")
        if kind == "definitions":
            core = core["schema"]
        elif kind == "definition-ref":
            core = definitions.get(core.get("schema_ref", ""), {})
        elif kind == "model":
            core = core["schema"]
        elif kind == "model-fields":
            fields: dict[str, Any] = core["fields"]
            return fields
        else:
            return None
    return None
