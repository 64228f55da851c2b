"""The failure policy (`instructor.core.retry`), class by class, for every installed provider family.

Each case drives the real SDK over HTTP against the fake provider:

- transport (429, 5xx, a timeout, a dropped connection, after the SDK's own retries) moves a
  fallback chain on to its next client, and nothing of the failure reaches the next prompt;
  a request error (400, 401) does not move it on unless asked to;
- truncation raises, or with `retry_truncated=True` sends one more request with the output limit
  doubled, wherever the provider keeps it;
- the classifier tells transport apart by duck typing alone (no SDK imported by the core).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from provider_families import Family, installed_families, load
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, InstructorRetryException
from instructor.core.retry import is_transport_error
from instructor.testing import FakeProvider, Reply, connect_kwargs


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


GOOD = {"name": "Jason", "age": 25}
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
FAMILIES = installed_families()
by_family = pytest.mark.parametrize("family", FAMILIES, ids=str)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def fake(server: FakeProvider) -> Iterator[FakeProvider]:
    server.reset()
    yield server
    server.reset()


def backup(fake: FakeProvider, use_async: bool = False) -> Any:
    """The chain's second client: OpenAI, answering what the fake serves next."""
    return instructor.from_provider("openai/gpt-4o-mini", async_client=use_async, max_retries=0,
                                    **connect_kwargs("openai", fake))


def run(target: Any, use_async: bool, **kw: Any) -> Any:
    result = target.create(response_model=User, messages=MESSAGES, **kw)
    return asyncio.run(result) if use_async else result


def failing(family: Family, case: str) -> Reply:
    """What makes `family`'s SDK fail in `case` (a status, "timeout", "dropped")."""
    if case == "timeout":
        slow = family.answer("User", GOOD)
        slow.delay = 3.0
        return slow
    if case == "dropped":
        cut = family.answer("User", GOOD)
        cut.cut_body_at = 40
        return cut
    return Reply.http_error(int(case), f"fake {case}", headers=dict(family.retry_headers))


TRANSPORT_CASES = ["429", "500", "503", "529", "timeout", "dropped"]


def transport_cases() -> list[Any]:
    return [pytest.param(family, case, id=f"{family}-{case}") for family in FAMILIES for case in TRANSPORT_CASES
            if not (case == "dropped" and family.connection_error is None)]  # boto3 hides a cut body


@pytest.mark.parametrize(("family", "case"), transport_cases())
def test_transport_failure_moves_the_chain_on_and_never_reaches_a_prompt(
        fake: FakeProvider, family: Family, case: str) -> None:
    fake.add(failing(family, case), Reply.tool("User", GOOD))
    chain = instructor.fallback(family.client(fake, sdk_retries=0, timeout=0.3), backup(fake))
    user = run(chain, False, max_retries=2)
    assert user == User(**GOOD) and user._instructor_client is chain.clients[1]
    assert len(fake.requests) == 2, "one request each: no re-ask of a transport failure"
    moved_on = fake.requests[1].sent
    assert moved_on.wire == "openai" and [text for role, text in moved_on.messages if role != "system"] == \
        ["Jason is 25"], "the next client gets the caller's messages, nothing of the failure"


@by_family
@pytest.mark.parametrize("status", [400, 401])
def test_a_request_error_does_not_move_the_chain_on(fake: FakeProvider, family: Family, status: int) -> None:
    fake.add(Reply.http_error(status, f"fake {status}"), Reply.tool("User", GOOD))
    chain = instructor.fallback(family.client(fake, sdk_retries=0), backup(fake))
    with pytest.raises(InstructorRetryException) as info:
        run(chain, False)
    assert isinstance(info.value.__cause__, family.error(status)) and len(fake.requests) == 1
    assert not hasattr(info.value, "fallback_errors"), "the chain moved on from nothing"


