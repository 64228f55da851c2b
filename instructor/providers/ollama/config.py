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
    """Tool calling where the model family supports it, JSON mode otherwise.

    A name containing one of the published release's families (`llama3.1`, `qwen3`,
    `devstral`...) or starting with one of ours (`qwen`, `mistral`, `granite`...) uses tools.
    """
    name = model.lower()
    published = ("llama3.1", "llama3.2", "llama4", "mistral-nemo", "firefunction-v2", "command-a", "command-r",
                 "command-r-plus", "command-r7b", "qwen2.5", "qwen2.5-coder", "qwen3", "devstral")
    ours = ("llama3.3", "qwen", "mistral", "mixtral", "firefunction", "hermes", "gpt-oss", "granite")
    uses_tools = any(f in name for f in published) or any(name.startswith(f) for f in ours)
    return Mode.TOOLS if uses_tools else Mode.JSON
