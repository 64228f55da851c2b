"""Clients for AWS Bedrock's Converse API, through boto3's `bedrock-runtime` client.

`from_bedrock` wraps a client you built; `create_client` is the factory behind
`from_provider("bedrock/<model-id>")` and builds the boto3 client from kwargs or
the AWS environment (profile, keys, region). boto3 has no async client, so the
async client runs each `converse` call in a worker thread (`asyncio.to_thread`)
and reads a stream one event per thread hop. `stream=True` in a request calls
`converse_stream` and returns its event iterable.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from instructor.core.client import AsyncInstructor, Instructor
from instructor.core.dependencies import import_sdk
from instructor.core.exceptions import ConfigurationError, MissingAPIKeyError
from instructor.core.factory_utils import bind_family, check_mode, wrong_client
from instructor.core.provider_registry import ProviderConfig
from instructor.mode import Mode
from instructor.providers.bedrock.models import select_mode

#: the region used when none is configured anywhere (the published release's default)
DEFAULT_REGION = "us-east-1"
#: `from_provider` keywords that configure the boto3 session (credentials, profile, region)
SESSION_KWARGS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region_name",
                  "profile_name", "botocore_session", "aws_account_id")
#: `from_provider` keywords that configure the boto3 client
CLIENT_KWARGS = ("endpoint_url", "config", "verify", "use_ssl", "api_version")


def _converse(client: Any) -> Callable[..., Any]:
    """`client.converse`, or `converse_stream`'s events when the request asks for a stream."""
    converse, converse_stream = client.converse, client.converse_stream

    def create(stream: bool = False, **request: Any) -> Any:
        # the mode handler has shaped the request (`response_model=None` calls too): only the method is picked here
        if stream:
            return converse_stream(**request)["stream"]
        return converse(**request)

    return create


class _EventsInThread:
    """boto3's blocking event stream as an async iterable: each event is read in a worker thread."""

    __slots__ = ("_events", "_iterator")
    _DONE = object()

    def __init__(self, events: Any) -> None:
        self._events = events
        self._iterator = iter(events)

    def __aiter__(self) -> _EventsInThread:
        return self

    async def __anext__(self) -> Any:
        import asyncio

        event = await asyncio.to_thread(next, self._iterator, self._DONE)
        if event is self._DONE:
            raise StopAsyncIteration
        return event

    def close(self) -> None:
        """Close the HTTP response under the stream (the client calls this when it stops reading)."""
        close = getattr(self._events, "close", None)
        if close is not None:
            close()


def _in_thread(create: Callable[..., Any]) -> Callable[..., Any]:
    async def create_in_thread(**kwargs: Any) -> Any:
        import asyncio

        result = await asyncio.to_thread(create, **kwargs)
        return _EventsInThread(result) if kwargs.get("stream") else result

    return create_in_thread


