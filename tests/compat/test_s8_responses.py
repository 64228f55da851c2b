"""COMPAT.md section 8: the Responses API helper (`client.responses`) and GENAI_JSON."""

from __future__ import annotations

import inspect
from typing import Any

import openai
import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

import instructor
from instructor import InstructorRetryException, Mode
from instructor.testing import FakeProvider, Reply

from .modes_support import JASON, MESSAGES, User


def responses_client(fake: FakeProvider) -> Any:
    sdk = openai.OpenAI(api_key="sk-test", base_url=fake.openai_base_url, max_retries=0)
    return instructor.from_openai(sdk, mode=Mode.RESPONSES_TOOLS, model="gpt-4o-mini")


def test_s8_responses_create_signature_is_the_published_one(fake: FakeProvider) -> None:
    parameters = inspect.signature(responses_client(fake).responses.create).parameters
    published = [("messages", None), ("response_model", None), ("max_retries", 3), ("context", None),
                 ("strict", True), ("token_budget", None)]
    assert [(name, parameters[name].default) for name, _ in published] == published
    assert list(parameters)[:6] == [name for name, _ in published]


def test_s8_responses_create_takes_max_retries_context_and_strict_by_position(fake: FakeProvider) -> None:
    class Named(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def is_expected(cls, value: str, info: ValidationInfo) -> str:
            if info.context is None or value != info.context["expected"]:
                raise ValueError(f"expected {info.context!r}")
            return value

    client = responses_client(fake)
    fake.add(Reply.tool("Named", {"name": "Bob"}), Reply.tool("Named", {"name": "Bob"}))
    with pytest.raises(InstructorRetryException):
        client.responses.create(MESSAGES, Named, 1, {"expected": "Jason"})
    assert len(fake.requests) == 2  # max_retries=1: one re-ask
    fake.add(Reply.tool("Named", {"name": "Jason"}))
    assert client.responses.create(MESSAGES, Named, 0, {"expected": "Jason"}, True).name == "Jason"


def test_s8_responses_family_takes_the_published_positional_order(fake: FakeProvider) -> None:
    responses = responses_client(fake).responses
    for method in ("create_with_completion", "create_partial", "create_iterable"):
        parameters = list(inspect.signature(getattr(responses, method)).parameters)
        assert parameters[:5] == ["messages", "response_model", "max_retries", "context", "strict"], method
    fake.add(Reply.tool("User", JASON))
    user, completion = responses.create_with_completion(MESSAGES, User, 0)
    assert user == User(**JASON) and isinstance(completion, openai.types.responses.Response)
