"""Simple types as response models: `is_simple_type`, `ModelAdapter`.

A simple type (`int`, `Literal[...]`, `list[str]`, unions, enums...) is asked
for as a one-field model named `Response` and handed back bare (see
`instructor.core.response_model`).
"""

from __future__ import annotations

from typing import Any

from instructor.core.response_model import is_pydantic_model, resolve_response_model


def is_simple_type(response_model: Any) -> bool:
    """Whether `response_model` is a simple type (wrapped in `Response`), not a model or DSL type."""
    if response_model is None or is_pydantic_model(response_model):
        return False
    spec = resolve_response_model(response_model)
    return spec is not None and spec.kind == "simple"


class ModelAdapter:
    """`ModelAdapter[int]` is the model a simple type is asked for as (one field, `content`)."""

    def __class_getitem__(cls, response_model: Any) -> Any:
        spec = resolve_response_model(response_model)
        assert spec is not None
        return spec.model


__all__ = ["ModelAdapter", "is_simple_type"]
