"""Programs written for the published instructor 1.17.0 run unchanged: same result, same requests.

Each program is the code a user of the published release writes, verbatim but for
the fake server's address; the assertions check what that release does with it.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from pydantic import BaseModel, Field, field_validator

import instructor
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Extract: Jason is 25"}]


class UserInfo(BaseModel):
    name: str
    age: int = Field(ge=0)


def sdk(fake: FakeProvider) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)


def test_program_patch_an_openai_client(fake: FakeProvider) -> None:
    fake.add(Reply.tool("UserInfo", {"name": "Jason", "age": 25}))
    client = instructor.patch(sdk(fake))
    user = client.chat.completions.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES)
    assert (user.name, user.age) == ("Jason", 25) and len(fake.requests) == 1


def test_program_catch_retry_exception_from_instructor_core(fake: FakeProvider) -> None:
    from instructor.core import InstructorRetryException

    fake.always(Reply.tool("UserInfo", {"name": "Jason", "age": -5}))
    client = instructor.from_openai(sdk(fake))
    try:
        client.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES, max_retries=2)
        raise AssertionError("expected a failure")
    except InstructorRetryException as e:
        attempts = e.n_attempts
        numbers = [a.attempt_number for a in e.failed_attempts]
        tokens = e.total_usage.total_tokens
    assert (attempts, numbers, tokens) == (3, [1, 2, 3], 54) and len(fake.requests) == 3


def test_program_max_retries_two_with_answers_that_fail_twice(fake: FakeProvider) -> None:
    fake.add(Reply.tool("UserInfo", {"name": "Jason", "age": -1}),
             Reply.tool("UserInfo", {"name": "Jason", "age": "twenty"}),
             Reply.tool("UserInfo", {"name": "Jason", "age": 25}))
    client = instructor.from_openai(sdk(fake))
    user = client.chat.completions.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES,
                                          max_retries=2)
    assert user.age == 25 and len(fake.requests) == 3


def test_program_default_retries_absorb_three_failures(fake: FakeProvider) -> None:
    fake.add(*[Reply.tool("UserInfo", {"name": "Jason", "age": -1})] * 3,
             Reply.tool("UserInfo", {"name": "Jason", "age": 25}))
    client = instructor.from_openai(sdk(fake))
    assert client.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES).age == 25
    assert len(fake.requests) == 4


def test_program_api_errors_caught_as_retry_exceptions(fake: FakeProvider) -> None:
    from instructor.core import InstructorRetryException

    fake.add(Reply.http_error(429, "rate limited"))
    client = instructor.from_openai(sdk(fake))
    with pytest.raises(InstructorRetryException) as info:
        client.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES)
    assert isinstance(info.value.__cause__, openai.RateLimitError) and len(fake.requests) == 1


def test_program_failed_attempts_unpacked_as_tuples(fake: FakeProvider) -> None:
    from instructor.core import InstructorRetryException

    fake.always(Reply.tool("UserInfo", {"name": "Jason", "age": -1}))
    client = instructor.from_openai(sdk(fake))
    with pytest.raises(InstructorRetryException) as info:
        client.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES, max_retries=1)
    rows = [(number, type(error).__name__) for number, error, _completion in info.value.failed_attempts]
    assert rows == [(1, "ValidationError"), (2, "ValidationError")]
    assert info.value.create_kwargs["model"] == "gpt-4o-mini" and len(info.value.messages) == 5


def test_program_strict_default_rejects_numeric_strings(fake: FakeProvider) -> None:
    fake.add(Reply.tool("UserInfo", {"name": "Jason", "age": "25"}), Reply.tool("UserInfo", {"name": "Jason", "age": 25}))
    client = instructor.from_openai(sdk(fake))
    assert client.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES).age == 25
    assert len(fake.requests) == 2


def test_program_hooks_with_attempt_metadata(fake: FakeProvider) -> None:
    from instructor.core import HookName, Hooks

    log: list[Any] = []

    def on_parse_error(error: Exception, attempt_number: int, max_attempts: int, is_last_attempt: bool) -> None:
        log.append((attempt_number, max_attempts, is_last_attempt))

    hooks = Hooks()
    hooks.on(HookName.PARSE_ERROR, on_parse_error)
    fake.add(Reply.tool("UserInfo", {"name": "Jason", "age": -1}), Reply.tool("UserInfo", {"name": "Jason", "age": 25}))
    client = instructor.from_openai(sdk(fake))
    client.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES, hooks=hooks)
    assert log == [(1, 4, False)]


def test_program_context_in_validators_and_templates(fake: FakeProvider) -> None:
    class Answer(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def cites_source(cls, value: str, info: Any) -> str:
            if info.context["source"] not in value:
                raise ValueError(f"cite {info.context['source']}")
            return value

    fake.add(Reply.tool("Answer", {"text": "no source"}), Reply.tool("Answer", {"text": "per the wiki"}))
    client = instructor.from_openai(sdk(fake))
    answer = client.create(model="gpt-4o-mini", response_model=Answer, context={"source": "wiki"},
                           messages=[{"role": "user", "content": """
                               Answer from {{ source }}.
                           """}])
    assert answer.text == "per the wiki" and len(fake.requests) == 2
    assert fake.requests[0].json["messages"][0]["content"] == "\nAnswer from wiki.\n"


async def test_program_async_patch(fake: FakeProvider) -> None:
    client = instructor.patch(openai.AsyncOpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0))
    fake.add(Reply.tool("UserInfo", {"name": "Jason", "age": 25}))
    user = await client.chat.completions.create(model="gpt-4o-mini", response_model=UserInfo, messages=MESSAGES)
    assert user.age == 25 and len(fake.requests) == 1


def test_program_create_iterable_messages_first(fake: FakeProvider) -> None:
    fake.add(Reply.tool("IterableUserInfo", {"tasks": [{"name": "Jason", "age": 25}, {"name": "Sarah", "age": 30}]}))
    client = instructor.from_openai(sdk(fake))
    users = client.create_iterable(MESSAGES, UserInfo, model="gpt-4o-mini")
    assert [u.name for u in users] == ["Jason", "Sarah"] and len(fake.requests) == 1
