"""Secrets: a sentinel API key never shows in logs, exception messages or reprs, client reprs,
hook payloads, or anything the library prints, for every provider.

Each family makes successful, re-asked, failed (401, length stop, raising hook, broken
stream) calls with the sentinel as its key, passed as an argument or through the
environment, while every logger records at DEBUG. Then every log record (message and
traceback), every exception (message, repr, attributes, causes), the client's repr, every
hook payload and the captured stdout/stderr are searched for the sentinel. A positive
control proves the key was really used: the fake server saw it in a request header.
"""

from __future__ import annotations

import functools
import logging
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from provider_families import Family, installed_families
from pydantic import BaseModel, Field

import instructor
from instructor import HookName, InstructorError
from instructor.core.dependencies import is_installed
from instructor.testing import FakeProvider, Reply

SENTINEL = "sk-sentinel-7c1f3a9e5b2d4068"
CORE = "7c1f3a9e5b2d4068"  # a partly masked key ("sk-...4068") would still show this
FAMILIES = installed_families()
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
SDK_LOGGERS = ["openai", "anthropic", "httpx", "httpcore", "httpx2", "httpcore2", "botocore", "boto3",
               "urllib3", "groq", "cerebras", "fireworks", "writerai", "instructor"]


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


def _raising_hook(*args: Any, token: str, **kwargs: Any) -> None:
    raise RuntimeError("hook failed")


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    for name in SDK_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def exception_texts(exc: BaseException) -> Iterator[str]:
    """What a user could see of `exc`: message, repr, attributes, traceback, and its causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(vars(current))
        yield "".join(traceback.format_exception_only(type(current), current))
        for attempt in getattr(current, "failed_attempts", None) or ():
            yield repr(attempt)
            yield str(attempt.exception)
        current = current.__cause__ or current.__context__


def assert_clean(where: str, *texts: str) -> None:
    for text in texts:
        assert CORE not in text, f"the API key leaked into {where}: ...{text[max(0, text.find(CORE) - 200):][:400]}"


def exercise(family: Family, fake: FakeProvider, client: Any) -> tuple[list[BaseException], list[Any]]:
    """Every kind of call a user makes; returns the exceptions raised and every hook payload."""
    payloads: list[Any] = []
    for hook in HookName:
        client.on(hook, lambda *a, _hook=hook, **kw: payloads.append((_hook.value, a, kw)))
    client.on("completion:response", functools.partial(_raising_hook, token=SENTINEL))
    errors: list[BaseException] = []

    def attempt(call: Any) -> None:
        try:
            call()
        except Exception as exc:
            errors.append(exc)

    fake.add(family.answer("User", {"name": "Jason", "age": 25}))
    attempt(lambda: client.create(response_model=User, messages=MESSAGES))
    fake.add(family.answer("User", {"name": "J", "age": -1}), family.answer("User", "{"))
    attempt(lambda: client.create(response_model=User, messages=MESSAGES, max_retries=1))
    fake.add(Reply.http_error(401, "invalid x-api-key"))
    attempt(lambda: client.create(response_model=User, messages=MESSAGES))
    fake.add(family.length("User", '{"name": "Ja'))
    attempt(lambda: client.create(response_model=User, messages=MESSAGES))
    fake.add(family.answer("User", {"name": "Jason", "age": 25}))
    attempt(lambda: list(client.create_partial(response_model=User, messages=MESSAGES)))
    broken = family.answer("User", {"name": "Jason", "age": 25})
    broken.cut_stream_after = 0  # the connection drops before the answer: IncompleteOutputException
    fake.add(broken)
    attempt(lambda: list(client.create_partial(response_model=User, messages=MESSAGES)))
    fake.add(Reply.http_error(500, "upstream error"))
    attempt(lambda: client.create(response_model=None, messages=MESSAGES))
    return errors, payloads


@pytest.mark.parametrize("via", ["argument", "environment"])
@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_the_key_never_leaks_through_calls(
    fake: FakeProvider, family: Family, via: str, logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    if via == "environment":
        for var, value in family.secret_env(SENTINEL).items():
            monkeypatch.setenv(var, value)
        client = family.client(fake, secret=None)
    else:
        client = family.client(fake, secret=SENTINEL)
    with warnings.catch_warnings(record=True) as warned:  # the raising hook is reported as a UserWarning
        warnings.simplefilter("always", UserWarning)
        errors, payloads = exercise(family, fake, client)

    # positive controls: the key was used, failures happened, logging was live
    if family.secret_sent:
        assert any(SENTINEL in value for r in fake.requests for value in r.headers.values())
    assert len(errors) >= 5, errors
    assert any(isinstance(e, InstructorError) for e in errors)
    assert any("raised RuntimeError" in str(w.message) for w in warned)
    assert logging.DEBUG in {r.levelno for r in logs.records}

    assert_clean("repr(client)", repr(client), str(client))
    for exc in errors:
        assert_clean(f"the {type(exc).__name__} raised", *exception_texts(exc))
    for warning in warned:
        assert_clean("a warning", str(warning.message))
    for record in logs.records:
        formatted = logging.Formatter().format(record)
        assert_clean(f"a log record of {record.name!r} at {record.levelname}", record.getMessage(), formatted)
    for hook, args, kwargs in payloads:
        assert_clean(f"the {hook!r} hook payload", repr(args), repr(kwargs))
    out, err = capsys.readouterr()
    assert_clean("stdout/stderr", out, err)


def _builtin_providers() -> list[str]:
    registry = instructor.get_registry()
    return [name for name in registry.list_providers()
            if is_installed(registry.get_config(name).package)]


@pytest.mark.parametrize("provider", _builtin_providers())
def test_the_key_never_leaks_from_building_a_client(
    fake: FakeProvider, provider: str, logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every provider whose SDK is installed: a client built with the key, and every error
    from_provider raises while the key is in its arguments."""
    import warnings

    attempts: list[dict[str, Any]] = [
        {"base_url": fake.url},                        # a client, where the provider takes a key
        {"base_url": fake.url, "mode": "no-such-mode"},  # UnsupportedModeError
        {"base_url": fake.url, "no_such_option": 1},    # the SDK's TypeError, or a default kwarg
    ]
    texts: list[str] = []
    for kwargs in attempts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                client = instructor.from_provider(f"{provider}/some-model", api_key=SENTINEL, **kwargs)
            except Exception as exc:
                texts += exception_texts(exc)
            else:
                texts += [repr(client), str(client)]
    for name in (f"{provider}x/some-model", "no-slash"):  # UnknownProviderError, ModelStringError
        try:
            instructor.from_provider(name, api_key=SENTINEL)
        except Exception as exc:
            texts += exception_texts(exc)
    assert texts
    assert_clean(f"from_provider({provider!r}, api_key=...)", *texts)
    assert_clean("the logs", logs.text)
    assert_clean("stdout/stderr", *capsys.readouterr())


def test_a_missing_key_error_names_the_variable_not_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL)  # another provider's key must not be echoed
    with pytest.raises(instructor.MissingAPIKeyError) as info:
        instructor.from_provider("openai/gpt-4o-mini")
    assert "OPENAI_API_KEY" in str(info.value)
    assert_clean("MissingAPIKeyError", *exception_texts(info.value))
