"""Static metadata of the anyscale provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='anyscale',
    package='openai',
    extra='openai',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS,),
    legacy_modes=(Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1,),
    env_vars=('ANYSCALE_API_KEY',),
    requires_api_key=True,
    base_url='https://api.endpoints.anyscale.com/v1',
    docs_url='https://docs.anyscale.com/',
    description='Anyscale Endpoints (OpenAI-compatible API)',
)
