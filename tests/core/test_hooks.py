"""Hooks: by name or enum, per client and per call; a raising hook never breaks the call."""

from __future__ import annotations

import openai
import pytest
from pydantic import BaseModel

import instructor
from instructor import HookName, Hooks, InstructorRetryException
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "x"}]


class User(BaseModel):
    name: str
    age: int


def client_for(fake: FakeProvider) -> instructor.Instructor:
    return instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test")


def test_every_hook_fires_in_order(fake: FakeProvider) -> None:
    events: list[tuple[str, object]] = []
    client = client_for(fake)
    client.on("completion:kwargs", lambda **kw: events.append(("kwargs", kw["model"])))
    client.on(HookName.COMPLETION_RESPONSE, lambda r: events.append(("response", r.id)))
    client.on("parse:error", lambda e: events.append(("parse", type(e).__name__)))
    client.on("completion:last_attempt", lambda e: events.append(("last", type(e).__name__)))
    fake.add(Reply.tool("User", {"name": "J", "age": "x"}), Reply.tool("User", {"name": "J", "age": "y"}))
    with pytest.raises(InstructorRetryException):
        client.create(response_model=User, messages=MESSAGES, max_retries=1)
    kinds = [e[0] for e in events]
    assert kinds == ["kwargs", "response", "parse", "kwargs", "response", "parse", "last"]
    assert events[0] == ("kwargs", "gpt-4o-mini") and events[2] == ("parse", "ValidationError")


def test_completion_error_hook_sees_sdk_errors(fake: FakeProvider) -> None:
    seen: list[BaseException] = []
    client = client_for(fake)
    client.on("completion:error", seen.append)
    fake.add(Reply.http_error(400, "bad request"))
    with pytest.raises(instructor.InstructorRetryException) as info:
        client.create(response_model=User, messages=MESSAGES)
    assert len(seen) == 1 and isinstance(seen[0], openai.BadRequestError) and info.value.__cause__ is seen[0]


def test_off_and_clear(fake: FakeProvider) -> None:
    calls: list[str] = []

    def handler(**kw: object) -> None:
        calls.append("x")

    client = client_for(fake)
    client.on("completion:kwargs", handler)
    client.off("completion:kwargs", handler)
    client.on("completion:response", lambda r: calls.append("r"))
    client.clear("completion:response")
    client.on("completion:kwargs", handler)
    client.clear()
    fake.add(Reply.tool("User", {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    assert calls == []


def test_per_call_hooks_combine_with_the_clients(fake: FakeProvider) -> None:
    calls: list[str] = []
    client = client_for(fake)
    client.on("completion:kwargs", lambda **kw: calls.append("client"))
    extra = Hooks()
    extra.on("completion:kwargs", lambda **kw: calls.append("call"))
    fake.add(Reply.tool("User", {"name": "J", "age": 1}), Reply.tool("User", {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES, hooks=extra)
    client.create(response_model=User, messages=MESSAGES)
    assert calls == ["client", "call", "client"]


def test_raising_hook_never_breaks_the_call(fake: FakeProvider) -> None:
    def broken(**kw: object) -> None:
        raise RuntimeError("hook bug with secret sk-test")

    client = client_for(fake)
    client.on("completion:kwargs", broken)
    fake.add(Reply.tool("User", {"name": "J", "age": 1}))
    with pytest.warns(UserWarning, match="RuntimeError.*the call goes on") as warned:
        assert client.create(response_model=User, messages=MESSAGES).name == "J"
    assert all("sk-test" not in str(w.message) for w in warned)  # the hook's warning, and any other


async def test_async_client_hooks(fake: FakeProvider) -> None:
    calls: list[str] = []
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                      async_client=True)
    client.on("completion:response", lambda r: calls.append(r.object))
    fake.add(Reply.tool("User", {"name": "J", "age": 1}))
    await client.create(response_model=User, messages=MESSAGES)
    assert calls == ["chat.completion"]


def test_unknown_hook_name_lists_known() -> None:
    with pytest.raises(ValueError, match="completion:kwargs"):
        Hooks().on("completion:typo", print)


def test_hooks_from_provider(fake: FakeProvider) -> None:
    calls: list[str] = []
    hooks = Hooks()
    hooks.on("completion:kwargs", lambda **kw: calls.append(kw["model"]))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                      hooks=hooks)
    fake.add(Reply.tool("User", {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    assert calls == ["gpt-4o-mini"]
