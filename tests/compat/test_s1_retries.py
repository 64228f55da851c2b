"""COMPAT.md section 1: retries, through the real SDKs against the fake provider."""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

import anthropic
import botocore.exceptions
import openai
import pydantic
import pytest

try:  # tests/compat as a plain directory, or as a package
    from core_helpers import (
        BAD,
        GOOD,
        MESSAGES,
        User,
        anthropic_client,
        bedrock_client,
        openai_client,
    )
except ImportError:  # pragma: no cover
    from compat.core_helpers import (
        BAD,
        GOOD,
        MESSAGES,
        User,
        anthropic_client,
        bedrock_client,
        openai_client,
    )
from tenacity import AsyncRetrying, RetryError, Retrying, stop_after_attempt

import instructor
from instructor import IncompleteOutputException, InstructorRetryException, Mode
from instructor.core.exceptions import RefusalError
from instructor.testing import FakeProvider, Reply


# -- 1.1 max_retries as an int ------------------------------------------------------------------
def test_s1_1_default_three_reasks_four_requests(fake: FakeProvider) -> None:
    fake.always(BAD)
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    assert len(fake.requests) == 4 and info.value.n_attempts == 4


def test_s1_1_max_retries_zero_is_one_request(fake: FakeProvider) -> None:
    fake.always(BAD)
    with pytest.raises(InstructorRetryException):
        openai_client(fake).create(response_model=User, messages=MESSAGES, max_retries=0)
    assert len(fake.requests) == 1


def test_s1_1_negative_max_retries_counts_as_zero(fake: FakeProvider) -> None:
    fake.always(BAD)
    with pytest.raises(InstructorRetryException):
        openai_client(fake).create(response_model=User, messages=MESSAGES, max_retries=-1)
    assert len(fake.requests) == 1


def test_s1_1_max_retries_two_succeeds_on_the_third_request(fake: FakeProvider) -> None:
    fake.add(BAD, BAD, GOOD)
    assert openai_client(fake).create(response_model=User, messages=MESSAGES, max_retries=2).age == 25
    assert len(fake.requests) == 3


@pytest.mark.parametrize("async_client", [False, True])
@pytest.mark.parametrize("method", ["create", "create_partial", "create_iterable", "create_with_completion"])
def test_s1_1_default_is_three_on_the_create_family(fake: FakeProvider, method: str, async_client: bool) -> None:
    client = openai_client(fake, async_client=async_client)
    assert inspect.signature(getattr(client, method)).parameters["max_retries"].default == 3


def test_s1_1_default_is_one_on_a_patched_function(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)
    create = instructor.patch(sdk).chat.completions.create
    fake.always(BAD)
    with pytest.raises(InstructorRetryException):
        create(model="gpt-4o-mini", response_model=User, messages=MESSAGES)
    assert len(fake.requests) == 2


def test_s1_1_numeric_timeout_bounds_the_reask_loop(fake: FakeProvider) -> None:
    fake.always(Reply.tool("User", {"name": "Jason", "age": -1}, delay=0.3))
    with pytest.raises(InstructorRetryException):
        openai_client(fake).create(response_model=User, messages=MESSAGES, max_retries=3, timeout=0.5)
    assert len(fake.requests) == 2  # the second attempt ends past the deadline: no third
    assert fake.requests[0].json.get("timeout") is None  # the SDK consumed it as its own timeout


# -- 1.2 tenacity objects --------------------------------------------------------------------
def test_s1_2_tenacity_default_policy_resends_sdk_errors(fake: FakeProvider) -> None:
    fake.always(Reply.http_error(500, "boom"))
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES,
                                   max_retries=Retrying(stop=stop_after_attempt(3)))
    assert len(fake.requests) == 3 and info.value.n_attempts == 3
    assert isinstance(info.value.__cause__, RetryError)
    assert fake.requests[2].json["messages"] == fake.requests[0].json["messages"]  # no re-ask added


