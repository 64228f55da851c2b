"""Static metadata of the google provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='google',
    package='google.genai',
    extra='google',
    factory='instructor.providers.google.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON,),
    legacy_modes=(Mode.GENAI_TOOLS, Mode.GENAI_JSON, Mode.GENAI_STRUCTURED_OUTPUTS,),
    env_vars=('GOOGLE_API_KEY', 'GEMINI_API_KEY'),
    requires_api_key=True,
    base_url=None,
    docs_url='https://ai.google.dev/gemini-api/docs',
    description='Google Gemini through the google-genai SDK',
    distribution="google-genai",
    # Vertex AI authenticates with Google Cloud credentials instead of a key
    options={"key_optional_with": ("vertexai",), "key_optional_env": "GOOGLE_GENAI_USE_VERTEXAI"},
    media="instructor.providers.google.media:to_part",
)
