"""Provider families for the cross-provider test matrices (faults, secrets, concurrency).

A family is one provider SDK (and one of its modes) driven through the fake provider:
how to build a client against it, how to script a good answer, a wrong tool, a
refusal..., and which of the SDK's own exceptions each HTTP failure becomes. The
tests in `test_faults.py`, `test_secrets.py` and `test_concurrency.py` are
parametrised over `installed_families()`, so adding a provider to the matrices
means adding one `Family` here.

Only families whose SDK is installed are returned (CI installs every SDK through
the `dev` extra, so nothing is skipped there).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from instructor import Mode
from instructor.core.dependencies import is_installed
from instructor.testing import FakeProvider, Reply

Arguments = Mapping[str, Any] | str
#: where an exception class lives: "package.module.Name", or a function giving it (read when a test needs it)
Dotted = str | Callable[[], str]


@dataclass(frozen=True, eq=False)
class Family:
    """How to drive one provider (in one mode) through `FakeProvider`.

    Attributes:
        id: the test id (`openai-tools`).
        provider: the `from_provider` prefix.
        package: the SDK's import name; the family is left out when it is absent.
        mode: the mode under test.
        connect: keyword arguments of `from_provider` that point the SDK at the fake
            server, given the server, the SDK's own retry count and its timeout (seconds).
        secret: keyword arguments that hand the client a secret (an API key...).
        secret_env: environment variables that hand the client the same secret.
        answer: the model's answer carrying `arguments` for the tool/model `name`
            (a dict, or raw text sent as is).
        wrong_tool: the model calls a tool that was not asked for (None: the mode has no tools).
        no_answer: the model answers in prose, without the structured answer.
        empty: the model sends an empty message.
        refusal: the model refuses.
        errors: HTTP status -> the dotted name of the SDK exception it becomes.
        retryable: the statuses the SDK retries on its own.
        timeout_error: the SDK's timeout exception (`Dotted`).
        connection_error: the SDK's exception for a dropped connection (None:
            the SDK returns an empty response instead, as boto3 does).
        retry_headers: response headers that make the SDK's retry wait short.
        secret_sent: whether the secret travels in a request header (an API key does; an AWS
            secret key only signs).
        exact_retries: whether `sdk_retries` is a count (False: the SDK retries for a span of
            time, so a retried error is sent at least twice rather than exactly n + 1 times).
        retries_timeouts: whether the SDK's own retries cover a read timeout.
        async_timeout_error: the async client's timeout exception, when it differs.
        model: the model name the client asks for.
    """

    id: str
    provider: str
    package: str
    mode: Mode
    connect: Callable[[FakeProvider, int, float], dict[str, Any]]
    answer: Callable[[str, Arguments], Reply]
    wrong_tool: Callable[[], Reply] | None
    errors: Mapping[int, str]
    retryable: frozenset[int]
    timeout_error: Dotted
    connection_error: Dotted | None
    model: str
    secret: Callable[[str], dict[str, Any]] = lambda key: {"api_key": key}
    secret_env: Callable[[str], dict[str, str]] = lambda key: {}
    no_answer: Callable[[], Reply] = lambda: Reply.text("I would rather chat about the weather.")
    empty: Callable[[], Reply] = lambda: Reply(content="")
    refusal: Callable[[], Reply] = lambda: Reply(stop="refusal")
    retry_headers: Mapping[str, str] = field(default_factory=lambda: {"retry-after-ms": "1"})
    secret_sent: bool = True
    exact_retries: bool = True
    retries_timeouts: bool = True
    async_timeout_error: Dotted | None = None

    def __str__(self) -> str:
        return self.id

    def length(self, name: str, arguments: Arguments) -> Reply:
        """The answer cut off by the output-token limit."""
        reply = self.answer(name, arguments)
        reply.stop = "length"
        return reply

    def timeout(self, use_async: bool) -> type[BaseException]:
        """The SDK exception a read timeout becomes, sync or async."""
        exc: type[BaseException] = load(self.async_timeout_error if use_async and self.async_timeout_error
                                        else self.timeout_error)
        return exc

    def error(self, status: int) -> type[BaseException]:
        """The SDK exception class an HTTP `status` becomes."""
        exc: type[BaseException] = load(self.errors[status])
        return exc

    def client(self, fake: FakeProvider, *, sdk_retries: int = 0, timeout: float = 10.0,
               async_client: bool = False, secret: str | None = "sk-fake-key", **kw: Any) -> Any:
        """An instructor client for this family, talking to `fake` (`secret=None`: from the environment)."""
        import instructor

        kwargs = {**self.connect(fake, sdk_retries, timeout), **(self.secret(secret) if secret else {}), **kw}
        return instructor.from_provider(f"{self.provider}/{self.model}", mode=self.mode,
                                        async_client=async_client, **kwargs)


def load(dotted: Dotted) -> Any:
    """`"package.module.Name"` (or a function giving it) -> the object."""
    module, _, name = (dotted() if callable(dotted) else dotted).rpartition(".")
    return getattr(importlib.import_module(module), name)


def _text(arguments: Arguments) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def tool_answer(name: str, arguments: Arguments) -> Reply:
    return Reply.tool(name, arguments if isinstance(arguments, str) else dict(arguments))


def text_answer(name: str, arguments: Arguments) -> Reply:
    return Reply.text(_text(arguments))


def other_tool() -> Reply:
    return Reply.tool("SomethingElse", {"x": 1})


# -- the Stainless-generated SDKs: OpenAI and those built like it ------------------------------------

def stainless_errors(package: str, overloaded: str = "InternalServerError") -> dict[int, str]:
    return {400: f"{package}.BadRequestError", 401: f"{package}.AuthenticationError",
            429: f"{package}.RateLimitError", 500: f"{package}.InternalServerError",
            529: f"{package}.{overloaded}"}


def stainless(package: str, *, base_url: Callable[[FakeProvider], str],
              **options: Any) -> Callable[[FakeProvider, int, float], dict[str, Any]]:
    def connect(fake: FakeProvider, retries: int, timeout: float) -> dict[str, Any]:
        return {"base_url": base_url(fake), "max_retries": retries, "timeout": timeout, **options}

    return connect


def _stainless_family(id: str, provider: str, package: str, mode: Mode, model: str, *, tools: bool,
                      base_url: Callable[[FakeProvider], str], env: str, errors: str | None = None,
                      overloaded: str = "InternalServerError", **kw: Any) -> Family:
    sdk = errors or package
    return Family(
        id=id, provider=provider, package=package, mode=mode, model=model,
        connect=stainless(package, base_url=base_url, **kw.pop("options", {})),
        answer=tool_answer if tools else text_answer,
        wrong_tool=other_tool if tools else None,
        errors=stainless_errors(sdk, overloaded),
        retryable=frozenset({429, 500, 529}),
        timeout_error=f"{sdk}.APITimeoutError",
        connection_error=f"{sdk}.APIConnectionError",
        secret_env=lambda key: {env: key},
        **kw,
    )


def _openai(fake: FakeProvider) -> str:
    return fake.openai_base_url


def _root(fake: FakeProvider) -> str:
    return fake.url


def _openai_refusal() -> Reply:
    return Reply(refusal="I can't help with that.")


FAMILIES: list[Family] = [
    _stainless_family("openai-tools", "openai", "openai", Mode.TOOLS, "gpt-4o-mini", tools=True,
                      base_url=_openai, env="OPENAI_API_KEY", refusal=_openai_refusal),
    _stainless_family("openai-json", "openai", "openai", Mode.JSON, "gpt-4o-mini", tools=False,
                      base_url=_openai, env="OPENAI_API_KEY", refusal=_openai_refusal),
    _stainless_family("anthropic-tools", "anthropic", "anthropic", Mode.TOOLS, "claude-sonnet-4-6",
                      tools=True, base_url=lambda fake: fake.anthropic_base_url, env="ANTHROPIC_API_KEY",
                      overloaded="OverloadedError"),
    _stainless_family("anthropic-json", "anthropic", "anthropic", Mode.JSON, "claude-sonnet-4-6",
                      tools=False, base_url=lambda fake: fake.anthropic_base_url, env="ANTHROPIC_API_KEY",
                      overloaded="OverloadedError"),
    _stainless_family("groq-tools", "groq", "groq", Mode.TOOLS, "llama-3.3-70b-versatile", tools=True,
                      base_url=_root, env="GROQ_API_KEY"),
    _stainless_family("cerebras-tools", "cerebras", "cerebras.cloud.sdk", Mode.TOOLS, "llama-3.3-70b",
                      tools=True, base_url=_root, env="CEREBRAS_API_KEY", errors="cerebras.cloud.sdk",
                      options={"warm_tcp_connection": False}),
    _stainless_family("fireworks-tools", "fireworks", "fireworks", Mode.TOOLS,
                      "accounts/fireworks/models/llama-v3p3-70b-instruct", tools=True, base_url=_root,
                      env="FIREWORKS_API_KEY"),
    _stainless_family("writer-tools", "writer", "writerai", Mode.TOOLS, "palmyra-x5", tools=True,
                      base_url=_root, env="WRITER_API_KEY"),
]


# -- AWS Bedrock Converse through boto3 ---------------------------------------------------------------

def _bedrock_connect(fake: FakeProvider, retries: int, timeout: float) -> dict[str, Any]:
    from botocore.config import Config

    return {"endpoint_url": fake.bedrock_endpoint_url, "region_name": "us-east-1",
            "config": Config(retries={"total_max_attempts": retries + 1, "mode": "standard"},
                             read_timeout=timeout, connect_timeout=timeout)}


_BEDROCK: dict[str, Any] = {
    "provider": "bedrock",
    "package": "boto3",
    "model": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "connect": _bedrock_connect,
    "secret": lambda key: {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": key},
    "secret_env": lambda key: {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": key},
    "errors": dict.fromkeys((400, 401, 429, 500, 529), "botocore.exceptions.ClientError"),
    "retryable": frozenset({429, 500}),  # botocore's standard mode: throttling and 500/502/503/504
    "timeout_error": "botocore.exceptions.ReadTimeoutError",
    "connection_error": None,  # boto3 returns an empty response for a body cut short
    "retry_headers": {},
    "secret_sent": False,  # the secret key signs requests (SigV4); only the access key id is sent
}

FAMILIES += [
    Family(id="bedrock-tools", mode=Mode.TOOLS, answer=tool_answer, wrong_tool=other_tool, **_BEDROCK),
    Family(id="bedrock-json", mode=Mode.MD_JSON, answer=text_answer, wrong_tool=None, **_BEDROCK),
]


# -- Google Gemini (google-genai), Mistral, Cohere: their own SDKs, their own wire formats -----------

def _genai_connect(fake: FakeProvider, retries: int, timeout: float) -> dict[str, Any]:
    options: dict[str, Any] = {"timeout": int(timeout * 1000)}
    if retries:  # google-genai retries only when asked to; no wait between attempts here
        options["retry_options"] = {"attempts": retries + 1, "initial_delay": 0.0, "max_delay": 0.0, "jitter": 0.0}
    return {"base_url": fake.genai_base_url, "http_options": options}


def _genai_transport(name: str, *, use_async: bool = False) -> Callable[[], str]:
    """`name` from the HTTP library google-genai picked here: httpx (2.x), httpx2 (3.x), as the SDK decides
    (GOOGLE_GENAI_HTTP_CLIENT, what is installed); its async client runs on aiohttp when that is installed."""

    def dotted() -> str:
        from google.genai import _api_client

        if use_async and _api_client.has_aiohttp:
            return "builtins.TimeoutError"  # aiohttp's read timeout, as the SDK raises it
        return f"{_api_client._get_http_client_backend()}.{name}"

    return dotted


_GENAI: dict[str, Any] = {
    "provider": "google",
    "package": "google.genai",
    "model": "gemini-2.5-flash",
    "connect": _genai_connect,
    "secret_env": lambda key: {"GOOGLE_API_KEY": key},
    "errors": {400: "google.genai.errors.ClientError", 401: "google.genai.errors.ClientError",
               429: "google.genai.errors.ClientError", 500: "google.genai.errors.ServerError",
               529: "google.genai.errors.ServerError"},
    "retryable": frozenset({429, 500}),  # google-genai's list: 408, 429, 500, 502, 503, 504
    "timeout_error": _genai_transport("ReadTimeout"),
    "async_timeout_error": _genai_transport("ReadTimeout", use_async=True),
    "connection_error": _genai_transport("RemoteProtocolError"),
}


def _mistral_connect(fake: FakeProvider, retries: int, timeout: float) -> dict[str, Any]:
    from mistralai.client.utils.retries import BackoffStrategy, RetryConfig

    # mistralai retries for a span of time, not a number of times: 50 ms apart (the fake's retry-after-ms
    # header) for at most 300 ms, so a first request slowed by a busy machine (tests run in parallel) is
    # still retried, and a failing endpoint is asked seven times at most
    retry = (RetryConfig("backoff", BackoffStrategy(1, 1, 1.0, 300), retry_connection_errors=False) if retries
             else RetryConfig("none", BackoffStrategy(1, 1, 1.0, 1), retry_connection_errors=False))
    return {"server_url": fake.mistral_server_url, "timeout_ms": int(timeout * 1000), "retry_config": retry}


_MISTRAL: dict[str, Any] = {
    "provider": "mistral",
    "package": "mistralai",
    "model": "mistral-large-latest",
    "connect": _mistral_connect,
    "secret_env": lambda key: {"MISTRAL_API_KEY": key},
    "errors": dict.fromkeys((400, 401, 429, 500, 529), "mistralai.client.errors.MistralError"),
    "retryable": frozenset({429, 500}),
    "exact_retries": False,
    "retry_headers": {"retry-after-ms": "50"},
    "retries_timeouts": False,
    "timeout_error": "httpx2.ReadTimeout",
    "connection_error": "httpx2.RemoteProtocolError",
    "refusal": lambda: Reply.text("I can't help with that."),
}


def _cohere_connect(fake: FakeProvider, retries: int, timeout: float) -> dict[str, Any]:
    # the cohere SDK takes its retry count per request: it becomes a default of every create
    return {"base_url": fake.cohere_base_url, "timeout": timeout, "request_options": {"max_retries": retries}}


_COHERE: dict[str, Any] = {
    "provider": "cohere",
    "package": "cohere",
    "model": "command-a-03-2025",
    "connect": _cohere_connect,
    "secret_env": lambda key: {"CO_API_KEY": key},
    "errors": {400: "cohere.BadRequestError", 401: "cohere.UnauthorizedError", 429: "cohere.TooManyRequestsError",
               500: "cohere.InternalServerError", 529: "cohere.core.api_error.ApiError"},
    "retryable": frozenset({429, 500, 529}),
    "retries_timeouts": False,
    "timeout_error": "httpx.ReadTimeout",
    "connection_error": "httpx.RemoteProtocolError",
    "refusal": lambda: Reply.text("I can't help with that."),
}

FAMILIES += [
    Family(id="google-tools", mode=Mode.TOOLS, answer=tool_answer, wrong_tool=other_tool, **_GENAI),
    Family(id="google-json", mode=Mode.JSON, answer=text_answer, wrong_tool=None, **_GENAI),
    Family(id="mistral-tools", mode=Mode.TOOLS, answer=tool_answer, wrong_tool=other_tool, **_MISTRAL),
    Family(id="mistral-json", mode=Mode.JSON_SCHEMA, answer=text_answer, wrong_tool=None,
           **_MISTRAL),
    Family(id="cohere-tools", mode=Mode.TOOLS, answer=tool_answer, wrong_tool=other_tool, **_COHERE),
    Family(id="cohere-json", mode=Mode.JSON_SCHEMA, answer=text_answer, wrong_tool=None, **_COHERE),
]


def installed_families() -> list[Family]:
    """The families whose SDK is installed (all of them under the `dev` extra)."""
    return [f for f in FAMILIES if is_installed(f.package)]


def tool_families() -> list[Family]:
    """Installed families whose mode answers through a tool call."""
    return [f for f in installed_families() if f.wrong_tool is not None]
