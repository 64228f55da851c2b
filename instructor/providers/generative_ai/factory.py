"""Client factory of the generative-ai provider (declared; the wrapper itself comes in a later change)."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers._unavailable import not_built_yet


def from_gemini(client: Any, mode: Mode = Mode.GEMINI_TOOLS, **kwargs: Any) -> Instructor | AsyncInstructor:
    """Wrap a `google.generativeai.GenerativeModel`.

    Raises:
        MissingDependencyError: the SDK is not installed (names the pip extra).
        ProviderNotAvailableError: this provider's wrapper is not built yet.
    """
    not_built_yet('generative-ai')
