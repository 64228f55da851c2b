"""Static metadata of the generative-ai provider: pure data, imports none of its SDK."""

from dataclasses import replace

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='generative-ai',
    package='google.generativeai',
    extra='generative-ai',
    factory='instructor.providers.generative_ai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.MD_JSON,),
    legacy_modes=(Mode.GEMINI_TOOLS, Mode.GEMINI_JSON,),
    env_vars=('GOOGLE_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://ai.google.dev/gemini-api/docs/migrate',
    description="Google generative-ai SDK (deprecated: use 'google')",
    deprecated=True,
    deprecation_message="The 'generative-ai' provider is deprecated: the google-generativeai SDK is end-of-life. Use from_provider('google/<model>') with the google-genai SDK instead.",
    distribution="google-generativeai",
    # media objects are not converted for the deprecated google-generativeai SDK
    media="instructor.providers.openai.media:to_part",
    media_kinds=(),
)

#: the published release's `from_provider("gemini/<model>")`: the same SDK and client as
#: 'generative-ai', under the published name and default mode (MD_JSON, as `from_gemini`)
GEMINI = replace(
    CONFIG,
    name='gemini',
    default_mode=Mode.MD_JSON,
    description="Google generative-ai SDK under its published name (deprecated: use 'google')",
    deprecation_message="The 'gemini' provider uses the google-generativeai SDK, which is end-of-life. Use from_provider('google/<model>') with the google-genai SDK instead.",
)
