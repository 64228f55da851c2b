"""Static metadata of the writer provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='writer',
    package='writerai',
    extra='writer',
    factory='instructor.providers.writer.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON,),
    legacy_modes=(Mode.WRITER_TOOLS, Mode.WRITER_JSON,),
    env_vars=('WRITER_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://dev.writer.com/',
    description='Writer Palmyra',
    distribution="writer-sdk",
    media="instructor.providers.openai.media:to_part",
    media_kinds=(),
)