def test_s1_2_reraise_true_gives_the_last_exception_as_cause(fake: FakeProvider) -> None:
    fake.always(BAD)
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES,
                                   max_retries=Retrying(stop=stop_after_attempt(2), reraise=True))
    assert isinstance(info.value.__cause__, pydantic.ValidationError) and info.value.n_attempts == 2


def test_s1_2_hook_max_attempts_is_none_for_tenacity(fake: FakeProvider) -> None:
    seen: list[Any] = []
    client = openai_client(fake)
    client.on("parse:error", lambda error, max_attempts: seen.append(max_attempts))
    fake.add(BAD, GOOD)
    client.create(response_model=User, messages=MESSAGES, max_retries=Retrying(stop=stop_after_attempt(2)))
    assert seen == [None]


async def test_s1_2_async_retrying_on_an_async_client(fake: FakeProvider) -> None:
    fake.add(BAD, GOOD)
    user = await openai_client(fake, async_client=True).create(
        response_model=User, messages=MESSAGES, max_retries=AsyncRetrying(stop=stop_after_attempt(2)))
    assert user.age == 25 and len(fake.requests) == 2


async def test_s1_2_sync_retrying_on_an_async_client_fails_with_a_type_error_cause(fake: FakeProvider) -> None:
    with pytest.raises(InstructorRetryException) as info:
        await openai_client(fake, async_client=True).create(
            response_model=User, messages=MESSAGES, max_retries=Retrying(stop=stop_after_attempt(2)))
    assert isinstance(info.value.__cause__, TypeError) and len(fake.requests) == 0


# -- 1.3 what is re-asked -----------------------------------------------------------------------
def test_s1_3_validation_failure_is_reasked(fake: FakeProvider) -> None:
    fake.add(BAD, GOOD)
    assert openai_client(fake).create(response_model=User, messages=MESSAGES).age == 25
    assert "age" in str(fake.requests[1].json["messages"][-1]["content"])


def test_s1_3_invalid_json_is_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.text("{not json"), Reply.json({"name": "Jason", "age": 25}))
    user = openai_client(fake, mode=Mode.JSON).create(response_model=User, messages=MESSAGES)
    assert user.age == 25 and len(fake.requests) == 2


def test_s1_3_text_instead_of_a_tool_call_is_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.text("Jason is 25"), GOOD)
    assert openai_client(fake).create(response_model=User, messages=MESSAGES).age == 25
    assert len(fake.requests) == 2


@pytest.fixture
def refusing_tools_handler() -> Any:
    """The TOOLS handler raising `RefusalError` for a refusal (the handlers' contract with the client)."""
    registry = instructor.mode_registry
    original = registry.get(Mode.TOOLS)

    class Refusing:
        def __getattr__(self, name: str) -> Any:
            return getattr(original, name)

        def parse_response(self, response: Any, model: Any, context: Any = None, strict: Any = None) -> Any:
            refusal = response.choices[0].message.refusal
            if refusal:
                raise RefusalError(f"The model refused: {refusal}")
            return original.parse_response(response, model, context=context, strict=strict)

    registry.register(Mode.TOOLS, Refusing(), replace=True)
    yield
    registry.register(Mode.TOOLS, original, replace=True)


def test_s1_3_refusal_is_not_reasked_and_is_wrapped(fake: FakeProvider, refusing_tools_handler: Any) -> None:
    fake.add(Reply(refusal="I can't help with that.", stop="stop"), GOOD)
    with pytest.raises(InstructorRetryException, match="refused") as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, RefusalError) and isinstance(info.value.__cause__, AssertionError)
    assert len(fake.requests) == 1 and info.value.n_attempts == 1


def test_s1_3_empty_choices_are_not_reasked_and_are_wrapped(fake: FakeProvider) -> None:
    # COMPAT 1.3 / 3.4: a completion with no choices ends the call at attempt 1, caused by an IndexError
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini", "choices": [],
            "usage": {"prompt_tokens": 11, "completion_tokens": 0, "total_tokens": 11}}
    fake.add(Reply(raw_body=json.dumps(body).encode(), headers={"content-type": "application/json"}), GOOD)
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, IndexError) and "no choices" in str(info.value)
    assert len(fake.requests) == 1 and info.value.n_attempts == 1
    assert info.value.last_completion is not None and info.value.last_completion.choices == []


