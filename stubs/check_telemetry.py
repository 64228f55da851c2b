"""What a type checker must infer from the telemetry switches (checked, never run)."""

from __future__ import annotations

from typing import assert_type

from opentelemetry.sdk.trace import TracerProvider

import instructor
from instructor import AsyncInstructor, Instructor


def check() -> None:
    assert_type(instructor.instrument(tracer_provider=TracerProvider(), capture_content=True), None)
    assert_type(instructor.uninstrument(), None)
    # a client's own switch returns the client, so it chains after from_provider
    assert_type(instructor.from_provider("openai/gpt-4o-mini").instrument(), Instructor)
    assert_type(instructor.from_provider("openai/gpt-4o-mini", async_client=True).uninstrument(), AsyncInstructor)
