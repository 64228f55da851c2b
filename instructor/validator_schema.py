"""`Validator`: the answer `llm_validator` asks the model for (tool name "Validator")."""

from __future__ import annotations

from pydantic import Field

from instructor.schema_model import ResponseSchema

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

__all__ = ["Validator"]


class Validator(ResponseSchema):
    """Whether a value satisfies a validation rule, and why not."""

    is_valid: bool = Field(description="Whether the candidate value satisfies the rule.")
    reason: str | None = Field(default=None, description="Why the value fails the rule; empty when it is valid.")
    fixed_value: str | None = Field(
        default=None, description="The value corrected to satisfy the rule, when it fails and can be fixed."
    )
