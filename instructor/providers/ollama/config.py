"""Static metadata of the ollama provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='ollama',
    package='openai',
    extra='ollama',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS,),
    legacy_modes=(Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1,),
    env_vars=('OLLAMA_API_KEY',),
    requires_api_key=False,
    base_url='http://localhost:11434/v1',
    docs_url='https://github.com/ollama/ollama/blob/main/docs/openai.md',
    description="Ollama's OpenAI-compatible endpoint (no key needed)",
    mode_selector="instructor.providers.ollama.config:select_mode",
    options={"base_url_env": "OLLAMA_BASE_URL", "placeholder_api_key": "ollama"},
)


def select_mode(model: str) -> Mode:
    """Tool calling where the model family supports it, JSON mode otherwise."""
    name = model.lower()
    tool_families = ("llama3.1", "llama3.2", "llama3.3", "llama4", "qwen", "mistral", "mixtral",
                     "command-r", "firefunction", "hermes", "gpt-oss", "granite")
    return Mode.TOOLS if any(name.startswith(f) for f in tool_families) else Mode.JSON
