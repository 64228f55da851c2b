"""Where every built-in provider and mode handler is declared: one line each.

Values are dotted paths, so nothing here imports a provider. Adding a provider
means a folder under `instructor/providers/` and one line in `BUILTIN_PROVIDERS`
(an OpenAI-compatible one that differs only by data: a row in
`instructor.providers.openai.compatible`); adding a mode means its handler in that
folder and one line in `BUILTIN_HANDLERS`. Each provider's media conversion is named
by its config (`ProviderConfig.media`).
"""

#: what turns media objects in messages into a provider's content parts (through each provider's
#: `ProviderConfig.media`); the core loads it by this path, and only once media can be in a message
MEDIA_CONVERSION = "instructor.processing.media_messages:convert_media"

#: the OpenAI-compatible providers that differ from openai only by data: one row each there
_COMPATIBLE = "instructor.providers.openai.compatible"

BUILTIN_PROVIDERS: dict[str, str] = {
    'openai': "instructor.providers.openai.config:CONFIG",
    'azure_openai': "instructor.providers.azure_openai.config:CONFIG",
    'anthropic': "instructor.providers.anthropic.config:CONFIG",
    'google': "instructor.providers.google.config:CONFIG",
    'mistral': "instructor.providers.mistral.config:CONFIG",
    'cohere': "instructor.providers.cohere.config:CONFIG",
    'perplexity': f"{_COMPATIBLE}:PERPLEXITY",
    'groq': "instructor.providers.groq.config:CONFIG",
    'writer': "instructor.providers.writer.config:CONFIG",
    'bedrock': "instructor.providers.bedrock.config:CONFIG",
    'cerebras': "instructor.providers.cerebras.config:CONFIG",
    'fireworks': "instructor.providers.fireworks.config:CONFIG",
    'vertexai': "instructor.providers.vertexai.config:CONFIG",
    'generative-ai': "instructor.providers.generative_ai.config:CONFIG",
    'gemini': "instructor.providers.generative_ai.config:GEMINI",
    'ollama': f"{_COMPATIBLE}:OLLAMA",
    'deepseek': f"{_COMPATIBLE}:DEEPSEEK",
    'xai': f"{_COMPATIBLE}:XAI",
    'openrouter': f"{_COMPATIBLE}:OPENROUTER",
    'litellm': "instructor.providers.litellm.config:CONFIG",
    'together': f"{_COMPATIBLE}:TOGETHER",
    'anyscale': f"{_COMPATIBLE}:ANYSCALE",
    'databricks': f"{_COMPATIBLE}:DATABRICKS",
}

_OPENAI = "instructor.formats.openai_chat"

