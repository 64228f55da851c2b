"""The `Mode` enum: how a response model is asked of a provider (stdlib only).

A mode names one request/response convention (tool calling, JSON mode, a
JSON schema response format, ...). The core modes (TOOLS, JSON, MD_JSON,
JSON_SCHEMA, PARALLEL_TOOLS...) mean the same thing for every provider; each
provider serves them with its own handler (the mode registry is keyed by
provider family and mode). The provider-named members (ANTHROPIC_TOOLS,
BEDROCK_JSON...) are deprecated aliases: a factory maps them to the core mode
in `DEPRECATED_TO_CORE` and warns once per mode per process.
"""

from __future__ import annotations

import enum
import threading
import warnings


class Mode(str, enum.Enum):
    """Every way instructor can ask a provider for structured output."""

    # the published release's members, in its order
    FUNCTIONS = "function_call"
    PARALLEL_TOOLS = "parallel_tool_call"
    TOOLS = "tool_call"
    TOOLS_STRICT = "tools_strict"
    JSON = "json_mode"
    JSON_O1 = "json_o1"
    MD_JSON = "markdown_json_mode"
    JSON_SCHEMA = "json_schema_mode"
    RESPONSES_TOOLS = "responses_tools"
    RESPONSES_TOOLS_WITH_INBUILT_TOOLS = "responses_tools_with_inbuilt_tools"
    XAI_JSON = "xai_json"
    XAI_TOOLS = "xai_tools"
    ANTHROPIC_TOOLS = "anthropic_tools"
    ANTHROPIC_REASONING_TOOLS = "anthropic_reasoning_tools"
    ANTHROPIC_JSON = "anthropic_json"
    ANTHROPIC_PARALLEL_TOOLS = "anthropic_parallel_tools"
    MISTRAL_TOOLS = "mistral_tools"
    MISTRAL_STRUCTURED_OUTPUTS = "mistral_structured_outputs"
    VERTEXAI_TOOLS = "vertexai_tools"
    VERTEXAI_JSON = "vertexai_json"
    VERTEXAI_PARALLEL_TOOLS = "vertexai_parallel_tools"
    GEMINI_JSON = "gemini_json"
    GEMINI_TOOLS = "gemini_tools"
    GENAI_TOOLS = "genai_tools"
    GENAI_JSON = "genai_json"
    GENAI_STRUCTURED_OUTPUTS = "genai_structured_outputs"
    COHERE_TOOLS = "cohere_tools"
    COHERE_JSON_SCHEMA = "json_object"  # the published value ("cohere_json_schema" still parses)
    CEREBRAS_TOOLS = "cerebras_tools"
    CEREBRAS_JSON = "cerebras_json"
    FIREWORKS_TOOLS = "fireworks_tools"
    FIREWORKS_JSON = "fireworks_json"
    WRITER_TOOLS = "writer_tools"
    WRITER_JSON = "writer_json"
    BEDROCK_TOOLS = "bedrock_tools"
    BEDROCK_JSON = "bedrock_json"
    PERPLEXITY_JSON = "perplexity_json"
    OPENROUTER_STRUCTURED_OUTPUTS = "openrouter_structured_outputs"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> Mode | None:
        # the value COHERE_JSON_SCHEMA had before it took the published one
        return cls.COHERE_JSON_SCHEMA if value == "cohere_json_schema" else None

    @classmethod
    def tool_modes(cls) -> set[Mode]:
        """Modes whose answer arrives as a tool/function call."""
        return {m for m in cls if "tool" in m.value or m.value in _BOTH_KINDS or m is cls.FUNCTIONS}

    @classmethod
    def json_modes(cls) -> set[Mode]:
        """Modes whose answer arrives as JSON text."""
        return (set(cls) - cls.tool_modes()) | {m for m in cls if m.value in _BOTH_KINDS}

    @classmethod
    def parallel_modes(cls) -> set[Mode]:
        """Modes that let the model call several tools in one answer."""
        return {cls.PARALLEL_TOOLS, cls.ANTHROPIC_PARALLEL_TOOLS, cls.VERTEXAI_PARALLEL_TOOLS}

    @classmethod
    def warn_deprecated_mode(cls, mode: Mode) -> None:
        """Warn (once per mode per process) that `mode` is a deprecated alias of a core mode."""
        core = DEPRECATED_TO_CORE.get(mode)
        if core is None:
            return
        with _warned_lock:
            if mode in _warned:
                return
            _warned.add(mode)
        warnings.warn(
            f"Mode.{mode.name} is deprecated; use Mode.{core.name}. The client you pass "
            "(from_openai, from_anthropic, from_bedrock...) already says which provider answers, "
            "so the core modes mean the right thing for each of them.",
            DeprecationWarning,
            stacklevel=4,
        )

    @classmethod
    def warn_mode_functions_deprecation(cls) -> None:
        """Warn (once per process) that Mode.FUNCTIONS is deprecated."""
        cls.warn_deprecated_mode(cls.FUNCTIONS)

    @classmethod
    def warn_anthropic_reasoning_tools_deprecation(cls) -> None:
        """Warn (once per process) that Mode.ANTHROPIC_REASONING_TOOLS is deprecated."""
        cls.warn_deprecated_mode(cls.ANTHROPIC_REASONING_TOOLS)


