"""The mode registry: lazy handlers, clear errors, no silent replacement."""

from __future__ import annotations

import pytest

from instructor import HandlerNotFoundError, Mode, ModeRegistry
from instructor.core.mode_registry import ModeHandler, mode_registry
from instructor.mode import DEPRECATED_TO_CORE
from instructor.providers._catalog import BUILTIN_HANDLERS, BUILTIN_PROVIDERS


def test_every_builtin_handler_loads_and_follows_the_protocol() -> None:
    for key in BUILTIN_HANDLERS:
        family, _, value = key.rpartition(":")
        handler = mode_registry.get(value, family=family or None)
        assert isinstance(handler, ModeHandler)
        # a deprecated mode's entry may be served by its core mode's handler
        assert handler.mode.value == value or Mode(value) in DEPRECATED_TO_CORE


def test_every_catalog_key_is_a_mode_of_a_known_family() -> None:
    values = {m.value for m in Mode}
    assert {key.rpartition(":")[2] for key in BUILTIN_HANDLERS} <= values
    families = {key.rpartition(":")[0] for key in BUILTIN_HANDLERS} - {""}
    assert families <= set(BUILTIN_PROVIDERS)


def test_a_family_lookup_prefers_its_own_handler_then_the_openai_format() -> None:
    anthropic = mode_registry.get(Mode.TOOLS, family="anthropic")
    assert type(anthropic).__module__ == "instructor.providers.anthropic.handlers"
    groq = mode_registry.get(Mode.TOOLS, family="groq")
    assert groq is mode_registry.get(Mode.TOOLS)
    assert type(groq).__module__ == "instructor.formats.openai_chat"


def test_handlers_load_on_first_use() -> None:
    registry = ModeRegistry({"tool_call": "instructor.formats.openai_chat:TOOLS"})
    assert registry.stats() == {"known": 1, "loaded": 0, "lazy": 1, "loaded_modes": []}
    handler = registry.get(Mode.TOOLS)
    assert registry.get("tool_call") is handler
    assert registry.stats()["loaded_modes"] == ["tool_call"]


def test_missing_handler_lists_registered_modes() -> None:
    registry = ModeRegistry({"tool_call": "x:y", "json_mode": "x:z"})
    with pytest.raises(HandlerNotFoundError) as info:
        registry.get(Mode.JSON_SCHEMA)
    message = str(info.value)
    assert "'json_schema_mode'" in message and "json_mode" in message and "tool_call" in message
    assert "register_handler" in message


def test_duplicate_registration_needs_replace() -> None:
    registry = ModeRegistry({"tool_call": "instructor.formats.openai_chat:TOOLS"})
    with pytest.raises(ValueError, match="already registered for mode 'tool_call'"):
        registry.register(Mode.TOOLS, "instructor.formats.openai_chat:JSON")
    registry.register(Mode.TOOLS, "instructor.formats.openai_chat:TOOLS_STRICT", replace=True)
    assert registry.get(Mode.TOOLS).mode is Mode.TOOLS_STRICT


def test_register_a_class_or_instance_for_a_custom_mode() -> None:
    from instructor.formats.openai_chat import JSONHandler

    registry = ModeRegistry()
    registry.register("my_json", JSONHandler(Mode.JSON, response_format=None))
    assert registry.is_loaded("my_json")
