"""Client factory of the vertexai provider (declared; the wrapper itself comes in a later change)."""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.mode import Mode
from instructor.providers._unavailable import not_built_yet


def from_vertexai(client: Any, mode: Mode = Mode.VERTEXAI_TOOLS, **kwargs: Any) -> Instructor | AsyncInstructor:
    """Wrap a `vertexai.generative_models.GenerativeModel`.

    Raises:
        MissingDependencyError: the SDK is not installed (names the pip extra).
        ProviderNotAvailableError: this provider's wrapper is not built yet.
    """
    not_built_yet('vertexai')
