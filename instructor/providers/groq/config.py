"""Static metadata of the groq provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='groq',
    package='groq',
    extra='groq',
    factory='instructor.providers.groq.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON,),
    legacy_modes=(),
    env_vars=('GROQ_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://console.groq.com/docs',
    description='Groq',
    media="instructor.providers.openai.media:to_part",
    media_kinds=("image",),
)
