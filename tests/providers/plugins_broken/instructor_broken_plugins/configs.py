"""Configs of the broken plugins, and one working plugin."""

from __future__ import annotations

from typing import Any

from instructor import Mode, ProviderConfig

NOT_A_CONFIG = "acme-llm"


def _config(name: str, factory: str = "instructor.providers.openai.factory:create_client") -> ProviderConfig:
    return ProviderConfig(
        name=name, package="openai", extra="openai", factory=factory,
        default_mode=Mode.TOOLS, supported_modes=(Mode.TOOLS, Mode.JSON),
        env_vars=(f"{name.upper()}_API_KEY",), base_url="http://127.0.0.1:9/v1",
    )


def raising_config() -> ProviderConfig:
    raise RuntimeError("the plugin's config function failed")


def shadow_openai() -> ProviderConfig:
    return _config("openai")


def missing_factory() -> ProviderConfig:
    return _config("missing_factory", factory="instructor_broken_plugins.no_such_module:create_client")


def raising_factory() -> ProviderConfig:
    return _config("raising_factory", factory="instructor_broken_plugins.configs:explode")


def explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the plugin's factory failed")


def acme() -> ProviderConfig:
    return _config("acme")
