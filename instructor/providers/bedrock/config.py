"""Static metadata of the bedrock provider: pure data, imports none of its SDK."""

from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode

CONFIG = ProviderConfig(
    name='bedrock',
    package='boto3',
    extra='bedrock',
    factory='instructor.providers.bedrock.factory:create_client',
    default_mode=Mode.TOOLS,
    supported_modes=(Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON_SCHEMA, Mode.MD_JSON,),
    legacy_modes=(Mode.BEDROCK_TOOLS, Mode.BEDROCK_JSON,),
    env_vars=('AWS_ACCESS_KEY_ID', 'AWS_PROFILE'),
    requires_api_key=False,
    base_url=None,
    docs_url='https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference.html',
    mode_selector='instructor.providers.bedrock.models:select_mode',
    description='AWS Bedrock Converse (credentials and region from kwargs or the AWS environment)',
    media="instructor.providers.bedrock.media:to_part",
)
