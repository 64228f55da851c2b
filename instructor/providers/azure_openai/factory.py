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
    version: `api_version=`, else `OPENAI_API_VERSION`, else the config's default. Other SDK
    options (`azure_deployment`, `azure_ad_token_provider`, `timeout`...) go to the client.
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
    client = cls(api_key=api_key, azure_endpoint=endpoint, api_version=api_version, **client_kwargs)
    return from_openai(client, mode=mode, model=model, provider=config.name, hooks=hooks, **defaults)
