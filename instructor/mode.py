"""The `Mode` enum: how a response model is asked of a provider (stdlib only).

A mode names one request/response convention (tool calling, JSON mode, a
JSON schema response format, ...). Every mode has exactly one handler in the
mode registry; providers list the modes they support in their config.
"""

from __future__ import annotations

import enum


class Mode(str, enum.Enum):
    """Every way instructor can ask a provider for structured output."""

    # OpenAI and OpenAI-compatible APIs
    FUNCTIONS = "function_call"
    PARALLEL_TOOLS = "parallel_tool_call"
    TOOLS = "tool_call"
    TOOLS_STRICT = "tools_strict"
    JSON = "json_mode"
    JSON_O1 = "json_o1"
    MD_JSON = "markdown_json_mode"
    JSON_SCHEMA = "json_schema_mode"
    RESPONSES_TOOLS = "responses_tools"

    # Anthropic
    ANTHROPIC_TOOLS = "anthropic_tools"
    ANTHROPIC_PARALLEL_TOOLS = "anthropic_parallel_tools"
    ANTHROPIC_REASONING_TOOLS = "anthropic_reasoning_tools"
    ANTHROPIC_JSON = "anthropic_json"

    # AWS Bedrock (Converse API)
    BEDROCK_TOOLS = "bedrock_tools"
    BEDROCK_JSON = "bedrock_json"

    # Google: google-genai, and the deprecated generative-ai / Vertex AI SDKs
    GENAI_TOOLS = "genai_tools"
    GENAI_STRUCTURED_OUTPUTS = "genai_structured_outputs"
    GEMINI_TOOLS = "gemini_tools"
    GEMINI_JSON = "gemini_json"
    VERTEXAI_TOOLS = "vertexai_tools"
    VERTEXAI_JSON = "vertexai_json"
    VERTEXAI_PARALLEL_TOOLS = "vertexai_parallel_tools"

    # Mistral
    MISTRAL_TOOLS = "mistral_tools"
    MISTRAL_STRUCTURED_OUTPUTS = "mistral_structured_outputs"

    # Cohere (v2 chat)
    COHERE_TOOLS = "cohere_tools"
    COHERE_JSON_SCHEMA = "cohere_json_schema"

    # Cerebras, Fireworks, Writer
    CEREBRAS_TOOLS = "cerebras_tools"
    CEREBRAS_JSON = "cerebras_json"
    FIREWORKS_TOOLS = "fireworks_tools"
    FIREWORKS_JSON = "fireworks_json"
    WRITER_TOOLS = "writer_tools"
    WRITER_JSON = "writer_json"

    # xAI, Perplexity, OpenRouter
    XAI_TOOLS = "xai_tools"
    XAI_JSON = "xai_json"
    PERPLEXITY_JSON = "perplexity_json"
    OPENROUTER_STRUCTURED_OUTPUTS = "openrouter_structured_outputs"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def tool_modes(cls) -> frozenset[Mode]:
        """Modes whose answer arrives as a tool/function call."""
        return frozenset(m for m in cls if "tool" in m.value or m is cls.FUNCTIONS)

    @classmethod
    def json_modes(cls) -> frozenset[Mode]:
        """Modes whose answer arrives as JSON text."""
        return frozenset(cls) - cls.tool_modes()
