"""Static metadata of the fireworks provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='fireworks',
    package='fireworks',
    extra='fireworks',
    factory='instructor.providers.fireworks.factory:create_client',
    default_mode=Mode.FIREWORKS_TOOLS,
    supported_modes=(Mode.FIREWORKS_TOOLS, Mode.FIREWORKS_JSON,),
    env_vars=('FIREWORKS_API_KEY',),
    requires_api_key=True,
    base_url=None,
    docs_url='https://docs.fireworks.ai/',
    description='Fireworks AI',
    distribution="fireworks-ai",
)
