"""Point a provider's SDK at the fake provider: by `from_provider` keywords, or by environment.

`connect_kwargs("anthropic", fake)` gives the keywords that make
`from_provider("anthropic/...")` talk to `fake` with a dummy key; `fake_env(fake)` gives
the environment variables that make the SDKs themselves default to it, so code that
builds its own client (`instructor.from_provider("openai/gpt-4o-mini")` deep inside an
application) reaches the fake unchanged. The SDKs that read a base URL from the
environment: openai (`OPENAI_BASE_URL`), Azure OpenAI (`AZURE_OPENAI_ENDPOINT`), anthropic, groq, cerebras, fireworks, writer,
google-genai (`GOOGLE_GEMINI_BASE_URL`) and boto3 (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
Mistral's SDK reads none, and cohere's reads `CO_API_URL` once, when it is imported: for
those, use `fake_client` (or `connect_kwargs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.testing.server import FakeProvider

DUMMY_KEY = "sk-instructor-fake"

#: variables that would hand an SDK a real credential or endpoint besides those `fake_env` sets
CLEARED = ("GEMINI_API_KEY", "COHERE_API_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL",
           "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_VERTEX_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


def _openai_compatible(fake: FakeProvider) -> dict[str, Any]:
    return {"base_url": fake.openai_base_url, "api_key": DUMMY_KEY}


def _root(fake: FakeProvider) -> dict[str, Any]:
    return {"base_url": fake.url, "api_key": DUMMY_KEY}


def _bedrock(fake: FakeProvider) -> dict[str, Any]:
    return {"endpoint_url": fake.bedrock_endpoint_url, "region_name": "us-east-1",
            "aws_access_key_id": "AKIDINSTRUCTORFAKE", "aws_secret_access_key": DUMMY_KEY}


def _azure(fake: FakeProvider) -> dict[str, Any]:
    return {"azure_endpoint": fake.url, "api_key": DUMMY_KEY, "api_version": "2024-10-21"}


#: provider name -> the `from_provider` keywords that point it at a fake provider
PROVIDERS: dict[str, Callable[[FakeProvider], dict[str, Any]]] = {
    "openai": _openai_compatible,
    "azure_openai": _azure,
    "anthropic": lambda fake: {"base_url": fake.anthropic_base_url, "api_key": DUMMY_KEY},
    "bedrock": _bedrock,
    "google": lambda fake: {"base_url": fake.genai_base_url, "api_key": DUMMY_KEY},
    "mistral": lambda fake: {"server_url": fake.mistral_server_url, "api_key": DUMMY_KEY},
    "cohere": lambda fake: {"base_url": fake.cohere_base_url, "api_key": DUMMY_KEY},
    "groq": _root,
    "cerebras": lambda fake: {**_root(fake), "warm_tcp_connection": False},
    "fireworks": _root,
    "writer": _root,
    **{name: _openai_compatible for name in ("deepseek", "openrouter", "xai", "ollama", "perplexity",
                                               "together", "anyscale", "databricks")},
}


def connect_kwargs(provider: str, fake: FakeProvider) -> dict[str, Any]:
    """The `from_provider` keywords that make `provider`'s SDK talk to `fake`, with a dummy key.

    Args:
        provider: a provider name (`"openai"`), or a `"provider/model"` string.
        fake: a started `FakeProvider`.

    Raises:
        ValueError: the provider has no known way to reach the fake.

    Example:
        >>> client = instructor.from_provider("anthropic/claude-sonnet-4-6",
        ...                                   **connect_kwargs("anthropic", fake))
    """
    name = provider.split("/", 1)[0]
    connect = PROVIDERS.get(name)
    if connect is None:
        raise ValueError(
            f"No known way to point provider {name!r} at the fake provider; these work: "
            f"{', '.join(sorted(PROVIDERS))}. Pass the SDK's base URL yourself "
            "(base_url=fake.openai_base_url for an OpenAI-compatible API)."
        )
    return connect(fake)


def fake_env(fake: FakeProvider) -> dict[str, str]:
    """Environment variables that make the SDKs default to `fake`, with dummy keys.

    Example:
        >>> os.environ.update(fake_env(fake))
        >>> instructor.from_provider("openai/gpt-4o-mini")   # talks to the fake
    """
    return {
        "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": DUMMY_KEY,
        "ANTHROPIC_BASE_URL": fake.anthropic_base_url, "ANTHROPIC_API_KEY": DUMMY_KEY,
        "AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": DUMMY_KEY, "OPENAI_API_VERSION": "2024-10-21",
        "GROQ_BASE_URL": fake.url, "GROQ_API_KEY": DUMMY_KEY,
        "CEREBRAS_BASE_URL": fake.url, "CEREBRAS_API_KEY": DUMMY_KEY,
        "FIREWORKS_BASE_URL": fake.url, "FIREWORKS_API_KEY": DUMMY_KEY,
        "WRITER_BASE_URL": fake.url, "WRITER_API_KEY": DUMMY_KEY,
        "CO_API_KEY": DUMMY_KEY,
        "GOOGLE_GEMINI_BASE_URL": fake.genai_base_url, "GOOGLE_API_KEY": DUMMY_KEY,
        "MISTRAL_API_KEY": DUMMY_KEY,
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": fake.bedrock_endpoint_url, "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDINSTRUCTORFAKE", "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
    }
