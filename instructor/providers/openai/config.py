"""Static metadata of the openai provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='openai',
    package='openai',
    extra='openai',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.TOOLS_STRICT, Mode.PARALLEL_TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA,
                     Mode.RESPONSES_TOOLS,),
    # GEMINI_JSON: an OpenAI-compatible endpoint serving Gemini (OpenRouter...), read as the MD_JSON it stands for
    legacy_modes=(Mode.FUNCTIONS, Mode.JSON_O1, Mode.RESPONSES_TOOLS_WITH_INBUILT_TOOLS, Mode.GEMINI_JSON,),
    env_vars=('OPENAI_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://platform.openai.com/docs',
    description='OpenAI Chat Completions',
    media="instructor.providers.openai.media:to_part",
)