@by_family
def test_on_names_the_exception_classes_that_also_move_on(fake: FakeProvider, family: Family) -> None:
    fake.add(Reply.http_error(400, "the model is unknown"), Reply.tool("User", GOOD))
    chain = instructor.fallback(family.client(fake, sdk_retries=0), backup(fake),
                                on=["transport", family.error(400)])
    assert run(chain, False) == User(**GOOD) and len(fake.requests) == 2


@by_family
def test_transport_errors_are_told_apart_by_duck_typing_alone(fake: FakeProvider, family: Family) -> None:
    """The classifier, on the exceptions the SDK really raises (no SDK class known to the core)."""
    seen: dict[str, bool] = {}
    for case in ["400", "401", "429", "500", "529", "timeout"]:
        # a short timeout only where the answer is late on purpose: on a loaded machine a 400 must not time out
        client = family.client(fake, sdk_retries=0, timeout=0.3 if case == "timeout" else 10.0)
        fake.reset()
        fake.add(failing(family, case))
        with pytest.raises(InstructorRetryException) as info:
            client.create(response_model=User, messages=MESSAGES, max_retries=0)
        seen[case] = is_transport_error(client.handler, info.value.__cause__)  # type: ignore[arg-type]
    assert seen == {"400": False, "401": False, "429": True, "500": True, "529": True, "timeout": True}


def test_duck_typing_of_transports_nobody_ships_here() -> None:
    """aiohttp's, requests' and botocore's shapes, built by hand: a status wherever it is kept, else the class."""

    class ClientResponseError(Exception):  # aiohttp keeps the status as `status`
        def __init__(self, status: int) -> None:
            self.status = status

    class ServerDisconnectedError(type("ClientConnectionError", (Exception,), {})):  # type: ignore[misc]
        pass

    class ClientError(Exception):  # botocore: the status in the response's metadata
        def __init__(self, status: int, code: str) -> None:
            self.response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}

    class HTTPStatusError(Exception):  # httpx: on its response
        def __init__(self, status: int) -> None:
            self.response = type("Response", (), {"status_code": status})()

    assert is_transport_error(None, ClientResponseError(503)) and not is_transport_error(None, ClientResponseError(404))
    assert is_transport_error(None, ServerDisconnectedError())
    assert is_transport_error(None, ClientError(429, "ThrottlingException"))
    assert not is_transport_error(None, ClientError(400, "ValidationException"))
    assert is_transport_error(None, HTTPStatusError(502)) and not is_transport_error(None, HTTPStatusError(422))
    assert is_transport_error(None, ConnectionResetError()) and is_transport_error(None, TimeoutError())
    assert not is_transport_error(None, ValueError("a bug")) and not is_transport_error(None, KeyError("x"))


def test_bedrock_names_its_throttling_in_a_stream_without_a_status() -> None:
    """A Converse stream's `EventStreamError` carries Bedrock's code and no HTTP status: the handler knows it."""
    from botocore.exceptions import EventStreamError

    handler = instructor.get_handler(instructor.Mode.TOOLS, provider="bedrock")
    throttled = EventStreamError({"Error": {"Code": "throttlingException", "Message": "slow down"}}, "ConverseStream")
    invalid = EventStreamError({"Error": {"Code": "validationException", "Message": "no"}}, "ConverseStream")
    assert is_transport_error(handler, throttled) and not is_transport_error(handler, invalid)


# -- truncation --------------------------------------------------------------------------------------

_LIMIT_KEYS = ("max_tokens", "max_completion_tokens", "maxTokens", "maxOutputTokens", "max_output_tokens")