BUILTIN_HANDLERS: dict[str, str] = {
    # keys are Mode values (strings), so this table needs no enum import.
    # "<mode>": the OpenAI chat format, which serves every provider without its own entry;
    # "<family>:<mode>": how that provider family serves the mode.
    "tool_call": f"{_OPENAI}:TOOLS",
    "tools_strict": f"{_OPENAI}:TOOLS_STRICT",
    "parallel_tool_call": f"{_OPENAI}:PARALLEL_TOOLS",
    "json_mode": f"{_OPENAI}:JSON",
    "markdown_json_mode": f"{_OPENAI}:MD_JSON",
    "json_schema_mode": f"{_OPENAI}:JSON_SCHEMA",
    "anthropic:tool_call": "instructor.providers.anthropic.handlers:TOOLS",
    "anthropic:parallel_tool_call": "instructor.providers.anthropic.handlers:PARALLEL_TOOLS",
    "anthropic:json_mode": "instructor.providers.anthropic.handlers:JSON",
    "anthropic:json_schema_mode": "instructor.providers.anthropic.handlers:JSON_SCHEMA",
    "anthropic:markdown_json_mode": "instructor.providers.anthropic.handlers:MD_JSON",
    "bedrock:tool_call": "instructor.providers.bedrock.handlers:TOOLS",
    "bedrock:tools_strict": "instructor.providers.bedrock.handlers:TOOLS_STRICT",
    "bedrock:markdown_json_mode": "instructor.providers.bedrock.handlers:MD_JSON",
    "bedrock:json_schema_mode": "instructor.providers.bedrock.handlers:JSON_SCHEMA",
    "google:tool_call": "instructor.providers.google.handlers:TOOLS",
    "google:json_mode": "instructor.providers.google.handlers:JSON",
    "generative-ai:tool_call": "instructor.providers.generative_ai.handlers:TOOLS",
    "generative-ai:markdown_json_mode": "instructor.providers.generative_ai.handlers:MD_JSON",
    "vertexai:tool_call": "instructor.providers.vertexai.handlers:TOOLS",
    "vertexai:parallel_tool_call": "instructor.providers.vertexai.handlers:PARALLEL_TOOLS",
    "vertexai:markdown_json_mode": "instructor.providers.vertexai.handlers:MD_JSON",
    "mistral:tool_call": "instructor.providers.mistral.handlers:TOOLS",
    "mistral:json_schema_mode": "instructor.providers.mistral.handlers:JSON_SCHEMA",
    "cohere:tool_call": "instructor.providers.cohere.handlers:TOOLS",
    "cohere:json_schema_mode": "instructor.providers.cohere.handlers:JSON_SCHEMA",
    "cohere:markdown_json_mode": "instructor.providers.cohere.handlers:MD_JSON",
    "fireworks:json_mode": "instructor.providers.fireworks.handlers:JSON",
    "writer:tool_call": "instructor.providers.writer.handlers:TOOLS",
    "writer:json_schema_mode": "instructor.providers.writer.handlers:JSON_SCHEMA",
    "responses_tools": "instructor.providers.openai.responses:RESPONSES_TOOLS",  # OpenAI's Responses API
    # the deprecated provider-named modes, for a client built with one directly
    # (`Instructor(..., mode=Mode.ANTHROPIC_TOOLS)`); the factories map them to core modes
    "xai_tools": f"{_OPENAI}:TOOLS",
    "xai_json": f"{_OPENAI}:JSON",
    "perplexity_json": f"{_OPENAI}:MD_JSON",
    "openrouter_structured_outputs": f"{_OPENAI}:JSON_SCHEMA",
    "anthropic_tools": "instructor.providers.anthropic.handlers:ANTHROPIC_TOOLS",
    "anthropic_parallel_tools": "instructor.providers.anthropic.handlers:ANTHROPIC_PARALLEL_TOOLS",
    "anthropic_json": "instructor.providers.anthropic.handlers:ANTHROPIC_JSON",
    "anthropic_reasoning_tools": "instructor.providers.anthropic.handlers:ANTHROPIC_REASONING_TOOLS",
    "bedrock_tools": "instructor.providers.bedrock.handlers:BEDROCK_TOOLS",
    "bedrock_json": "instructor.providers.bedrock.handlers:BEDROCK_JSON",
    "cerebras_tools": "instructor.providers.cerebras.handlers:CEREBRAS_TOOLS",
    "cerebras_json": "instructor.providers.cerebras.handlers:CEREBRAS_JSON",
    "fireworks_tools": "instructor.providers.fireworks.handlers:FIREWORKS_TOOLS",
    "fireworks_json": "instructor.providers.fireworks.handlers:FIREWORKS_JSON",
    "writer_tools": "instructor.providers.writer.handlers:WRITER_TOOLS",
    "writer_json": "instructor.providers.writer.handlers:WRITER_JSON",
    "genai_tools": "instructor.providers.google.handlers:GENAI_TOOLS",
    "genai_json": "instructor.providers.google.handlers:GENAI_STRUCTURED_OUTPUTS",
    "genai_structured_outputs": "instructor.providers.google.handlers:GENAI_STRUCTURED_OUTPUTS",
    "vertexai_tools": "instructor.providers.vertexai.handlers:VERTEXAI_TOOLS",
    "vertexai_parallel_tools": "instructor.providers.vertexai.handlers:VERTEXAI_PARALLEL_TOOLS",
    "vertexai_json": "instructor.providers.vertexai.handlers:VERTEXAI_JSON",
    "gemini_tools": "instructor.providers.generative_ai.handlers:GEMINI_TOOLS",
    "gemini_json": "instructor.providers.generative_ai.handlers:GEMINI_JSON",
    "mistral_tools": "instructor.providers.mistral.handlers:MISTRAL_TOOLS",
    "mistral_structured_outputs": "instructor.providers.mistral.handlers:MISTRAL_STRUCTURED_OUTPUTS",
    "cohere_tools": "instructor.providers.cohere.handlers:COHERE_TOOLS",
    "json_object": "instructor.providers.cohere.handlers:COHERE_JSON_SCHEMA",
}
