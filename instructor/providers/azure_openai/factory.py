"""Azure OpenAI: the OpenAI client with an endpoint, an API version and a deployment."""

from __future__ import annotations

import os
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ConfigurationError
from instructor.core.factory_utils import split_client_kwargs
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.openai.factory import from_openai


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """`model` is the Azure deployment name; endpoint and API version come from kwargs or env.

    The endpoint: `azure_endpoint=` (or `base_url=`), else `AZURE_OPENAI_ENDPOINT`. The API
    version: `api_version=`, else `OPENAI_API_VERSION`, else the config's default. The
    credential: `api_key`, or a Microsoft Entra ID `azure_ad_token=` / `azure_ad_token_provider=`
    (or `AZURE_OPENAI_AD_TOKEN`) in its place. Other SDK options (`azure_deployment`,
    `timeout`...) go to the client.
    """
    openai = import_sdk("openai", extra=config.extra, provider=config.name)
    cls = openai.AsyncAzureOpenAI if async_client else openai.AzureOpenAI
    hooks = kwargs.pop("hooks", None)
    options = config.options
    # both spellings are popped: the SDK refuses base_url and azure_endpoint together
    endpoint = kwargs.pop("azure_endpoint", None)
    base_url = kwargs.pop("base_url", None)
    endpoint = endpoint or base_url or os.environ.get(options["endpoint_env"])
    if not endpoint:
        raise ConfigurationError(
            f"Azure OpenAI needs an endpoint: set {options['endpoint_env']} or pass azure_endpoint=... "
            "(for example 'https://my-resource.openai.azure.com')."
        )
    api_version = kwargs.pop("api_version", None) or os.environ.get(options["api_version_env"]) \
        or options["default_api_version"]
    client_kwargs, defaults = split_client_kwargs(cls, kwargs)
    api_key = _key_unless_a_token_replaces_it(config, api_key, kwargs)
    client = cls(api_key=api_key, azure_endpoint=endpoint, api_version=api_version, **client_kwargs)
    return from_openai(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)


_TOKEN_KEYWORDS = ("azure_ad_token", "azure_ad_token_provider")


def _key_unless_a_token_replaces_it(config: ProviderConfig, api_key: str | None, kwargs: dict[str, Any]) -> str | None:
    """The API key to give the SDK, or None when an Entra ID token takes its place.

    The registry found `api_key` in the keyword or in AZURE_OPENAI_API_KEY. The SDK
    ranks an explicit token above a key from the environment, and AZURE_OPENAI_AD_TOKEN
    above AZURE_OPENAI_API_KEY; a key from the environment gives way in the same order.
    An explicit key and an explicit token together are a mistake the caller must resolve.
    """
    given = [name for name in _TOKEN_KEYWORDS if kwargs.get(name) is not None]
    key_from_env = api_key is not None and api_key in {os.environ.get(var) for var in config.env_vars}
    if api_key and not key_from_env:
        given.insert(0, "api_key")
    if len(given) > 1:
        raise ConfigurationError(
            f"Azure OpenAI takes only one of api_key, azure_ad_token and azure_ad_token_provider; "
            f"got {' and '.join(given)}. Pass the one you mean to authenticate with."
        )
    token_env = config.options.get("credential_env_vars", ())
    if key_from_env and (given or any(os.environ.get(var) for var in token_env)):
        return None
    return api_key
