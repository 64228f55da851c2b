"""Static metadata of the mistral provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='mistral',
    package='mistralai',
    extra='mistral',
    factory='instructor.providers.mistral.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON,),
    legacy_modes=(Mode.MISTRAL_TOOLS, Mode.MISTRAL_STRUCTURED_OUTPUTS,),
    env_vars=('MISTRAL_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://docs.mistral.ai/',
    description='Mistral',
    media="instructor.providers.mistral.media:to_part",
)
