"""Static metadata of the fireworks provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='fireworks',
    package='fireworks',
    extra='fireworks',
    factory='instructor.providers.fireworks.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.JSON,),
    legacy_modes=(Mode.FIREWORKS_TOOLS, Mode.FIREWORKS_JSON,),
    env_vars=('FIREWORKS_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://docs.fireworks.ai/',
    description='Fireworks AI',
    distribution="fireworks-ai",
    media="instructor.providers.openai.media:to_part",
    media_kinds=("image",),
)
