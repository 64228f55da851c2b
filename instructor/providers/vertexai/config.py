"""Static metadata of the vertexai provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='vertexai',
    package='vertexai',
    extra='vertexai',
    factory='instructor.providers.vertexai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.MD_JSON, Mode.PARALLEL_TOOLS,),
    legacy_modes=(Mode.VERTEXAI_TOOLS, Mode.VERTEXAI_JSON, Mode.VERTEXAI_PARALLEL_TOOLS,),
    env_vars=('GOOGLE_CLOUD_PROJECT',),
    requires_api_key=False,
    base_url=None,
    docs_url='https://cloud.google.com/vertex-ai/generative-ai/docs',
    description="Google Vertex AI SDK (deprecated: use 'google' with vertexai=True)",
    deprecated=True,
    deprecation_message="The 'vertexai' provider is deprecated: Google is retiring the Vertex AI generative SDK. Use from_provider('google/<model>', vertexai=True) with the google-genai SDK instead.",
    distribution="google-cloud-aiplatform",
    # media objects are not converted for the deprecated Vertex AI SDK
    media="instructor.providers.openai.media:to_part",
    media_kinds=(),
)