def from_bedrock(
    client: Any,
    mode: Mode | None = None,
    async_client: bool = False,
    model: str | None = None,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """Wrap a boto3 `bedrock-runtime` client (Converse API).

    Messages may be written OpenAI-style (system messages, text and image_url
    parts, `model`, `max_tokens`, `temperature`): they are converted to Converse's.

    Args:
        client: `boto3.client("bedrock-runtime")`.
        mode: TOOLS, TOOLS_STRICT, MD_JSON or JSON_SCHEMA (BEDROCK_TOOLS / BEDROCK_JSON
            map to TOOLS / MD_JSON with a warning); by default chosen from the model's
            family: TOOLS where Converse supports tool use, else MD_JSON.
        async_client: return an `AsyncInstructor` that runs the boto3 calls in a
            worker thread.
        model: the default model id of every request.
        **kwargs: defaults for every `create` call (`max_tokens`...);
            `provider` and `hooks` configure the instructor client itself.

    Raises:
        UnsupportedModeError: (a `ModeError`) `mode` is not one Bedrock serves.
        ClientError: (also a TypeError) `client` is not a `bedrock-runtime` client.

    Example:
        >>> import boto3, instructor
        >>> client = instructor.from_bedrock(boto3.client("bedrock-runtime", region_name="us-east-1"),
        ...                                  model="anthropic.claude-3-5-haiku-20241022-v1:0")
        >>> user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    """
    from instructor.providers.bedrock.config import CONFIG

    if model is not None:
        kwargs["model"] = model
    if mode is None:
        default_model = kwargs.get("model") or kwargs.get("modelId")
        mode = select_mode(default_model) if default_model else Mode.TOOLS
    resolved = check_mode(mode, CONFIG, "from_bedrock")
    service = getattr(getattr(getattr(client, "meta", None), "service_model", None), "service_name", None)
    if service != "bedrock-runtime" or not hasattr(client, "converse"):
        raise wrong_client(
            "from_bedrock", ["botocore.client.BaseClient (a boto3 'bedrock-runtime' client)"], client,
            f"(service {service!r}). Build one with boto3.client('bedrock-runtime', region_name=...), "
            "or use instructor.from_provider('bedrock/<model-id>').",
        )
    provider = kwargs.pop("provider", "bedrock")
    bind_family(provider, CONFIG.name)
    create = _converse(client)
    if async_client:
        return AsyncInstructor(client, _in_thread(create), resolved, provider=provider, **kwargs)
    return Instructor(client, create, resolved, provider=provider, **kwargs)


def _explicit_api_key(config: ProviderConfig, api_key: str | None) -> bool:
    """Whether `api_key` was passed by the caller (the registry also fills it from env vars)."""
    return bool(api_key) and api_key not in {os.environ.get(var) for var in config.env_vars}


def create_client(
    config: ProviderConfig,
    model: str,
    /,
    *,
    api_key: str | None,
    async_client: bool,
    mode: Mode,
    **kwargs: Any,
) -> Instructor | AsyncInstructor:
    """The factory of `from_provider("bedrock/<model-id>")`.

    Credentials and region come from the keywords in `SESSION_KWARGS`
    (`region` is accepted for `region_name`), else from the AWS environment as
    boto3 reads it (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`,
    `~/.aws`, instance roles, `AWS_BEARER_TOKEN_BEDROCK`); the region also from
    `AWS_REGION`. `endpoint_url`, `config` (a `botocore.config.Config`), `verify`
    go to the client; other keywords become defaults of every `create` call.
    (`config` and `model` are positional-only here, so a `config=` keyword reaches boto3.)

    Raises:
        ConfigurationError: an `api_key` was passed (Bedrock takes AWS credentials),
            or the profile does not exist. With no region anywhere, `us-east-1` is used
            (as the published instructor does) with a warning naming it.
        MissingAPIKeyError: no AWS credentials can be found.
    """
    boto3 = import_sdk(config.package, extra=config.extra, provider=config.name)
    if _explicit_api_key(config, api_key):
        raise ConfigurationError(
            "Bedrock does not take api_key=: it signs requests with AWS credentials. Pass "
            "aws_access_key_id=..., aws_secret_access_key=... (and aws_session_token=...) or "
            "profile_name=..., or set them in the AWS environment; for a Bedrock API key set "
            "AWS_BEARER_TOKEN_BEDROCK."
        )
    if "region" in kwargs:
        kwargs.setdefault("region_name", kwargs.pop("region"))
    session_kwargs = {k: kwargs.pop(k) for k in SESSION_KWARGS if k in kwargs}
    client_kwargs = {k: kwargs.pop(k) for k in CLIENT_KWARGS if k in kwargs}
    hooks = kwargs.pop("hooks", None)
    try:
        session = boto3.Session(**session_kwargs)
    except Exception as exc:  # botocore.exceptions.ProfileNotFound, without importing botocore here
        raise ConfigurationError(
            f"Cannot open the AWS session for Bedrock: {exc}. Check profile_name / AWS_PROFILE "
            "against ~/.aws/config."
        ) from exc
    region = session.region_name or os.environ.get("AWS_REGION")
    if not region:
        import warnings

        region = DEFAULT_REGION
        warnings.warn(
            f"No AWS region is configured for Bedrock, so {DEFAULT_REGION!r} is used. Pass "
            "region='<region>' (or region_name=) to from_provider, or set AWS_REGION / "
            "AWS_DEFAULT_REGION, or a region in your AWS profile.",
            UserWarning,
            stacklevel=4,
        )
    if session.get_credentials() is None and not os.environ.get("AWS_BEARER_TOKEN_BEDROCK"):
        raise MissingAPIKeyError(
            "No AWS credentials for provider 'bedrock': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE (a profile in ~/.aws), or AWS_BEARER_TOKEN_BEDROCK, or pass "
            "aws_access_key_id=... and aws_secret_access_key=... (or profile_name=...) to from_provider.",
            provider=config.name,
            env_vars=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK"),
        )
    client = session.client("bedrock-runtime", region_name=region, **client_kwargs)
    return from_bedrock(client, mode=mode, async_client=async_client, model=model, provider=config.name,
                        hooks=hooks, **kwargs)
