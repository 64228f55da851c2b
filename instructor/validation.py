"""The published release's import path of its validation names (`instructor.validation`).

`llm_validator`, `openai_moderation` (and `Validator`, the answer they ask for), the
async validator markers and `AsyncValidationError`, resolved on first access
(`instructor._published`).
"""

from instructor._published import attach as _attach

__getattr__, __dir__, __all__ = _attach(__name__)
