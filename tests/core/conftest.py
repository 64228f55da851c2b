"""The `otel` fixture of the telemetry tests (the SDK is imported by the tests that ask for it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def otel() -> Iterator[Any]:
    """The OpenTelemetry SDK's tracer and meter providers, keeping what they get in memory."""
    from telemetry_harness import Otel

    sdk = Otel()
    yield sdk
    sdk.shutdown()
