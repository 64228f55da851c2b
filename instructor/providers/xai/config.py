"""Static metadata of the xai provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='xai',
    package='openai',
    extra='xai',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.JSON,),
    legacy_modes=(Mode.XAI_TOOLS, Mode.XAI_JSON,),
    env_vars=('XAI_API_KEY',),
    requires_api_key=True,
    base_url='https://api.x.ai/v1',
    docs_url='https://docs.x.ai/',
    description='xAI Grok (OpenAI-compatible API)',
)
