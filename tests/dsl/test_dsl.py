"""The DSL: Partial models, Iterable wrappers and their specs, Maybe, citations; and that it stays lazy."""

from __future__ import annotations

import collections.abc
import json
import subprocess
import sys
import typing
from enum import Enum
from typing import Literal, Optional, Union

import pytest
from pydantic import BaseModel, Field, ValidationError

import instructor
from instructor.core.response_model import resolve_response_model
from instructor.dsl.citation import locate_quote


class Address(BaseModel):
    street: str
    city: str = Field(description="The city", alias="town")


class Tier(str, Enum):
    FREE = "free"
    PRO = "pro"


class Person(BaseModel):
    """A person."""

    name: str = Field(min_length=3)
    tier: Tier
    role: Literal["admin", "user"]
    address: Address
    previous: list[Address] = []
    nicknames: dict[str, Address] = {}
    best_friend: Optional[Person] = None  # noqa: UP045 - recursive and spelled the old way


def test_partial_makes_every_field_optional_all_the_way_down() -> None:
    partial = instructor.Partial[Person]
    assert partial.__name__ == "PartialPerson"
    assert partial() == partial.model_validate({})
    assert all(not f.is_required() for f in partial.model_fields.values())
    assert partial.model_fields["address"].annotation == instructor.Partial[Address] | None
    assert partial.model_fields["previous"].annotation == list[instructor.Partial[Address]] | None
    assert partial.model_fields["nicknames"].annotation == dict[str, instructor.Partial[Address]] | None
    assert partial.model_fields["role"].annotation == Literal["admin", "user"] | None
    draft = partial.model_validate({"name": "Ja", "address": {"street": "Main"}})  # no min_length while partial
    assert draft.address.street == "Main" and draft.address.city is None
    assert instructor.Partial[Address].model_fields["city"].alias == "town"
    assert instructor.Partial[Address].model_fields["city"].description == "The city"


def test_partial_is_cached_and_idempotent() -> None:
    assert instructor.Partial[Person] is instructor.Partial[Person]
    assert instructor.Partial[instructor.Partial[Person]] is instructor.Partial[Person]


def test_partial_keeps_literals_and_enums_whole() -> None:
    partial = instructor.Partial[Person]
    with pytest.raises(ValidationError):
        partial.model_validate({"role": "adm"})
    with pytest.raises(ValidationError):
        partial.model_validate({"tier": "fr"})


def test_partial_of_a_non_model_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="takes a pydantic model"):
        instructor.Partial[int]


def test_partial_spec_asks_for_the_full_model() -> None:
    spec = resolve_response_model(instructor.Partial[Person])
    assert spec is not None
    assert spec.kind == "partial" and issubclass(spec.model, Person) and spec.options["final"] is Person
    assert spec.model.__name__ == "PartialPerson" and spec.model.model_json_schema()["title"] == "PartialPerson"
    assert spec.model.model_json_schema()["required"] == ["name", "tier", "role", "address"]
    assert spec.options["partial"] is instructor.Partial[Person]


class Task(BaseModel):
    title: str


class Note(BaseModel):
    text: str


@pytest.mark.parametrize("alias", [typing.Iterable, collections.abc.Iterable])
def test_iterable_aliases_resolve_to_a_tasks_wrapper(alias: typing.Any) -> None:
    spec = resolve_response_model(alias[Task])
    assert spec is not None and spec.kind == "iterable"
    assert spec.model.__name__ == "IterableTask"
    assert list(spec.model.model_fields) == ["tasks"]
    assert spec.unwrap(spec.model(tasks=[Task(title="a")])) == [Task(title="a")]
    assert spec.options["item_models"] == {"Task": Task}
    assert resolve_response_model(alias[Task]) is spec


def test_iterable_model_of_a_union_offers_each_model() -> None:
    wrapper = instructor.IterableModel(Union[Task, Note])  # noqa: UP007 - the older spelling
    assert wrapper.__name__ == "IterableTaskNote"
    assert wrapper.__instructor_parallel_models__ == (Task, Note)  # type: ignore[attr-defined]
    parsed = wrapper.model_validate({"tasks": [{"title": "t"}, {"text": "n"}]})
    assert parsed.tasks == [Task(title="t"), Note(text="n")]  # type: ignore[attr-defined]


def test_iterable_model_name_and_description() -> None:
    wrapper = instructor.IterableModel(Task, name="TodoList", description="Every todo.")
    assert wrapper.__name__ == "TodoList"
    assert wrapper.model_json_schema()["description"] == "Every todo."


def test_maybe_both_spellings_and_truthiness() -> None:
    maybe = instructor.Maybe[Task]
    assert instructor.Maybe(Task) is maybe
    assert maybe.__name__ == "MaybeTask"
    assert set(maybe.model_fields) == {"result", "error", "message"}
    found = maybe.model_validate({"result": {"title": "x"}})
    assert found and found.result == Task(title="x")
    missing = maybe.model_validate({"error": True, "message": "no task"})
    assert not missing and missing.message == "no task"
    schema = maybe.model_json_schema()
    assert schema["title"] == "MaybeTask"


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("Jason is 25", "Jason is 25"),
        ("jason  IS\n25", "Jason is 25"),
        ("\u201cJason is 25.\u201d", "Jason is 25"),
        ("He is 26", None),
        ("   ", None),
    ],
)
def test_locate_quote(quote: str, found: str | None) -> None:
    assert locate_quote(quote, "Hello. Jason is 25. He likes tea.") == found


class Claim(instructor.CitationMixin):
    claim: str


def test_citation_mixin_fixes_and_drops_quotes() -> None:
    data = {"claim": "x", "substring_quotes": ["LIKES TEA", "likes coffee", "Jason is 25"]}
    claim = Claim.model_validate(data, context={"context": "Jason is 25. He likes tea."})
    assert claim.substring_quotes == ["likes tea", "Jason is 25"]


def test_citation_mixin_without_context_leaves_quotes_alone() -> None:
    claim = Claim.model_validate_json(json.dumps({"claim": "x", "substring_quotes": ["anything"]}))
    assert claim.substring_quotes == ["anything"]
    assert "substring_quotes" in Claim.model_json_schema()["properties"]


@pytest.mark.subprocess
def test_import_instructor_loads_no_dsl_and_no_streaming(subprocess_env: dict[str, str]) -> None:
    code = """
import json, sys
import instructor
before = sorted(m for m in sys.modules if m.startswith("instructor.dsl") or m == "instructor.core.streaming")
instructor.Partial
after = sorted(m for m in sys.modules if m.startswith("instructor.dsl") or m == "instructor.core.streaming")
print(json.dumps({"before": before, "after": after}))
"""
    out = subprocess.run([sys.executable, "-c", code], env=subprocess_env, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    assert result["before"] == []
    assert result["after"] == ["instructor.dsl", "instructor.dsl.partial"]


def test_partial_and_iterable_are_built_once_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    class Inner(BaseModel):
        x: int

    class Outer(BaseModel):
        inner: Inner
        inners: list[Inner]

    class Other(BaseModel):
        outer: Outer

    def build(i: int) -> tuple[typing.Any, typing.Any]:
        model = Outer if i % 2 else Other
        return instructor.Partial[model], resolve_response_model(typing.Iterable[model])

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(build, range(64)))
    partials = {id(p) for p, _ in results}
    specs = {id(s) for _, s in results}
    assert len(partials) == 2 and len(specs) == 2
    outer = instructor.Partial[Outer]
    assert outer.model_fields["inner"].annotation == instructor.Partial[Inner] | None  # never `Any`
    assert instructor.Partial[Other].model_fields["outer"].annotation == outer | None
