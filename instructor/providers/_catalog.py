"""Where every built-in provider and mode handler is declared: one line each.

Values are dotted paths, so nothing here imports a provider. Adding a provider
means a folder under `instructor/providers/` and one line in `BUILTIN_PROVIDERS`;
adding a mode means its handler in that folder and one line in `BUILTIN_HANDLERS`.
"""

BUILTIN_PROVIDERS: dict[str, str] = {
    'openai': "instructor.providers.openai.config:CONFIG",
    'azure_openai': "instructor.providers.azure_openai.config:CONFIG",
    'anthropic': "instructor.providers.anthropic.config:CONFIG",
    'google': "instructor.providers.google.config:CONFIG",
    'mistral': "instructor.providers.mistral.config:CONFIG",
    'cohere': "instructor.providers.cohere.config:CONFIG",
    'perplexity': "instructor.providers.perplexity.config:CONFIG",
    'groq': "instructor.providers.groq.config:CONFIG",
    'writer': "instructor.providers.writer.config:CONFIG",
    'bedrock': "instructor.providers.bedrock.config:CONFIG",
    'cerebras': "instructor.providers.cerebras.config:CONFIG",
    'fireworks': "instructor.providers.fireworks.config:CONFIG",
    'vertexai': "instructor.providers.vertexai.config:CONFIG",
    'generative-ai': "instructor.providers.generative_ai.config:CONFIG",
    'ollama': "instructor.providers.ollama.config:CONFIG",
    'deepseek': "instructor.providers.deepseek.config:CONFIG",
    'xai': "instructor.providers.xai.config:CONFIG",
    'openrouter': "instructor.providers.openrouter.config:CONFIG",
    'litellm': "instructor.providers.litellm.config:CONFIG",
    'together': "instructor.providers.together.config:CONFIG",
    'anyscale': "instructor.providers.anyscale.config:CONFIG",
    'databricks': "instructor.providers.databricks.config:CONFIG",
}

_OPENAI = "instructor.providers.openai.handlers"

BUILTIN_HANDLERS: dict[str, str] = {
    # keys are Mode values (strings), so this table needs no enum import
    "tool_call": f"{_OPENAI}:TOOLS",
    "tools_strict": f"{_OPENAI}:TOOLS_STRICT",
    "parallel_tool_call": f"{_OPENAI}:PARALLEL_TOOLS",
    "json_mode": f"{_OPENAI}:JSON",
    "markdown_json_mode": f"{_OPENAI}:MD_JSON",
    "json_schema_mode": f"{_OPENAI}:JSON_SCHEMA",
    "xai_tools": f"{_OPENAI}:XAI_TOOLS",
    "xai_json": f"{_OPENAI}:XAI_JSON",
    "perplexity_json": f"{_OPENAI}:PERPLEXITY_JSON",
    "openrouter_structured_outputs": f"{_OPENAI}:OPENROUTER_STRUCTURED_OUTPUTS",
    "responses_tools": "instructor.providers.openai.responses:RESPONSES_TOOLS",
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
    "genai_structured_outputs": "instructor.providers.google.handlers:GENAI_STRUCTURED_OUTPUTS",
    "vertexai_tools": "instructor.providers.vertexai.handlers:VERTEXAI_TOOLS",
    "vertexai_parallel_tools": "instructor.providers.vertexai.handlers:VERTEXAI_PARALLEL_TOOLS",
    "vertexai_json": "instructor.providers.vertexai.handlers:VERTEXAI_JSON",
    "gemini_tools": "instructor.providers.generative_ai.handlers:GEMINI_TOOLS",
    "gemini_json": "instructor.providers.generative_ai.handlers:GEMINI_JSON",
    "mistral_tools": "instructor.providers.mistral.handlers:MISTRAL_TOOLS",
    "mistral_structured_outputs": "instructor.providers.mistral.handlers:MISTRAL_STRUCTURED_OUTPUTS",
    "cohere_tools": "instructor.providers.cohere.handlers:COHERE_TOOLS",
    "cohere_json_schema": "instructor.providers.cohere.handlers:COHERE_JSON_SCHEMA",
}
