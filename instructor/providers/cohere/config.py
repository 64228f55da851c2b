"""Static metadata of the cohere provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='cohere',
    package='cohere',
    extra='cohere',
    factory='instructor.providers.cohere.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON,),
    legacy_modes=(Mode.COHERE_TOOLS, Mode.COHERE_JSON_SCHEMA,),
    env_vars=('CO_API_KEY', 'COHERE_API_KEY'),
    requires_api_key=True,
    base_url=None,
    docs_url='https://docs.cohere.com/',
    description='Cohere v2 chat',
    # Cohere v2 chat takes OpenAI-shaped image_url parts
    media="instructor.providers.openai.media:to_part",
    media_kinds=("image",),
)
