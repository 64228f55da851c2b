"""The `Provider` enum: the provider ids a client can carry (stdlib only).

The same 25 members, in the same order, as the published instructor's
`instructor.Provider`. A client's `provider` attribute stays the registry name
(a plain string such as `"anthropic"`), which compares equal to its member
(`Provider.ANTHROPIC == "anthropic"`), so either spelling works in user code.
"""

from __future__ import annotations

import enum


class Provider(str, enum.Enum):
    """Every provider id the published instructor names."""

    OPENAI = "openai"
    AZURE_OPENAI = "azure_openai"
    VERTEXAI = "vertexai"
    ANTHROPIC = "anthropic"
    ANYSCALE = "anyscale"
    TOGETHER = "together"
    GROQ = "groq"
    MISTRAL = "mistral"
    COHERE = "cohere"
    GEMINI = "gemini"
    GENAI = "genai"
    DATABRICKS = "databricks"
    CEREBRAS = "cerebras"
    DEEPSEEK = "deepseek"
    FIREWORKS = "fireworks"
    WRITER = "writer"
    XAI = "xai"
    OLLAMA = "ollama"
    LITELLM = "litellm"
    GOOGLE = "google"
    GENERATIVE_AI = "generative-ai"
    UNKNOWN = "unknown"
    BEDROCK = "bedrock"
    PERPLEXITY = "perplexity"
    OPENROUTER = "openrouter"

    def __str__(self) -> str:
        return self.value
