"""Static metadata of the databricks provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='databricks',
    package='openai',
    extra='openai',
    factory='instructor.providers.openai.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS,),
    legacy_modes=(Mode.FUNCTIONS, Mode.TOOLS_STRICT, Mode.JSON_O1,),
    env_vars=('DATABRICKS_TOKEN', 'DATABRICKS_API_KEY'),
    requires_api_key=True,
    base_url=None,
    docs_url='https://docs.databricks.com/en/machine-learning/model-serving/',
    description='Databricks Model Serving (OpenAI-compatible; base URL from DATABRICKS_HOST + /serving-endpoints)',
    options={"base_url_env": ("DATABRICKS_BASE_URL", "DATABRICKS_HOST", "DATABRICKS_WORKSPACE_URL"),
             "base_url_suffix": "/serving-endpoints"},
)
