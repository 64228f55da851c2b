"""Static metadata of the cerebras provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='cerebras',
    package='cerebras.cloud.sdk',
    extra='cerebras',
    factory='instructor.providers.cerebras.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.JSON,),
    legacy_modes=(Mode.CEREBRAS_TOOLS, Mode.CEREBRAS_JSON,),
    env_vars=('CEREBRAS_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://inference-docs.cerebras.ai/',
    description='Cerebras',
    distribution="cerebras-cloud-sdk",
    media="instructor.providers.openai.media:to_part",
    media_kinds=(),
)
