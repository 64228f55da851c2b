"""Static metadata of the litellm provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='litellm',
    package='litellm',
    extra='litellm',
    factory='instructor.providers.litellm.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.TOOLS_STRICT, Mode.PARALLEL_TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA,),
    legacy_modes=(Mode.FUNCTIONS, Mode.JSON_O1,),
    env_vars=(),
    requires_api_key=False,
    base_url=None,
    docs_url='https://docs.litellm.ai/',
    description="LiteLLM's completion/acompletion functions (keys read by LiteLLM itself)",
    media="instructor.providers.openai.media:to_part",
)