def output_limit(body: Any) -> int | None:
    """The output-token limit a request asked for, wherever its wire keeps it."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key in _LIMIT_KEYS and isinstance(value, int):
                return value
            found = output_limit(value)
            if found is not None:
                return found
    return None


@by_family
def test_truncation_raises_by_default(fake: FakeProvider, family: Family) -> None:
    fake.add(family.length("User", '{"name": "Ja'), family.answer("User", GOOD))
    with pytest.raises(IncompleteOutputException):
        family.client(fake).create(response_model=User, messages=MESSAGES, max_tokens=50, max_retries=3)
    assert len(fake.requests) == 1


@by_family
def test_retry_truncated_doubles_the_output_limit_once(fake: FakeProvider, family: Family) -> None:
    fake.add(family.length("User", '{"name": "Ja'), family.answer("User", GOOD))
    client = family.client(fake)
    user = client.create(response_model=User, messages=MESSAGES, max_tokens=50, max_retries=0, retry_truncated=True)
    assert user == User(**GOOD)
    first, second = (json.loads(r.body) for r in fake.requests)
    assert (output_limit(first), output_limit(second)) == (50, 100)
    assert first.get("messages", first.get("contents")) == second.get("messages", second.get("contents")), \
        "the same request, only a larger limit: a cut answer is not re-asked"

    fake.reset()
    fake.add(family.length("User", '{"name": "Ja'), family.length("User", '{"name": "Jas'))
    with pytest.raises(IncompleteOutputException) as info:
        client.create(response_model=User, messages=MESSAGES, max_tokens=50, retry_truncated=True)
    assert len(fake.requests) == 2, "one retry, not more"
    assert info.value.n_attempts == 2 and [a.attempt_number for a in info.value.failed_attempts or []] == [1]


def test_retry_truncated_without_a_limit_doubles_what_the_cut_answer_used(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Ja"}, stop="length", usage=(20, 64)), Reply.tool("User", GOOD))
    client = instructor.from_provider("openai/gpt-4o-mini", **connect_kwargs("openai", fake))
    assert client.create(response_model=User, messages=MESSAGES, retry_truncated=True) == User(**GOOD)
    assert "max_tokens" not in fake.requests[0].json and fake.requests[1].json["max_tokens"] == 128


@pytest.mark.parametrize("provider", ["openai", "anthropic", "bedrock"])
def test_retry_truncated_restarts_a_stream(fake: FakeProvider, provider: str) -> None:
    model = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest",
             "bedrock": "anthropic.claude-3-5-haiku-20241022-v1:0"}[provider]
    client = instructor.from_provider(f"{provider}/{model}", **connect_kwargs(provider, fake))
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}, stop="length", chunk_size=4), Reply.tool("User", GOOD))
    partials = list(client.create_partial(response_model=User, messages=MESSAGES, max_tokens=40,
                                          retry_truncated=True))
    assert partials[-1] == User(**GOOD) and len(fake.requests) == 2
    assert [output_limit(r.json) for r in fake.requests] == [40, 80]


def test_retry_truncated_takes_a_bool(fake: FakeProvider) -> None:
    client = instructor.from_provider("openai/gpt-4o-mini", **connect_kwargs("openai", fake))
    with pytest.raises(TypeError, match="retry_truncated= takes True or False, got 2"):
        client.create(response_model=User, messages=MESSAGES, retry_truncated=2)
    assert fake.requests == []


def test_retry_truncated_is_a_client_default_too(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Ja"}, stop="length"), Reply.tool("User", GOOD))
    client = instructor.from_provider("anthropic/claude-3-5-haiku-latest", retry_truncated=True,
                                      **connect_kwargs("anthropic", fake))
    assert client.create(response_model=User, messages=MESSAGES) == User(**GOOD)
    assert [r.json["max_tokens"] for r in fake.requests] == [4096, 8192], "Anthropic's default limit, doubled"
    assert "retry_truncated" not in fake.requests[0].json


def test_sdk_classes_are_what_the_families_say() -> None:
    """The classes the matrices expect exist in the installed SDKs (a renamed class would pass the
    duck typing unnoticed otherwise)."""
    for family in FAMILIES:
        for status in (400, 429, 500):
            assert issubclass(family.error(status), BaseException)
        assert issubclass(load(family.timeout_error), BaseException)
