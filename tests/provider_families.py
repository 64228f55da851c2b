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


@dataclass(frozen=True, eq=False)
class Family:
    """How to drive one provider (in one mode) through `FakeProvider`.

    Attributes:
        id: the test id (`openai-tools`).
        provider: the `from_provider` prefix.
        package: the SDK's import name; the family is left out when it is absent.
        mode: the mode under test.
        connect: keyword arguments of `from_provider` that point the SDK at the fake
            server, given the server and the SDK retry count and timeout to use.
        answer: the model's answer carrying `arguments` for the tool/model `name`
            (a dict, or raw text sent as is).
        wrong_tool: the model calls a tool that was not asked for (None: the mode has no tools).
        no_answer: the model answers in prose, without the structured answer.
        empty: the model sends an empty message.
        refusal: the model refuses.
        errors: HTTP status -> the dotted name of the SDK exception it becomes.
        retryable: the statuses the SDK retries on its own.
        timeout_error: dotted name of the SDK's timeout exception.
        connection_error: dotted name of the SDK's exception for a dropped connection.
        retry_headers: response headers that make the SDK's retry wait short.
    """

    id: str
    provider: str
    package: str
    mode: Mode
    connect: Callable[[FakeProvider, int, float], dict[str, Any]]
    answer: Callable[[str, Arguments], Reply]
    wrong_tool: Callable[[], Reply] | None
    no_answer: Callable[[], Reply]
    empty: Callable[[], Reply]
    refusal: Callable[[], Reply]
    errors: Mapping[int, str]
    retryable: frozenset[int]
    timeout_error: str
    connection_error: str
    retry_headers: Mapping[str, str] = field(default_factory=dict)
    model: str = "fake-model"

    def __str__(self) -> str:
        return self.id

    def length(self, name: str, arguments: Arguments) -> Reply:
        """The answer cut off by the output-token limit."""
        reply = self.answer(name, arguments)
        reply.stop = "length"
        return reply

    def error(self, status: int) -> type[BaseException]:
        """The SDK exception class an HTTP `status` becomes."""
        return load(self.errors[status])

    def client(self, fake: FakeProvider, *, sdk_retries: int = 0, timeout: float = 10.0,
               async_client: bool = False, **kw: Any) -> Any:
        """An instructor client for this family, talking to `fake`."""
        import instructor

        kwargs = {"api_key": "sk-fake-key", **self.connect(fake, sdk_retries, timeout), **kw}
        return instructor.from_provider(f"{self.provider}/{self.model}", mode=self.mode,
                                        async_client=async_client, **kwargs)


def load(dotted: str) -> Any:
    """`"package.module.Name"` -> the object."""
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _text(arguments: Arguments) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


# -- OpenAI Chat Completions (and the providers that speak it) --------------------------------------

OPENAI_ERRORS = {
    400: "openai.BadRequestError",
    401: "openai.AuthenticationError",
    429: "openai.RateLimitError",
    500: "openai.InternalServerError",
    529: "openai.InternalServerError",
}


def _openai_connect(fake: FakeProvider, retries: int, timeout: float) -> dict[str, Any]:
    return {"base_url": fake.openai_base_url, "max_retries": retries, "timeout": timeout}


def _openai_tools_answer(name: str, arguments: Arguments) -> Reply:
    return Reply.tool(name, arguments if isinstance(arguments, str) else dict(arguments))


def _openai_json_answer(name: str, arguments: Arguments) -> Reply:
    return Reply.text(_text(arguments))


_OPENAI_COMMON: dict[str, Any] = {
    "provider": "openai",
    "package": "openai",
    "connect": _openai_connect,
    "no_answer": lambda: Reply.text("I would rather chat about the weather."),
    "empty": lambda: Reply(content=""),
    "refusal": lambda: Reply(refusal="I can't help with that."),
    "errors": OPENAI_ERRORS,
    "retryable": frozenset({429, 500, 529}),
    "timeout_error": "openai.APITimeoutError",
    "connection_error": "openai.APIConnectionError",
    "retry_headers": {"retry-after-ms": "1"},
    "model": "gpt-4o-mini",
}

FAMILIES: list[Family] = [
    Family(id="openai-tools", mode=Mode.TOOLS, answer=_openai_tools_answer,
           wrong_tool=lambda: Reply.tool("SomethingElse", {"x": 1}), **_OPENAI_COMMON),
    Family(id="openai-json", mode=Mode.JSON, answer=_openai_json_answer, wrong_tool=None, **_OPENAI_COMMON),
]


def installed_families() -> list[Family]:
    """The families whose SDK is installed (all of them under the `dev` extra)."""
    return [f for f in FAMILIES if is_installed(f.package)]


def tool_families() -> list[Family]:
    """Installed families whose mode answers through a tool call."""
    return [f for f in installed_families() if f.wrong_tool is not None]