#: values of the modes counted both as tool and as JSON modes, as the published release does
_BOTH_KINDS = frozenset({"openrouter_structured_outputs", "mistral_structured_outputs"})

#: every deprecated, provider-named mode and the core mode it stands for
DEPRECATED_TO_CORE: dict[Mode, Mode] = {
    Mode.FUNCTIONS: Mode.TOOLS,
    Mode.TOOLS_STRICT: Mode.TOOLS,
    Mode.JSON_O1: Mode.JSON_SCHEMA,
    Mode.RESPONSES_TOOLS_WITH_INBUILT_TOOLS: Mode.RESPONSES_TOOLS,
    Mode.ANTHROPIC_TOOLS: Mode.TOOLS,
    Mode.ANTHROPIC_REASONING_TOOLS: Mode.TOOLS,
    Mode.ANTHROPIC_JSON: Mode.JSON,
    Mode.ANTHROPIC_PARALLEL_TOOLS: Mode.PARALLEL_TOOLS,
    Mode.GENAI_TOOLS: Mode.TOOLS,
    Mode.GENAI_JSON: Mode.JSON,
    Mode.GENAI_STRUCTURED_OUTPUTS: Mode.JSON,
    Mode.MISTRAL_TOOLS: Mode.TOOLS,
    Mode.MISTRAL_STRUCTURED_OUTPUTS: Mode.JSON_SCHEMA,
    Mode.VERTEXAI_TOOLS: Mode.TOOLS,
    Mode.VERTEXAI_JSON: Mode.MD_JSON,
    Mode.VERTEXAI_PARALLEL_TOOLS: Mode.PARALLEL_TOOLS,
    Mode.COHERE_TOOLS: Mode.TOOLS,
    Mode.COHERE_JSON_SCHEMA: Mode.JSON_SCHEMA,
    Mode.XAI_TOOLS: Mode.TOOLS,
    Mode.XAI_JSON: Mode.MD_JSON,
    Mode.FIREWORKS_TOOLS: Mode.TOOLS,
    Mode.FIREWORKS_JSON: Mode.MD_JSON,
    Mode.CEREBRAS_TOOLS: Mode.TOOLS,
    Mode.CEREBRAS_JSON: Mode.MD_JSON,
    Mode.WRITER_TOOLS: Mode.TOOLS,
    Mode.WRITER_JSON: Mode.MD_JSON,
    Mode.BEDROCK_TOOLS: Mode.TOOLS,
    Mode.BEDROCK_JSON: Mode.MD_JSON,
    Mode.PERPLEXITY_JSON: Mode.MD_JSON,
    Mode.GEMINI_TOOLS: Mode.TOOLS,
    Mode.GEMINI_JSON: Mode.MD_JSON,
    Mode.OPENROUTER_STRUCTURED_OUTPUTS: Mode.JSON_SCHEMA,
}

#: the deprecated modes mapped without a warning (the published release does so)
SILENT_ALIASES = frozenset({Mode.RESPONSES_TOOLS_WITH_INBUILT_TOOLS})

_warned: set[Mode] = set()
_warned_lock = threading.Lock()


def reset_deprecated_mode_warnings() -> None:
    """Forget which deprecated modes have warned, so each warns again (for tests)."""
    with _warned_lock:
        _warned.clear()
