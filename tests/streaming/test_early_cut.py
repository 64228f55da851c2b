"""Streams cut early: a top-level field that closes already invalid on its own stops the stream at once.

Through every installed provider SDK against the fake provider, which paces its events
(`Reply.event_delay`) and counts those it served before the client hung up
(`RecordedRequest.events_served`): the cut stream's connection is closed a few events after
the bad field, the re-ask goes out at once, and the second answer is the result. Streams that
could still pass (a model or field validator that sees the raw input, a validator that reads
other fields, a discriminated union, a last member) are never cut; and which fields are checked
early is pinned (`instructor.core.streaming.early.field_checks`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import pytest
from provider_families import Family, installed_families
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

import instructor
from instructor import Mode
from instructor.core.streaming import StreamedResponse
from instructor.core.streaming.early import field_checks
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Jason is 25; write his biography."}]
BIO = "Jason was born in a small town by the sea. " * 60  # about 2,500 characters: ~850 events of 3
PACE = 0.002  # seconds between two events: 2 s for a whole stream, a few ms for a cut one


class User(BaseModel):
    name: str
    age: int = Field(ge=0)
    bio: str


BAD = {"name": "Jason", "age": -3, "bio": BIO}
GOOD = {"name": "Jason", "age": 25, "bio": "Born by the sea."}


def paced(reply: Reply) -> Reply:
    reply.chunk_size, reply.event_delay = 3, PACE
    return reply


def streams_in_pieces(family: Family) -> bool:
    """Gemini and Mistral send a tool call whole, in one event: there is nothing to cut."""
    return not (family.provider in ("google", "mistral") and family.wrong_tool is not None)


@pytest.mark.parametrize("family", installed_families(), ids=str)
def test_a_field_that_closes_invalid_cuts_the_stream_and_is_reasked_at_once(family: Family) -> None:
    with FakeProvider() as fake:
        fake.add(paced(family.answer("PartialUser", BAD)), family.answer("PartialUser", GOOD))
        client = family.client(fake)
        out = list(client.create_partial(response_model=User, messages=MESSAGES, max_tokens=500, max_retries=1))
        assert out[-1] == User(**GOOD) and fake.attempts == 2
        first = fake.requests[0]
        if streams_in_pieces(family):
            assert first.hung_up and first.events_total > 800
            assert first.events_served < 100  # the bad `age` is in the first ~15 events
        else:
            assert not first.hung_up  # the call came whole: read to its end, then re-asked
        assert "greater than or equal to 0" in str(fake.requests[1].json)  # the error went back at once


@pytest.mark.parametrize("family", [f for f in installed_families() if f.provider in ("openai", "anthropic", "bedrock")],
                         ids=str)
async def test_async_streams_are_cut_too(family: Family) -> None:
    with FakeProvider() as fake:
        fake.add(paced(family.answer("PartialUser", BAD)), family.answer("PartialUser", GOOD))
        client = family.client(fake, async_client=True)
        out = [u async for u in client.create_partial(response_model=User, messages=MESSAGES, max_tokens=500,
                                                      max_retries=1)]
        assert out[-1] == User(**GOOD) and fake.attempts == 2
        assert fake.requests[0].hung_up and fake.requests[0].events_served < 100


def test_a_cut_stream_out_of_attempts_raises_with_what_arrived() -> None:
    with FakeProvider() as fake:
        fake.add(paced(Reply.tool("PartialUser", BAD)))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
        with pytest.raises(instructor.InstructorRetryException) as info:
            list(client.create_partial(response_model=User, messages=MESSAGES, max_retries=0))
        assert fake.attempts == 1 and fake.requests[0].hung_up
        [failed] = info.value.failed_attempts
        assert "age" in str(failed.exception)
        streamed = failed.completion
        assert isinstance(streamed, StreamedResponse) and streamed.finish_reason is None  # never finished
        assert streamed.text.startswith('{"name": "Jason", "age": -3') and len(streamed.text) < 100


def test_the_re_ask_echoes_the_answer_as_far_as_it_arrived() -> None:
    with FakeProvider() as fake:
        fake.add(paced(Reply.tool("PartialUser", BAD)), Reply.tool("PartialUser", GOOD))
        client = instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=fake.anthropic_base_url,
                                          api_key="k", max_retries=1)
        list(client.create_partial(response_model=User, messages=MESSAGES, max_tokens=500))
        echoed = fake.requests[1].json["messages"][1]["content"][0]
        assert echoed["type"] == "tool_use" and echoed["input"]["name"] == "Jason" and echoed["input"]["age"] == -3


# -- streams that must not be cut ---------------------------------------------------------------
class Rescued(BaseModel):
    """A `mode="before"` model validator may rewrite any field: nothing is checked early."""

    name: str
    age: int = Field(ge=0)
    bio: str

    @model_validator(mode="before")
    @classmethod
    def absolute_age(cls, data: Any) -> Any:
        return {**data, "age": abs(data["age"])} if isinstance(data, dict) and "age" in data else data


class FieldRescued(BaseModel):
    """A `mode="before"` field validator may turn the value into a valid one."""

    name: str
    age: int = Field(ge=0)
    bio: str

    @field_validator("age", mode="before")
    @classmethod
    def absolute(cls, value: Any) -> Any:
        return abs(value) if isinstance(value, int) else value


def _before_start(value: int, info: ValidationInfo) -> int:
    if value < info.data["start"]:
        raise ValueError("end is before start")
    return value


class Span(BaseModel):
    """A validator that reads another field (`info.data`) cannot be judged alone: `end` waits."""

    start: int
    end: Annotated[int, AfterValidator(_before_start)]
    bio: str


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = Field(le=9)


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Pet(BaseModel):
    """A discriminated union waits for the end."""

    pet: Union[Cat, Dog] = Field(discriminator="kind")  # noqa: UP007
    bio: str


class ModelLevel(BaseModel):
    """An `after` model validator judges the whole object: it runs at the end, as always."""

    name: str
    age: int
    bio: str

    @model_validator(mode="after")
    def adult(self) -> ModelLevel:
        if self.age < 18:
            raise ValueError("a minor")
        return self


@pytest.mark.parametrize("model, answer", [
    (Rescued, BAD),
    (FieldRescued, BAD),
    (Span, {"start": 5, "end": 7, "bio": BIO}),
])
def test_a_field_a_validator_may_still_accept_is_not_cut(model: type[BaseModel], answer: dict[str, Any]) -> None:
    with FakeProvider() as fake:
        fake.add(Reply.tool(f"Partial{model.__name__}", answer, chunk_size=3))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
        out = list(client.create_partial(response_model=model, messages=MESSAGES, max_retries=0))
        assert isinstance(out[-1], model) and fake.attempts == 1
        assert fake.requests[0].events_served == fake.requests[0].events_total  # read to the end


@pytest.mark.parametrize("model, bad, good", [
    (Pet, {"pet": {"kind": "cat", "lives": 12}, "bio": BIO}, {"pet": {"kind": "dog", "good": True}, "bio": "x"}),
    (ModelLevel, {"name": "Jo", "age": 12, "bio": BIO}, {"name": "Jo", "age": 30, "bio": "x"}),
    (Span, {"start": 5, "end": 2, "bio": BIO}, {"start": 5, "end": 7, "bio": "x"}),
    (User, {"name": "Jason", "bio": "x", "age": -3}, GOOD),  # the bad field is the last: the end is next
])
def test_what_only_the_end_can_judge_is_read_to_the_end_then_reasked(
        model: type[BaseModel], bad: dict[str, Any], good: dict[str, Any]) -> None:
    with FakeProvider() as fake:
        fake.add(Reply.tool(f"Partial{model.__name__}", bad, chunk_size=5),
                 Reply.tool(f"Partial{model.__name__}", good))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
        out = list(client.create_partial(response_model=model, messages=MESSAGES, max_retries=1))
        assert out[-1] == model.model_validate(good) and fake.attempts == 2
        assert not fake.requests[0].hung_up


def test_a_valid_stream_is_never_cut_whatever_its_fields() -> None:
    class Everything(BaseModel):
        name: str = Field(min_length=1, alias="fullName")
        age: int = Field(ge=0, le=150)
        tags: list[str] = Field(max_length=3)
        kind: Literal["a", "b"]
        score: float = Field(gt=0)
        address: User
        bio: str

    answer = {"fullName": "Jason", "age": 25, "tags": ["x"], "kind": "b", "score": 0.5,
              "address": GOOD, "bio": BIO}
    with FakeProvider() as fake:
        fake.add(Reply.tool("PartialEverything", answer, chunk_size=2))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
        out = list(client.create_partial(response_model=Everything, messages=MESSAGES, max_retries=0))
        assert out[-1] == Everything.model_validate(answer) and not fake.requests[0].hung_up


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.MD_JSON])
def test_strict_json_rules_apply_to_the_early_check_as_to_the_final_one(mode: Mode) -> None:
    """JSON strict mode, as the final validation: "25" is not an int (cut), an enum's value is fine."""
    from enum import Enum

    class Color(Enum):
        RED = "red"

    class Paint(BaseModel):
        color: Color
        coats: int
        note: str

    text = {"color": "red", "coats": "2", "note": BIO}
    reply = Reply.tool("PartialPaint", text) if mode is Mode.TOOLS else Reply.json(text)
    with FakeProvider() as fake:
        fake.add(paced(reply), Reply.tool("PartialPaint", {**text, "coats": 2, "note": "ok"}) if mode is Mode.TOOLS
                 else Reply.json({**text, "coats": 2, "note": "ok"}))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k",
                                          mode=mode)
        out = list(client.create_partial(response_model=Paint, messages=MESSAGES, max_retries=1))
        assert out[-1].coats == 2 and fake.requests[0].hung_up
        assert "coats" in str(fake.requests[1].json) and "color" not in str(fake.requests[1].json["messages"][-1])


