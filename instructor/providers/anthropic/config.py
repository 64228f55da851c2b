"""Static metadata of the anthropic provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import Capabilities, ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='anthropic',
    package='anthropic',
    extra='anthropic',
    factory='instructor.providers.anthropic.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.PARALLEL_TOOLS, Mode.MD_JSON,),
    legacy_modes=(Mode.ANTHROPIC_TOOLS, Mode.ANTHROPIC_REASONING_TOOLS, Mode.ANTHROPIC_JSON, Mode.ANTHROPIC_PARALLEL_TOOLS,),
    env_vars=('ANTHROPIC_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://docs.anthropic.com/',
    description='Anthropic Messages',
    capabilities=Capabilities(vision=True),
    media="instructor.providers.anthropic.media:to_part",
    media_kinds=("image", "pdf"),
)
