"""Static metadata of the perplexity provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='perplexity',
    package='openai',
    extra='perplexity',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.MD_JSON,
    supported_modes=(Mode.MD_JSON, Mode.JSON_SCHEMA,),
    legacy_modes=(Mode.PERPLEXITY_JSON,),
    env_vars=('PERPLEXITY_API_KEY',),
    requires_api_key=True,
    base_url='https://api.perplexity.ai',
    docs_url='https://docs.perplexity.ai/',
    description='Perplexity Sonar (OpenAI-compatible API)',
)
