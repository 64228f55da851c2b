"""Client factory of the google provider (declared; the wrapper itself comes in a later change)."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers._unavailable import not_built_yet


def from_genai(client: Any, mode: Mode = Mode.GENAI_TOOLS, **kwargs: Any) -> Instructor | AsyncInstructor:
    """Wrap a `google.genai.Client`.

    Raises:
        MissingDependencyError: the SDK is not installed (names the pip extra).
        ProviderNotAvailableError: this provider's wrapper is not built yet.
    """
    not_built_yet('google')
