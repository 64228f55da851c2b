"""Clients for Gemini through the deprecated Vertex AI SDK (`google-cloud-aiplatform`).

Google is retiring `vertexai.generative_models`; `from_provider("google/<model>",
vertexai=True)` (google-genai) is the successor, and `from_provider("vertexai/...")`
warns so. This path still works where the SDK is installed: `from_vertexai`
wraps a `GenerativeModel`, `stream=True` goes to `generate_content(stream=True)`.

Testing note: with `api_transport="rest"` the SDK's sync calls go over HTTP and
are tested end to end against the fake provider; its async calls always use
gRPC, which cannot be pointed at the local HTTP server, so the async path is
tested on the SDK's own response objects built in the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ClientError
from instructor.core.factory_utils import bind_family, check_mode
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.vertexai.config import CONFIG
from instructor.providers.vertexai.request import to_sdk

#: `vertexai.init` arguments a `from_provider` call may carry
INIT_KEYS = ("project", "location", "credentials", "api_endpoint", "api_transport", "api_key",
             "service_account", "request_metadata", "experiment", "staging_bucket")


def _sync_create(model: Any) -> Callable[..., Any]:
    """`generate_content` of a request the mode handler shaped (`response_model=None` calls too): its
    plain tool and config dicts become the SDK's objects here, at the border, so hooks, re-asks and
    cache keys see plain data."""

    def generate_content(**request: Any) -> Any:
        return model.generate_content(**to_sdk(request))

    return generate_content


def _async_create(model: Any) -> Callable[..., Any]:
    async def generate_content(**request: Any) -> Any:
        return await model.generate_content_async(**to_sdk(request))

    return generate_content


def from_vertexai(
    client: Any,
    mode: Mode = Mode.TOOLS,
    use_async: bool = False,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap a `vertexai.generative_models.GenerativeModel` (deprecated SDK: prefer `from_genai`).

    Args:
        client: the `GenerativeModel`; its model name is the one used.
        mode: `Mode.VERTEXAI_TOOLS` (default), `Mode.VERTEXAI_PARALLEL_TOOLS` or `Mode.VERTEXAI_JSON`.
        use_async: return an `AsyncInstructor` (over `generate_content_async`).
        **kwargs: defaults for every `create` call (`temperature`, `max_tokens`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: google-cloud-aiplatform is not installed.
        UnsupportedModeError: `mode` is not a Vertex AI mode.
        ClientError: (also a TypeError) `client` is not a `GenerativeModel`.

    Example:
        >>> import vertexai
        >>> from vertexai.generative_models import GenerativeModel
        >>> vertexai.init(project="my-project", location="us-central1")
        >>> client = instructor.from_vertexai(GenerativeModel("gemini-1.5-pro"))
    """
    gm = import_sdk("vertexai.generative_models", extra=CONFIG.extra, provider=CONFIG.name)
    resolved = check_mode(mode, CONFIG, "from_vertexai")
    if not isinstance(client, gm.GenerativeModel):
        raise ClientError(
            f"from_vertexai expects a vertexai.generative_models.GenerativeModel, got {type(client).__name__}."
        )
    provider = kwargs.pop("provider", CONFIG.name)
    bind_family(provider, CONFIG.name)
    kwargs.pop("model", None)  # the GenerativeModel's own
    if use_async:
        return AsyncInstructor(client, _async_create(client), resolved, provider=provider, **kwargs)
    return Instructor(client, _sync_create(client), resolved, provider=provider, **kwargs)


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("vertexai/<model>")` calls.

    `project`, `location`, `credentials`, `api_endpoint`, `api_transport`... go to
    `vertexai.init` (GOOGLE_CLOUD_PROJECT and Application Default Credentials
    otherwise; `base_url=` means `api_endpoint` over REST); `system_instruction`
    goes to the `GenerativeModel`.
    """
    vertexai = import_sdk("vertexai", extra=config.extra, provider=config.name)
    gm = import_sdk("vertexai.generative_models", extra=config.extra, provider=config.name)
    hooks = kwargs.pop("hooks", None)
    if kwargs.get("base_url"):  # the spelling every other provider uses; REST is what reaches a URL
        kwargs["api_endpoint"] = str(kwargs.pop("base_url"))
        kwargs.setdefault("api_transport", "rest")
    kwargs.pop("base_url", None)
    init = {key: kwargs.pop(key) for key in INIT_KEYS if key in kwargs}
    if api_key and "api_key" not in init and "project" not in init:
        init["api_key"] = api_key
    if init:
        vertexai.init(**init)
    system = kwargs.pop("system_instruction", None)
    client = gm.GenerativeModel(model, system_instruction=system)
    return from_vertexai(client, mode, use_async=async_client, provider=config.name, hooks=hooks, **kwargs)
