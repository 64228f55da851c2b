"""The provider registry and every `from_provider` error, each with its remedy."""

from __future__ import annotations

import sys

import pytest

import instructor
from instructor import (
    MissingAPIKeyError,
    MissingDependencyError,
    Mode,
    ModelStringError,
    ProviderConfig,
    ProviderRegistry,
    UnknownProviderError,
    UnsupportedModeError,
)
from instructor.core.provider_registry import parse_model_string, provider_registry
from instructor.providers._catalog import BUILTIN_PROVIDERS

NINETEEN = {"openai", "azure_openai", "anthropic", "google", "mistral", "cohere", "perplexity", "groq",
            "writer", "bedrock", "cerebras", "fireworks", "vertexai", "generative-ai", "ollama", "deepseek",
            "xai", "openrouter", "litellm"}


def make_config(name: str = "acme", **overrides: object) -> ProviderConfig:
    fields: dict[str, object] = dict(
        name=name, package="openai", extra="openai",
        factory="instructor.providers.openai.factory:create_client",
        default_mode=Mode.TOOLS, supported_modes=(Mode.TOOLS, Mode.JSON),
        env_vars=("ACME_API_KEY",), base_url="http://127.0.0.1:9/v1",
    )
    fields.update(overrides)
    return ProviderConfig(**fields)  # type: ignore[arg-type]


def test_all_nineteen_builtins_are_declared() -> None:
    assert NINETEEN <= set(BUILTIN_PROVIDERS)
    for name in BUILTIN_PROVIDERS:
        config = provider_registry.get_config(name)
        assert config.name == name
        assert config.default_mode in config.supported_modes
        assert config.extra and config.package and ":" in config.factory


def test_configs_are_pure_data() -> None:
    import dataclasses

    config = provider_registry.get_config("openai")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name = "other"  # type: ignore[misc]
    assert config.pip_install == 'pip install "instructor[openai]"'


@pytest.mark.parametrize("bad", ["gpt-4o", "openai/", "/gpt-4o", "", " / "])
def test_malformed_model_string(bad: str) -> None:
    with pytest.raises(ModelStringError, match="provider/model") as info:
        instructor.from_provider(bad)
    assert repr(bad) in str(info.value)


def test_model_string_keeps_slashes_in_model_name() -> None:
    assert parse_model_string("openrouter/meta-llama/llama-3-70b") == ("openrouter", "meta-llama/llama-3-70b")


def test_non_string_model() -> None:
    with pytest.raises(ModelStringError, match="expects a string"):
        instructor.from_provider(42)  # type: ignore[call-overload]


def test_unknown_provider_lists_available_and_suggests() -> None:
    with pytest.raises(UnknownProviderError) as info:
        instructor.from_provider("antropic/claude-3")
    message = str(info.value)
    assert "'antropic'" in message and "Did you mean 'anthropic'?" in message
    for name in ("openai", "bedrock", "litellm"):
        assert name in message
    assert info.value.provider == "antropic"
    assert "openai" in info.value.available


def test_unknown_provider_without_close_match() -> None:
    with pytest.raises(UnknownProviderError) as info:
        instructor.from_provider("zzzzqqq/model")
    assert "Did you mean" not in str(info.value)


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # an environment without the openai SDK
    with pytest.raises(MissingDependencyError) as info:
        instructor.from_provider("openai/gpt-4o-mini", api_key="sk-test")
    assert 'pip install "instructor[openai]"' in str(info.value)
    assert isinstance(info.value, ImportError)
    assert info.value.extra == "openai"


def test_missing_sdk_is_reported_before_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(MissingDependencyError):
        instructor.from_provider("deepseek/deepseek-chat")


def test_missing_key_names_the_env_var() -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        instructor.from_provider("openai/gpt-4o-mini")
    assert "OPENAI_API_KEY" in str(info.value)
    assert info.value.env_vars == ["OPENAI_API_KEY"]


