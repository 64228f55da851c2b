"""Clients for Gemini through the deprecated google-generativeai SDK.

The google-generativeai SDK is end-of-life; `from_provider("google/<model>")`
(google-genai) is the successor, and `from_provider("generative-ai/...")` warns
so. This path still works where the SDK is installed: `from_gemini` wraps a
`genai.GenerativeModel`, `stream=True` goes to `generate_content(stream=True)`.

Testing note: with `transport="rest"` the SDK's sync calls go over HTTP and are
tested end to end against the fake provider; its async calls always use gRPC,
which cannot be pointed at the local HTTP server, so the async path is tested
on the SDK's own response objects built in the test.
"""

from __future__ import annotations

from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ClientError
from instructor.core.factory_utils import bind_family, check_mode
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.generative_ai.config import CONFIG

#: `genai.configure` arguments a `from_provider` call may carry
CONFIGURE_KEYS = ("transport", "client_options", "credentials", "default_metadata")


def from_gemini(
    client: Any,
    mode: Mode = Mode.MD_JSON,
    use_async: bool = False,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap a `google.generativeai.GenerativeModel` (deprecated SDK: prefer `from_genai`).

    Args:
        client: the `GenerativeModel`; its model name is the one used.
        mode: `Mode.GEMINI_TOOLS` (default) or `Mode.GEMINI_JSON`.
        use_async: return an `AsyncInstructor` (over `generate_content_async`).
        **kwargs: defaults for every `create` call (`temperature`, `max_tokens`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        MissingDependencyError: google-generativeai is not installed.
        UnsupportedModeError: `mode` is not a generative-ai mode.
        ClientError: (also a TypeError) `client` is not a `GenerativeModel`.

    Example:
        >>> import google.generativeai as genai
        >>> genai.configure(api_key=...)
        >>> client = instructor.from_gemini(genai.GenerativeModel("gemini-1.5-flash"))
    """
    genai = import_sdk("google.generativeai", extra=CONFIG.extra, provider=CONFIG.name)
    resolved = check_mode(mode, CONFIG, "from_gemini")
    if not isinstance(client, genai.GenerativeModel):
        raise ClientError(
            f"from_gemini expects a google.generativeai.GenerativeModel, got {type(client).__name__}."
        )
    provider = kwargs.pop("provider", CONFIG.name)
    bind_family(provider, CONFIG.name)
    kwargs.pop("model", None)  # the GenerativeModel's own
    if use_async:
        return AsyncInstructor(client, client.generate_content_async, resolved, provider=provider, **kwargs)
    return Instructor(client, client.generate_content, resolved, provider=provider, **kwargs)


def create_client(
    config: ProviderConfig,
    model: str,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory `from_provider("generative-ai/<model>")` calls.

    `transport`, `client_options`... go to `genai.configure` with the API key
    (`base_url=` means `client_options={"api_endpoint": ...}` over REST);
    `system_instruction` goes to the `GenerativeModel`.
    """
    genai = import_sdk("google.generativeai", extra=config.extra, provider=config.name)
    hooks = kwargs.pop("hooks", None)
    if kwargs.get("base_url"):  # the spelling every other provider uses; REST is what reaches a URL
        kwargs["client_options"] = {**(kwargs.get("client_options") or {}), "api_endpoint": str(kwargs["base_url"])}
        kwargs.setdefault("transport", "rest")
    kwargs.pop("base_url", None)
    options = {key: kwargs.pop(key) for key in CONFIGURE_KEYS if key in kwargs}
    genai.configure(api_key=api_key, **options)
    system = kwargs.pop("system_instruction", None)
    client = genai.GenerativeModel(model, system_instruction=system)
    return from_gemini(client, mode, use_async=async_client, provider=config.name, hooks=hooks, **kwargs)
