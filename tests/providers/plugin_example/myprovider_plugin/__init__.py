"""MyProvider: an OpenAI-compatible API, added to instructor by a third-party package.

The entry point names `provider`: a function returning the `ProviderConfig`.
Building it imports nothing heavy, so listing providers stays cheap; the factory
module (and the openai SDK) load only when a client is built.
"""

from instructor import Mode, ProviderConfig


def provider() -> ProviderConfig:
    """The declaration instructor reads from the `instructor.providers` entry point."""
    return ProviderConfig(
        name="myprovider",
        package="openai",
        extra="openai",
        factory="myprovider_plugin.factory:create_client",
        default_mode=Mode.JSON,
        supported_modes=(Mode.JSON, Mode.TOOLS, Mode.MD_JSON),
        env_vars=("MYPROVIDER_API_KEY",),
        base_url="https://api.myprovider.example/v1",
        docs_url="https://docs.myprovider.example",
        description="MyProvider (example third-party plugin)",
    )