def test_missing_key_lists_every_env_var() -> None:
    with pytest.raises(MissingAPIKeyError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        provider_registry.resolve_api_key(provider_registry.get_config("google"), None)


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    client = instructor.from_provider("openai/gpt-4o-mini")
    assert client.client.api_key == "sk-from-env"


def test_providers_without_keys_need_none() -> None:
    client = instructor.from_provider("ollama/llama3.1")
    assert isinstance(client, instructor.Instructor)
    assert str(client.client.base_url).startswith("http://localhost:11434")


def test_unsupported_mode_lists_supported() -> None:
    with pytest.raises(UnsupportedModeError) as info:
        instructor.from_provider("openai/gpt-4o-mini", api_key="sk-test", mode=Mode.BEDROCK_TOOLS)
    message = str(info.value)
    assert "Mode.TOOLS" in message and "Mode.JSON_SCHEMA" in message
    assert Mode.TOOLS in info.value.supported


def test_unsupported_mode_as_unknown_string() -> None:
    with pytest.raises(UnsupportedModeError, match="'not-a-mode'"):
        instructor.from_provider("openai/gpt-4o-mini", api_key="sk-test", mode="not-a-mode")  # type: ignore[arg-type]


def test_mode_given_as_string_value() -> None:
    client = instructor.from_provider("openai/gpt-4o-mini", api_key="sk-test", mode="json_mode")  # type: ignore[arg-type]
    assert client.mode is Mode.JSON


def test_deprecated_provider_warns_with_successor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vertexai", None)
    with pytest.warns(DeprecationWarning, match="google"), pytest.raises(MissingDependencyError):
        instructor.from_provider("vertexai/gemini-1.5-pro")


def test_mode_selector_picks_by_model() -> None:
    assert instructor.from_provider("ollama/llama3.1:8b").mode is Mode.TOOLS
    assert instructor.from_provider("ollama/phi3").mode is Mode.JSON
    assert instructor.from_provider("ollama/phi3", mode=Mode.MD_JSON).mode is Mode.MD_JSON


def test_openai_compatible_providers_get_their_base_url() -> None:
    client = instructor.from_provider("deepseek/deepseek-chat", api_key="sk-test")
    assert str(client.client.base_url).startswith("https://api.deepseek.com")
    assert client.provider == "deepseek"


def test_base_url_from_env_for_databricks(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(instructor.ConfigurationError, match="DATABRICKS_HOST"):
        instructor.from_provider("databricks/dbrx", api_key="dapi-test")
    monkeypatch.setenv("DATABRICKS_HOST", "https://example.cloud.databricks.com/")
    client = instructor.from_provider("databricks/dbrx", api_key="dapi-test")
    assert str(client.client.base_url).startswith("https://example.cloud.databricks.com/serving-endpoints")


def test_register_and_replace() -> None:
    registry = ProviderRegistry({}, entry_points=False)
    registry.register(make_config())
    assert registry.has_provider("acme")
    with pytest.raises(ValueError, match="already registered: acme=.*replace=True"):
        registry.register(make_config())
    registry.register(make_config(base_url="http://127.0.0.1:10/v1"), replace=True)
    assert registry.get_config("acme").base_url == "http://127.0.0.1:10/v1"
    registry.unregister("acme")
    assert not registry.has_provider("acme")


def test_registered_provider_works_end_to_end(fake: instructor.testing.FakeProvider) -> None:
    from pydantic import BaseModel

    from instructor.testing import Reply

    class City(BaseModel):
        name: str

    instructor.register_provider(make_config("acme-test", base_url=fake.openai_base_url))
    try:
        fake.add(Reply.tool("City", {"name": "Paris"}))
        client = instructor.from_provider("acme-test/model-1", api_key="k")
        assert client.create(response_model=City, messages=[{"role": "user", "content": "x"}]).name == "Paris"
        assert fake.requests[0].path == "/v1/chat/completions"
        assert "acme-test" in provider_registry.list_providers()
    finally:
        provider_registry.unregister("acme-test")


def test_factory_can_be_a_callable() -> None:
    calls = []

    def factory(config, model, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((config.name, model, kwargs["mode"], kwargs["api_key"]))
        return "client"

    registry = ProviderRegistry({}, entry_points=False)
    registry.register(make_config(), factory)
    assert registry.create_client("acme", "m", api_key="k") == "client"
    assert calls == [("acme", "m", Mode.TOOLS, "k")]


def test_config_rejects_default_mode_outside_supported() -> None:
    with pytest.raises(ValueError, match="default_mode"):
        make_config(default_mode=Mode.JSON_SCHEMA)


def test_stats_counts_lazy_and_loaded() -> None:
    registry = ProviderRegistry(dict(BUILTIN_PROVIDERS), entry_points=False)
    stats = registry.stats()
    assert stats["providers_known"] == len(BUILTIN_PROVIDERS)
    assert stats["providers_loaded"] == 0 and stats["configs_loaded"] == 0
    registry.get_config("groq")
    assert registry.stats()["configs_loaded"] == 1
    registry.get_factory("openai")
    stats = registry.stats()
    assert stats["loaded_providers"] == ["openai"] and stats["providers_lazy"] == len(BUILTIN_PROVIDERS) - 1


def test_preload_loads_factory_and_handlers() -> None:
    from instructor.core.mode_registry import mode_registry

    assert instructor.preload("openai") == ["openai"]
    assert "openai" in provider_registry.loaded_factories()
    assert mode_registry.is_loaded(Mode.JSON_SCHEMA)
    with pytest.raises(UnknownProviderError):
        instructor.preload("nope")
