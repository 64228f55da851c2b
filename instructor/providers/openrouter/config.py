"""Static metadata of the openrouter provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='openrouter',
    package='openai',
    extra='openrouter',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.JSON,),
    legacy_modes=(Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1, Mode.OPENROUTER_STRUCTURED_OUTPUTS,),
    env_vars=('OPENROUTER_API_KEY',),
    requires_api_key=True,
    base_url='https://openrouter.ai/api/v1',
    docs_url='https://openrouter.ai/docs',
    description='OpenRouter (OpenAI-compatible API)',
)
