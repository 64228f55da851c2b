"""Clients for Gemini through the google-genai SDK: the Gemini API, or Vertex AI with `vertexai=True`.

`from_genai` wraps a `google.genai.Client` you built; `create_client` is the
factory behind `from_provider("google/<model>")`. Requests may be written as for
any provider (`messages`, `max_tokens`, `temperature`...): the mode handler folds
them into `generate_content(model, contents, config)` (`instructor.providers.google.request`),
and `stream=True` goes to `generate_content_stream`. Only the google-genai SDK is imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ClientError
from instructor.core.factory_utils import bind_family, check_mode, split_client_kwargs
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.google.config import CONFIG

VERTEXAI_ENV = "GOOGLE_GENAI_USE_VERTEXAI"


def _sync_create(models: Any) -> Callable[..., Any]:
    """`generate_content`, or `generate_content_stream` for `stream=True`: the request comes shaped
    by the mode handler (`response_model=None` calls too) and goes to the SDK as it is."""

    def generate_content(stream: bool = False, **request: Any) -> Any:
        if stream:
            return models.generate_content_stream(**request)
        return models.generate_content(**request)

    return generate_content


def _async_create(models: Any) -> Callable[..., Any]:
    async def generate_content(stream: bool = False, **request: Any) -> Any:
        if stream:
            return await models.generate_content_stream(**request)
        return await models.generate_content(**request)

    return generate_content


def from_genai(
    client: Any,
    mode: Mode = Mode.TOOLS,
    *,
    use_async: bool = False,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap a `google.genai.Client` (Gemini API or Vertex AI).

    Args:
        client: a `genai.Client`, or its async face `client.aio`.
        mode: `Mode.TOOLS` (default: a forced function call) or `Mode.JSON` (JSON
            constrained by the schema); GENAI_TOOLS / GENAI_JSON / GENAI_STRUCTURED_OUTPUTS
            map to these with a warning.
        model: the default model of every request.
        use_async: with a `genai.Client`, return an `AsyncInstructor` over `client.aio`.
        **kwargs: defaults for every `create` call (`model`, `max_tokens`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: the google-genai SDK is not installed.
        UnsupportedModeError: `mode` is not a google-genai mode.
        ClientError: (also a TypeError) `client` is not a google-genai client.

    Example:
        >>> from google import genai
        >>> client = instructor.from_genai(genai.Client(), model="gemini-2.5-flash")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    if model is not None:
        kwargs["model"] = model
    genai = import_sdk("google.genai", extra="google", provider="google")
    resolved = check_mode(mode, CONFIG, "from_genai")
    provider = kwargs.pop("provider", "google")
    bind_family(provider, CONFIG.name)
    async_type = genai.client.AsyncClient
    if isinstance(client, async_type):
        return AsyncInstructor(client, _async_create(client.models), resolved, provider=provider, **kwargs)
    if isinstance(client, genai.Client):
        if use_async:
            return AsyncInstructor(client, _async_create(client.aio.models), resolved, provider=provider, **kwargs)
        return Instructor(client, _sync_create(client.models), resolved, provider=provider, **kwargs)
    raise ClientError(
        f"from_genai expects a google.genai.Client (or its .aio), got {type(client).__name__}. "
        "Build one with genai.Client(api_key=...) or genai.Client(vertexai=True, project=..., location=...)."
    )


def _wants_vertexai(kwargs: dict[str, Any]) -> bool:
    flag = kwargs.pop("vertexai", None)
    if flag is None:
        flag = os.environ.get(VERTEXAI_ENV, "").strip().lower() in ("1", "true", "yes")
    return bool(flag)


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("google/<model>")` calls.

    `vertexai=True` (or GOOGLE_GENAI_USE_VERTEXAI=true) targets Vertex AI with
    `project`, `location` and `credentials` (Application Default Credentials when
    none are given); otherwise the Gemini API with an API key (the registry has
    checked there is one: the config names `vertexai` as the keyless way).
    `base_url=` is a shortcut for `http_options={"base_url": ...}`.
    """
    genai = import_sdk("google.genai", extra=config.extra, provider=config.name)
    hooks = kwargs.pop("hooks", None)
    vertexai = _wants_vertexai(kwargs)
    base_url = kwargs.pop("base_url", None)
    client_kwargs, defaults = split_client_kwargs(genai.Client, kwargs)
    if base_url:
        http_options = client_kwargs.get("http_options") or {}
        if not isinstance(http_options, dict):
            http_options = http_options.model_dump(exclude_none=True)
        client_kwargs["http_options"] = {**http_options, "base_url": str(base_url)}
    if vertexai:
        client_kwargs["vertexai"] = True
        # Vertex AI takes either credentials/project or an (express mode) API key, never both
        if api_key and not (client_kwargs.get("credentials") or client_kwargs.get("project")):
            client_kwargs["api_key"] = api_key
    elif api_key:
        client_kwargs["api_key"] = api_key
    client = genai.Client(**client_kwargs)
    return from_genai(client, mode, use_async=async_client, model=model, provider=config.name, hooks=hooks,
                      **defaults)
