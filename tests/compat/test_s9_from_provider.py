"""COMPAT.md section 9: from_provider's parsing, per-provider defaults and rules.

Ours keeps its signature `(model, api_key=None, async_client=False, mode=None, **kwargs)` and its
precise error classes (all ConfigurationError), as COMPAT decision 3 says.
"""

from __future__ import annotations

import inspect

import pytest

import instructor
from instructor import ConfigurationError, Mode
from instructor.testing import FakeProvider, Reply

from .modes_support import BEDROCK_CLAUDE, JASON, MESSAGES, User, aws


def test_s9_signature_is_ours() -> None:
    """COMPAT decision 3: `from_provider(model, api_key=None, async_client=False, mode=None, cache=None, **kwargs)`."""
    params = list(inspect.signature(instructor.from_provider).parameters)
    assert params == ["model", "api_key", "async_client", "mode", "cache", "kwargs"]


@pytest.mark.parametrize("bad", ["gpt-4o", "openai/", "/gpt-4o", "nope/x"])
def test_s9_bad_model_strings_are_configuration_errors(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        instructor.from_provider(bad, api_key="k")


def test_s9_split_at_the_first_slash(fake: FakeProvider) -> None:
    client = instructor.from_provider("openai/ft:gpt-4o/x", api_key="k", base_url=fake.openai_base_url)
    assert client.default_kwargs["model"] == "ft:gpt-4o/x"


@pytest.mark.parametrize(("provider", "model", "mode"), [
    ("openai", "gpt-4o-mini", Mode.TOOLS), ("anthropic", "claude-sonnet-4-6", Mode.TOOLS),
    ("google", "gemini-2.5-flash", Mode.TOOLS), ("mistral", "mistral-large-latest", Mode.TOOLS),
    ("cohere", "command-r", Mode.TOOLS), ("groq", "llama-3.3-70b", Mode.TOOLS),
    ("fireworks", "accounts/fireworks/models/x", Mode.TOOLS), ("cerebras", "llama-3.3-70b", Mode.TOOLS),
    ("writer", "palmyra-x5", Mode.TOOLS), ("xai", "grok-3", Mode.TOOLS), ("perplexity", "sonar", Mode.MD_JSON),
    ("together", "m", Mode.TOOLS), ("anyscale", "m", Mode.TOOLS), ("deepseek", "deepseek-chat", Mode.TOOLS),
    ("openrouter", "openai/gpt-4o-mini", Mode.TOOLS),
])
def test_s9_default_modes_are_the_core_ones(provider: str, model: str, mode: Mode) -> None:
    assert instructor.get_registry().get_config(provider).default_mode is mode
    client = instructor.from_provider(f"{provider}/{model}", api_key="k", base_url="http://127.0.0.1:9/v1")
    assert client.mode is mode


@pytest.mark.parametrize(("model", "mode"), [
    (BEDROCK_CLAUDE, Mode.TOOLS), ("anthropic.claude-3-haiku-20240307-v1:0", Mode.TOOLS),
    ("amazon.titan-text-express-v1", Mode.MD_JSON), ("mistral.mixtral-8x7b-instruct-v0:1", Mode.MD_JSON),
    ("amazon.nova-pro-v1:0", Mode.TOOLS),  # ours: tool use by capability (COMPAT decision 3)
])
def test_s9_bedrock_default_mode_by_model(fake: FakeProvider, model: str, mode: Mode) -> None:
    assert instructor.from_provider(f"bedrock/{model}", **aws(fake)).mode is mode


def test_s9_bedrock_without_a_region_uses_us_east_1_with_a_warning(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: object) -> None:
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path) + "/none")
    with pytest.warns(UserWarning) as record:
        client = instructor.from_provider(f"bedrock/{BEDROCK_CLAUDE}", aws_access_key_id="a",
                                          aws_secret_access_key="b")
    assert client.client.meta.region_name == "us-east-1"
    # (a ResourceWarning of another test's socket, collected meanwhile, may come first)
    message = next(str(w.message) for w in record if issubclass(w.category, UserWarning))
    assert "us-east-1" in message and "AWS_DEFAULT_REGION" in message and "region" in message


