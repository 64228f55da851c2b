"""Shared fixtures: a fake provider per test, and an environment with no real keys."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from instructor.testing import FakeProvider

KEY_VARS = [
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
    "GOOGLE_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY", "CO_API_KEY", "COHERE_API_KEY",
    "PERPLEXITY_API_KEY", "GROQ_API_KEY", "WRITER_API_KEY", "CEREBRAS_API_KEY", "FIREWORKS_API_KEY",
    "DEEPSEEK_API_KEY", "XAI_API_KEY", "OPENROUTER_API_KEY", "TOGETHER_API_KEY", "ANYSCALE_API_KEY",
    "DATABRICKS_TOKEN", "DATABRICKS_HOST", "OLLAMA_BASE_URL", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
    "AWS_DEFAULT_REGION", "AWS_BEARER_TOKEN_BEDROCK",
]


def pytest_configure(config: pytest.Config) -> None:
    """Every SDK client loads a CA bundle when it is built (httpx does, unasked: SSL_CERT_FILE's,
    else certifi's): a full bundle costs ~40 ms of CPU per client, a quarter of the suite's CPU
    in the fault matrix. No test speaks TLS (the fake provider is plain HTTP on 127.0.0.1), so
    the bundle is one certificate of certifi's; fresh interpreters the tests start inherit it."""
    import re
    import tempfile

    import certifi

    bundle = Path(tempfile.gettempdir()) / f"instructor-tests-ca-{os.getpid()}.pem"
    first = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n",
                      Path(certifi.where()).read_text(), re.S)
    assert first is not None, f"no certificate in {certifi.where()}"
    bundle.write_text(first.group())
    os.environ["SSL_CERT_FILE"] = str(bundle)
    config.add_cleanup(lambda: bundle.unlink(missing_ok=True))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need LiteLLM run in their own venv (scripts/test.sh's litellm lane); the matrices'
    google-genai families are `genai` tests, which that script runs again with google-genai 3.x."""
    for item in items:
        if "litellm" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.litellm)
        callspec = getattr(item, "callspec", None)
        family = callspec.params.get("family") if callspec else None
        if getattr(family, "package", None) == "google.genai":
            item.add_marker(pytest.mark.genai)


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's real keys or endpoints."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _telemetry_off() -> Iterator[None]:
    """`instructor.instrument()` is process-wide: a test (or a docs sample) that leaves it on
    would trace every test after it in the same worker."""
    yield
    client = sys.modules.get("instructor.core.client")
    if client is not None and client._BaseInstructor._telemetry is not None:
        client._BaseInstructor._telemetry = None


@pytest.fixture
def otel() -> Iterator[Any]:
    """The OpenTelemetry SDK's tracer and meter providers, keeping what they get in memory
    (tests/core/telemetry_harness.py; the SDK is imported by the tests that ask for it)."""
    from telemetry_harness import Otel

    sdk = Otel()
    yield sdk
    sdk.shutdown()


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as server:
        yield server


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """An environment for fresh interpreters: no eager-import switches, no keys."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.pop("EAGER_IMPORT", None)
    env.pop("INSTRUCTOR_EAGER_IMPORT", None)
    return env
