"""Static metadata of the azure_openai provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='azure_openai',
    package='openai',
    extra='azure',
    factory='instructor.providers.azure_openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.TOOLS_STRICT, Mode.PARALLEL_TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA,),
    legacy_modes=(Mode.FUNCTIONS, Mode.JSON_O1,),
    env_vars=('AZURE_OPENAI_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://learn.microsoft.com/azure/ai-services/openai/',
    description='Azure OpenAI (endpoint from AZURE_OPENAI_ENDPOINT, API version from OPENAI_API_VERSION; the model is the deployment name)',
    options={
        "endpoint_env": "AZURE_OPENAI_ENDPOINT",
        "api_version_env": "OPENAI_API_VERSION",
        "default_api_version": "2024-10-21",
        # Microsoft Entra ID (Azure AD): a token or a token provider instead of a key
        "key_optional_with": {"azure_ad_token": "...", "azure_ad_token_provider": "..."},
        "credential_env_vars": ("AZURE_OPENAI_AD_TOKEN",),
    },
    media="instructor.providers.openai.media:to_part",
)
