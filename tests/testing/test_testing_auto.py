"""Reply.auto / Reply.invalid: valid (or chosen-invalid) answers from the response model, in every shape."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, field_validator

import instructor
from instructor import Mode
from instructor.core.exceptions import InstructorRetryException
from instructor.testing import FakeProvider, Reply
from instructor.testing.auto import data_for_schema

MESSAGES = [{"role": "user", "content": "Jason is 25 and lives in Paris."}]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    city: str
    zip_code: Annotated[str, Field(pattern=r"^\d{5}$")]


class Person(BaseModel):
    name: Annotated[str, Field(min_length=2, max_length=30)]
    age: Annotated[int, Field(ge=0, le=130)]
    kind: Literal["customer", "employee"]
    color: Color
    born: datetime.date
    nickname: str | None = None
    score: float | int = 0
    addresses: Annotated[list[Address], Field(min_length=1, max_length=3)]
    tags: dict[str, int] = {}


class Node(BaseModel):
    """A recursive model: its schema refers to itself."""

    name: str
    children: list[Node] = []


class Pet(BaseModel):
    kind: Literal["cat", "dog"]
    born: datetime.datetime
    position: tuple[float, float]
    ids: set[int] = set()


class Even(BaseModel):
    value: int

    @field_validator("value")
    @classmethod
    def must_be_even(cls, value: int) -> int:
        if value % 2:
            raise ValueError("value must be even")
        return value


def test_the_same_seed_gives_the_same_instance_and_another_seed_another() -> None:
    assert Reply.auto(Person, seed=7).data == Reply.auto(Person, seed=7).data
    assert Reply.auto(Person, seed=7).data != Reply.auto(Person, seed=8).data
    person = Reply.auto(Person, seed=7).instance
    assert isinstance(person, Person) and 2 <= len(person.name) <= 30 and person.addresses


def test_fields_are_fixed_and_validators_are_honoured() -> None:
    assert Reply.auto(Person, fields={"name": "Jason", "age": 25}).instance.name == "Jason"
    assert all(Reply.auto(Even, seed=s).instance.value % 2 == 0 for s in range(5))


def test_a_model_no_value_can_satisfy_gets_a_clear_error() -> None:
    class Impossible(BaseModel):
        value: int

        @field_validator("value")
        @classmethod
        def never(cls, value: int) -> int:
            raise ValueError("nothing is good enough")

    with pytest.raises(ValueError, match=r"(?s)Could not build a valid Impossible.*nothing is good enough.*fields="):
        Reply.auto(Impossible)
    with pytest.raises(TypeError, match="pydantic model class, got <class 'int'>"):
        Reply.auto(int)  # type: ignore[arg-type]


OPENAI_MODES = [Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA]


@pytest.mark.parametrize("mode", OPENAI_MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_auto_answers_in_the_shape_each_openai_mode_asks_for(fake: FakeProvider, mode: Mode, stream: bool) -> None:
    reply = Reply.auto(Person, seed=3, chunk_size=2)
    fake.add(reply)
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k", mode=mode)
    if stream:
        *_, person = client.create_partial(response_model=Person, messages=MESSAGES)
    else:
        person = client.create(response_model=Person, messages=MESSAGES)
    assert person == reply.instance
    assert fake.sent[-1].stream is stream


# Bedrock and GenAI TOOLS validate the tool's input dict in pydantic's *python* strict mode when
# `strict=True` (the default, COMPAT section 2): an Enum or a date from a JSON string is refused
# there by design, so those rows ask for lax validation; the wire shape is what they test.
PROVIDERS: list[tuple[str, dict[str, Any], Mode]] = [
    ("anthropic/claude-sonnet-4-6", {}, Mode.TOOLS),
    ("anthropic/claude-sonnet-4-6", {}, Mode.JSON),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", {"max_tokens": 100, "strict": False}, Mode.TOOLS),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", {"max_tokens": 100}, Mode.MD_JSON),
    ("google/gemini-2.5-flash", {"strict": False}, Mode.TOOLS),
    ("google/gemini-2.5-flash", {}, Mode.JSON),
    ("mistral/mistral-large-latest", {}, Mode.TOOLS),
    ("cohere/command-a-03-2025", {}, Mode.JSON_SCHEMA),
]


@pytest.mark.parametrize(("model", "extra", "mode"), PROVIDERS, ids=lambda v: getattr(v, "name", None))
def test_auto_answers_in_each_providers_wire_streamed_or_not(fake_client: Any, fake_provider: FakeProvider,
                                                            model: str, extra: dict[str, Any], mode: Mode) -> None:
    client = fake_client(model, mode=mode)
    whole, streamed = Reply.auto(Person, seed=1), Reply.auto(Person, seed=2, chunk_size=5)
    fake_provider.add(whole, streamed)
    assert client.create(response_model=Person, messages=MESSAGES, **extra) == whole.instance
    *_, last = client.create_partial(response_model=Person, messages=MESSAGES, **extra)
    assert last == streamed.instance


def test_auto_without_a_model_answers_every_response_model_from_the_requests_schema(fake: FakeProvider) -> None:
    fake.always(Reply.auto(seed=4))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
    assert isinstance(client.create(response_model=Person, messages=MESSAGES), Person)
    users = client.create(response_model=Iterable[Address], messages=MESSAGES)
    assert users and all(isinstance(u, Address) for u in users)
    assert isinstance(client.create(response_model=int, messages=MESSAGES), int)
    assert client.create(response_model=Literal["yes", "no"], messages=MESSAGES) in ("yes", "no")
    maybe = client.create(response_model=instructor.Maybe(Address), messages=MESSAGES)
    assert maybe.result is None or isinstance(maybe.result, Address)
    # a plain call (no schema asked) gets text back
    completion = client.create(response_model=None, messages=MESSAGES)
    assert completion.choices[0].message.content


@pytest.mark.parametrize("seed", range(6))
def test_data_for_a_schema_validates_against_it(seed: int) -> None:
    import jsonschema

    for model in (Person, Address, Even, Node, Pet):
        schema = model.model_json_schema()
        data = data_for_schema(schema, seed)
        jsonschema.validate(data, schema)
        if model is not Even:  # a validator in Python is not in the schema
            model.model_validate(data)


def test_invalid_breaks_the_chosen_field_and_the_reask_gets_the_good_answer(fake: FakeProvider) -> None:
    good = Reply.auto(Person, seed=5)
    fake.add(Reply.invalid(Person, "age"), good)
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
    assert client.create(response_model=Person, messages=MESSAGES, max_retries=3) == good.instance
    assert fake.attempts == 2
    reask = fake.sent[-1].messages[-1]
    assert reask[0] == "tool" and "age" in reask[1]


def test_invalid_fails_in_that_field_only() -> None:
    from pydantic import ValidationError

    for field in ("name", "age", "kind", "color", "addresses"):
        with pytest.raises(ValidationError) as info:
            Person.model_validate(Reply.invalid(Person, field, seed=2).data)
        assert {error["loc"][0] for error in info.value.errors()} == {field}
    assert Reply.invalid(Person, "age", value="old").data["age"] == "old"
    with pytest.raises(ValueError, match=r"no field 'agee'.*'age'"):
        Reply.invalid(Person, "agee")
    with pytest.raises(ValueError, match="does not break|fails validation"):
        Reply.invalid(Person, "age", value=30)


def test_invalid_until_the_retries_run_out_raises_with_every_attempt(fake: FakeProvider) -> None:
    fake.always(Reply.invalid(Person, "kind"))
    client = instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=fake.anthropic_base_url, api_key="k")
    with pytest.raises(InstructorRetryException) as info:
        client.create(response_model=Person, messages=MESSAGES, max_retries=2)
    assert info.value.n_attempts == fake.attempts >= 2
    assert fake.usage == (11 * fake.attempts, 7 * fake.attempts)


@pytest.mark.subprocess
def test_a_seed_gives_the_same_values_in_any_process_on_any_day(subprocess_env: dict[str, str]) -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; sys.path.insert(0, 'tests/testing'); from test_testing_auto import Person, Pet, Node; "
            "from instructor.testing.auto import build_data, data_for_schema; "
            "print([build_data(M, 3) for M in (Person, Pet, Node)], data_for_schema(Pet.model_json_schema(), 1))")
    root = Path(__file__).resolve().parents[2]
    outputs = {subprocess.run([sys.executable, "-c", code], cwd=root, env={**subprocess_env, "PYTHONHASHSEED": seed},
                              capture_output=True, text=True, timeout=120, check=True).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1


WITHOUT_THE_EXTRA = '''
import sys

class NoTestingExtra:  # polyfactory and Faker as if `pip install instructor` had not brought them
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("polyfactory", "faker"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoTestingExtra())
import openai
from pydantic import BaseModel
import instructor
from instructor.core.exceptions import MissingDependencyError
from instructor.testing import FakeProvider, Reply

class User(BaseModel):
    name: str
    age: int

for make in (lambda: Reply.auto(User), lambda: Reply.invalid(User, "age")):
    try:
        make()
    except MissingDependencyError as exc:
        assert isinstance(exc, ImportError) and (exc.package, exc.extra) == ("polyfactory", "testing"), exc
        print("raised:", exc)
    else:
        raise SystemExit("built a reply without polyfactory")

with FakeProvider() as fake:  # the server, the scripted replies and a schema-less auto reply need no extra
    fake.add(Reply.tool("User", {"name": "Jo", "age": 3}))
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
    assert client.create(response_model=User, messages=[{"role": "user", "content": "Jo is 3"}]) == User(name="Jo", age=3)
    fake.always(Reply.auto())  # the pytest fixture's default: answering from a schema needs polyfactory
    try:
        client.create(response_model=User, messages=[{"role": "user", "content": "Jo is 3"}], max_retries=0)
    except instructor.InstructorRetryException as exc:
        print("served:", exc.__cause__)
print("loaded:", sorted(m for m in ("polyfactory", "faker") if m in sys.modules))
'''


@pytest.mark.subprocess
def test_without_the_testing_extra_auto_replies_name_the_remedy(subprocess_env: dict[str, str]) -> None:
    """`pip install instructor` has no polyfactory: Reply.auto says how to get it, the rest works."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WITHOUT_THE_EXTRA], env=subprocess_env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    raised = [line for line in lines if line.startswith("raised:")]
    assert len(raised) == 2 and all('pip install "instructor[testing]"' in line for line in raised), lines
    served = next(line for line in lines if line.startswith("served:"))
    assert "400" in served and 'pip install "instructor[testing]"' in served, served
    assert "loaded: []" in lines
