"""Schemas are computed once per model, and strict schemas follow the strict subset."""

from __future__ import annotations

from pydantic import BaseModel, Field

from instructor.core import schema
from instructor.core.response_model import resolve_response_model


class Inner(BaseModel):
    x: int = 3


class Outer(BaseModel):
    """Outer doc."""

    inner: Inner
    tags: list[str] = Field(default_factory=list)


def test_tool_schema_is_cached_per_model() -> None:
    assert schema.openai_tool(Outer) is schema.openai_tool(Outer)
    assert schema.json_schema(Outer) is schema.json_schema(Outer)


def test_description_from_docstring_or_default() -> None:
    assert schema.description(Outer) == "Outer doc."
    assert "`Inner`" in schema.description(Inner)


def test_strict_schema_requires_everything_and_forbids_extras() -> None:
    strict = schema.strict_schema(Outer)
    assert strict["additionalProperties"] is False and strict["required"] == ["inner", "tags"]
    inner = strict["$defs"]["Inner"]
    assert inner["additionalProperties"] is False and inner["required"] == ["x"]
    assert "default" not in inner["properties"]["x"]
    # the plain schema is untouched
    assert "additionalProperties" not in schema.parameters_schema(Outer)


def test_simple_types_are_wrapped_once() -> None:
    spec = resolve_response_model(list[int])
    assert spec is resolve_response_model(list[int])
    assert spec is not None and spec.kind == "simple" and spec.model.__name__ == "Response"
    assert spec.unwrap(spec.model(content=[1])) == [1]
    assert resolve_response_model(None) is None
