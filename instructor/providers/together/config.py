"""Static metadata of the together provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='together',
    package='openai',
    extra='openai',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS,),
    legacy_modes=(Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1,),
    env_vars=('TOGETHER_API_KEY',),
    requires_api_key=True,
    base_url='https://api.together.xyz/v1',
    docs_url='https://docs.together.ai/',
    description='Together AI (OpenAI-compatible API)',
)
