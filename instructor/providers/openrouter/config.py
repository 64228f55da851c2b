"""Static metadata of the openrouter provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='openrouter',
    package='openai',
    extra='openrouter',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.PARALLEL_TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA, Mode.OPENROUTER_STRUCTURED_OUTPUTS,),
    env_vars=('OPENROUTER_API_KEY',),
    requires_api_key=True,
    base_url='https://openrouter.ai/api/v1',
    docs_url='https://openrouter.ai/docs',
    description='OpenRouter (OpenAI-compatible API)',
)