def test_s1_3_length_stop_is_raised_unwrapped(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", '{"name": "Ja', stop="length"))
    with pytest.raises(IncompleteOutputException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    assert not isinstance(info.value, InstructorRetryException) and len(fake.requests) == 1


# -- 1.4 SDK errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_s1_4_openai_http_error_is_wrapped_and_not_resent(fake: FakeProvider, status: int) -> None:
    fake.always(Reply.http_error(status, "fake failure"))
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    error = info.value
    assert isinstance(error.__cause__, openai.APIStatusError) and error.__cause__.status_code == status
    assert not isinstance(error, openai.APIStatusError)
    assert str(error) == str(error.__cause__)
    assert (error.n_attempts, error.failed_attempts, error.last_completion) == (1, [], None)
    assert len(fake.requests) == 1


def test_s1_4_sdk_error_after_a_failed_validation(fake: FakeProvider) -> None:
    fake.add(BAD, Reply.http_error(500, "down"))
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES)
    error = info.value
    assert isinstance(error.__cause__, openai.InternalServerError) and error.n_attempts == 2
    assert [a.attempt_number for a in error.failed_attempts] == [1]
    assert error.last_completion is error.failed_attempts[0].completion
    assert str(error).startswith(str(error.__cause__)) and "attempt 1" in str(error)


def test_s1_4_unknown_keyword_type_error_is_wrapped(fake: FakeProvider) -> None:
    with pytest.raises(InstructorRetryException) as info:
        openai_client(fake).create(response_model=User, messages=MESSAGES, not_a_real_option=1)
    assert isinstance(info.value.__cause__, TypeError) and len(fake.requests) == 0


def test_s1_4_response_model_none_leaves_the_sdk_error_unwrapped(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(500, "down"))
    with pytest.raises(openai.InternalServerError):
        openai_client(fake).create(response_model=None, messages=MESSAGES)


def test_s1_4_anthropic_overloaded_is_wrapped(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(529, "Overloaded"))
    with pytest.raises(InstructorRetryException) as info:
        anthropic_client(fake).create(response_model=User, messages=MESSAGES, max_tokens=100)
    assert isinstance(info.value.__cause__, anthropic.APIStatusError) and len(fake.requests) == 1


@pytest.mark.parametrize("status", [400, 500])
def test_s1_4_bedrock_client_error_is_wrapped(fake: FakeProvider, status: int) -> None:
    fake.add(Reply.http_error(status, "fake failure"))
    with pytest.raises(InstructorRetryException) as info:
        bedrock_client(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, botocore.exceptions.ClientError) and len(fake.requests) == 1


@pytest.mark.timeout(30)
def test_s1_4_broken_stream_is_a_retry_exception_and_incomplete(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason Bourne", "age": 25}, cut_stream_after=4))
    with pytest.raises(InstructorRetryException) as info:
        list(openai_client(fake).create_partial(response_model=User, messages=MESSAGES))
    error = info.value
    assert isinstance(error, IncompleteOutputException) and error.received is not None
    assert error.__cause__ is not None and not isinstance(error.__cause__, instructor.InstructorError)
    assert len(fake.requests) == 1


def test_s1_4_nothing_is_logged_above_debug(fake: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    fake.add(Reply.http_error(500, "down"))
    fake.add(*([BAD] * 4))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(InstructorRetryException):
            openai_client(fake).create(response_model=User, messages=MESSAGES)
        with pytest.raises(InstructorRetryException):
            openai_client(fake).create(response_model=User, messages=MESSAGES)
    ours = [r for r in caplog.records if r.name.startswith("instructor") and r.levelno > logging.DEBUG]
    assert ours == []