# -- which fields are checked early -----------------------------------------------------------
def test_which_fields_are_checked_alone() -> None:
    class Mixed(BaseModel):
        plain: int = Field(ge=0)
        aliased: str = Field(alias="Aliased", min_length=2)
        before: int
        after: int
        with_info: Annotated[int, AfterValidator(_before_start)]
        pet: Union[Cat, Dog] = Field(discriminator="kind")  # noqa: UP007
        nested: User

        @field_validator("before", mode="before")
        @classmethod
        def _b(cls, value: Any) -> Any:
            return value

        @field_validator("after")
        @classmethod
        def _a(cls, value: Any) -> Any:
            return value

    checks = field_checks(Mixed)
    assert checks is not None
    assert set(checks.keys.values()) == {"plain", "aliased", "after", "with_info", "nested"}
    assert checks.keys["Aliased"] == "aliased"
    check = checks.guard(True, None)
    check("with_info", "-1")  # its validator reads `info.data`: not judged alone, whatever the value
    with pytest.raises(ValueError, match="after"):  # an `after` validator never rescues: its type is checked
        check("after", '"x"')
    with pytest.raises(ValueError, match="Aliased"):
        check("Aliased", '"J"')
    with pytest.raises(ValueError, match="nested.age"):
        check("nested", '{"name": "J", "age": -1, "bio": ""}')
    check("pet", '{"kind": "cat", "lives": 99}')  # a discriminated union: not checked
    check("before", '"not a number"')  # a `before` validator may fix it: not checked
    check("unknown", "1")  # not a field: nothing to say
    assert field_checks(Rescued) is None and field_checks(FieldRescued) is not None
    assert set(field_checks(FieldRescued).keys.values()) == {"name", "bio"}  # type: ignore[union-attr]