def test_s9_bedrock_region_keyword(fake: FakeProvider) -> None:
    options = {k: v for k, v in aws(fake).items() if k != "region_name"}
    client = instructor.from_provider(f"bedrock/{BEDROCK_CLAUDE}", region="eu-west-1", **options)
    assert client.client.meta.region_name == "eu-west-1"


def test_s9_bedrock_async_client_and_generic_mode(fake: FakeProvider) -> None:
    client = instructor.from_provider(f"bedrock/{BEDROCK_CLAUDE}", async_client=True, mode=Mode.JSON_SCHEMA,
                                      **aws(fake))
    assert isinstance(client, instructor.AsyncInstructor) and client.mode is Mode.JSON_SCHEMA


def test_s9_anthropic_max_tokens_defaults_to_4096(fake: FakeProvider) -> None:
    client = instructor.from_provider("anthropic/claude-sonnet-4-6", api_key="k", base_url=fake.anthropic_base_url)
    fake.add(Reply.tool("User", JASON))
    client.create(response_model=User, messages=MESSAGES)
    assert fake.requests[0].json["max_tokens"] == 4096


def test_s9_anthropic_generic_mode_and_a_legacy_one(fake: FakeProvider) -> None:
    from instructor.mode import reset_deprecated_mode_warnings

    reset_deprecated_mode_warnings()
    client = instructor.from_provider("anthropic/claude-sonnet-4-6", api_key="k", mode=Mode.JSON)
    assert client.mode is Mode.JSON
    with pytest.warns(DeprecationWarning, match="ANTHROPIC_JSON"):
        legacy = instructor.from_provider("anthropic/claude-sonnet-4-6", api_key="k", mode=Mode.ANTHROPIC_JSON)
    assert legacy.mode is Mode.JSON
    reset_deprecated_mode_warnings()


@pytest.mark.parametrize(("model", "mode"), [
    ("llama3.1:8b", Mode.TOOLS), ("llama3.2", Mode.TOOLS), ("hf.co/x/qwen3-4b", Mode.TOOLS),
    ("devstral:24b", Mode.TOOLS), ("command-r7b", Mode.TOOLS), ("my-mistral-nemo", Mode.TOOLS),
    ("gemma2:9b", Mode.JSON), ("phi3", Mode.JSON),
])
def test_s9_ollama_picks_tools_for_tool_capable_families(model: str, mode: Mode) -> None:
    assert instructor.from_provider(f"ollama/{model}").mode is mode


@pytest.mark.parametrize(("env", "value", "expected"), [
    ("DATABRICKS_HOST", "https://ws.example.com", "https://ws.example.com/serving-endpoints/"),
    ("DATABRICKS_HOST", "https://ws.example.com/", "https://ws.example.com/serving-endpoints/"),
    ("DATABRICKS_BASE_URL", "https://ws.example.com/serving-endpoints", "https://ws.example.com/serving-endpoints/"),
    ("DATABRICKS_WORKSPACE_URL", "https://ws2.example.com", "https://ws2.example.com/serving-endpoints/"),
])
def test_s9_databricks_base_url_rules(monkeypatch: pytest.MonkeyPatch, env: str, value: str, expected: str) -> None:
    for var in ("DATABRICKS_HOST", "DATABRICKS_BASE_URL", "DATABRICKS_WORKSPACE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(env, value)
    client = instructor.from_provider("databricks/m", api_key="dapi")
    assert str(client.client.base_url) == expected


def test_s9_databricks_reads_either_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://ws.example.com")
    monkeypatch.delenv("DATABRICKS_TOKEN", raising=False)
    monkeypatch.setenv("DATABRICKS_API_KEY", "dapi-key")
    client = instructor.from_provider("databricks/m")
    assert client.client.api_key == "dapi-key"


def test_s9_databricks_without_a_host_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABRICKS_HOST", "DATABRICKS_BASE_URL", "DATABRICKS_WORKSPACE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigurationError, match="DATABRICKS_HOST"):
        instructor.from_provider("databricks/m", api_key="dapi")

