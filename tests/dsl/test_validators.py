"""`llm_validator` and `openai_moderation` (COMPAT.md section 6.5): the real openai SDK
over HTTP against the fake provider, inside pydantic validation."""

from __future__ import annotations

import inspect
import json
from typing import Annotated

import openai
import pytest
from pydantic import AfterValidator, BaseModel, ValidationError

import instructor
from instructor.testing import FakeProvider, Reply
from instructor.testing.wires.moderation import moderation
from instructor.validators import Validator


def client_for(fake: FakeProvider) -> instructor.Instructor:
    return instructor.from_openai(openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test"))


def answer_model(validator: object) -> type[BaseModel]:
    class Answer(BaseModel):
        text: Annotated[str, AfterValidator(validator)]  # type: ignore[arg-type]

    return Answer


# -- llm_validator ----------------------------------------------------------------------------
def test_llm_validator_signature_matches_the_published_one() -> None:
    params = inspect.signature(instructor.llm_validator).parameters
    assert list(params) == ["statement", "client", "allow_override", "model", "temperature"]
    assert params["allow_override"].default is False
    assert params["model"].default == "gpt-3.5-turbo"
    assert params["temperature"].default == 0


def test_validator_model_is_a_response_schema_named_validator() -> None:
    assert issubclass(Validator, instructor.ResponseSchema)
    assert Validator.openai_schema["name"] == "Validator"
    assert list(Validator.model_fields) == ["is_valid", "reason", "fixed_value"]
    assert Validator(is_valid=True).reason is None and Validator(is_valid=True).fixed_value is None
    assert Validator.openai_schema["parameters"]["required"] == ["is_valid"]


def test_a_valid_value_passes_and_the_request_is_the_published_one(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Validator", {"is_valid": True}))
    Answer = answer_model(instructor.llm_validator("must be polite", client=client_for(fake),
                                                   model="gpt-4o-mini", temperature=0.5))
    assert Answer(text="thank you").text == "thank you"

    sent = fake.requests[0].json
    assert sent["model"] == "gpt-4o-mini" and sent["temperature"] == 0.5
    assert sent["tools"][0]["function"]["name"] == "Validator"
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "Validator"}}
    system, user = sent["messages"]
    assert system["role"] == "system" and "data" in system["content"]
    assert user["role"] == "user"
    assert json.loads(user["content"]) == {"validation_rule": "must be polite", "candidate_value": "thank you"}


def test_default_model_and_temperature_are_sent(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Validator", {"is_valid": True}))
    instructor.llm_validator("rule", client=client_for(fake))("value")
    sent = fake.requests[0].json
    assert sent["model"] == "gpt-3.5-turbo" and sent["temperature"] == 0


def test_an_invalid_value_raises_the_models_reason(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Validator", {"is_valid": False, "reason": "it is rude", "fixed_value": "hello"}))
    Answer = answer_model(instructor.llm_validator("must be polite", client=client_for(fake)))
    with pytest.raises(ValidationError, match="it is rude") as info:
        Answer(text="go away")
    assert info.value.errors()[0]["type"] == "value_error"


def test_allow_override_returns_the_fixed_value(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Validator", {"is_valid": False, "reason": "rude", "fixed_value": "please leave"}))
    Answer = answer_model(instructor.llm_validator("must be polite", client=client_for(fake),
                                                   allow_override=True))
    assert Answer(text="go away").text == "please leave"


def test_allow_override_without_a_fixed_value_still_raises(fake: FakeProvider) -> None:
    fake.add(Reply.tool("Validator", {"is_valid": False}))
    validate = instructor.llm_validator("must be polite", client=client_for(fake), allow_override=True)
    with pytest.raises(ValueError, match="must be polite"):
        validate("go away")


def test_an_async_client_is_refused_when_the_validator_is_built() -> None:
    client = instructor.from_openai(openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="sk-test"))
    with pytest.raises(TypeError, match="sync client"):
        instructor.llm_validator("rule", client=client)  # type: ignore[arg-type]


# -- openai_moderation -------------------------------------------------------------------------
def test_a_clean_value_passes_and_the_request_is_the_published_one(fake: FakeProvider) -> None:
    fake.add(moderation())
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test")
    Comment = answer_model(instructor.openai_moderation(client=sdk))
    assert Comment(text="what a nice day").text == "what a nice day"
    request = fake.requests[0]
    assert request.method == "POST" and request.path == "/v1/moderations"
    assert request.json == {"input": "what a nice day"}


def test_a_flagged_value_names_every_flagged_category(fake: FakeProvider) -> None:
    fake.add(moderation("violence", "harassment"))
    validate = instructor.openai_moderation(openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test"))
    with pytest.raises(ValueError) as info:
        validate("I will hurt you")
    assert str(info.value) == "`I will hurt you` was flagged for harassment, violence"


def test_moderation_accepts_an_instructor_client_too(fake: FakeProvider) -> None:
    fake.add(moderation("hate"))
    with pytest.raises(ValueError, match="flagged for hate"):
        instructor.openai_moderation(client_for(fake))("some text")


def test_moderation_needs_a_client_with_a_moderations_api() -> None:
    with pytest.raises(TypeError, match=r"openai\.OpenAI client"):
        instructor.openai_moderation(object())


def test_the_fake_wire_rejects_unknown_categories(fake: FakeProvider) -> None:
    fake.add(moderation("violense"))
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="unknown moderation categories"):
        sdk.moderations.create(input="x")


def test_moderation_refuses_an_async_client() -> None:
    with pytest.raises(TypeError, match="sync client"):
        instructor.openai_moderation(openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="sk-test"))


def test_the_fake_wire_says_how_to_script_a_moderation(fake: FakeProvider) -> None:
    fake.add(Reply.text("violence"))
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="moderation"):
        sdk.moderations.create(input="x")


def test_the_fake_wire_answers_one_result_per_input(fake: FakeProvider) -> None:
    fake.add(moderation("hate"))
    sdk = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-test")
    results = sdk.moderations.create(input=["a", "b"]).results
    assert [r.flagged for r in results] == [True, True] and results[0].categories.hate
    assert results[0].category_scores.hate > results[0].category_scores.violence
