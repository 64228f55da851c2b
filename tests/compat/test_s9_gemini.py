"""COMPAT.md section 9: `from_provider("gemini/<model>")`, the published name of the google-generativeai client."""

from __future__ import annotations

import warnings

import pytest
from pydantic import BaseModel

import instructor
from instructor import Mode
from instructor.testing import FakeProvider, Reply

with warnings.catch_warnings():  # the SDK announces its end of life at import
    warnings.simplefilter("ignore", FutureWarning)
    import google.generativeai as genai


class User(BaseModel):
    name: str
    age: int


MESSAGES = [{"role": "user", "content": "Jason is 25"}]


def gemini(fake: FakeProvider, **kw: object) -> instructor.Instructor:
    with pytest.warns(DeprecationWarning, match="google-genai"):
        return instructor.from_provider("gemini/gemini-1.5-flash", api_key="test-key", base_url=fake.url,
                                        **kw)  # type: ignore[return-value]


def test_s9_gemini_builds_a_generative_model_in_md_json_by_default(fake: FakeProvider) -> None:
    client = gemini(fake)
    assert isinstance(client.client, genai.GenerativeModel) and client.client.model_name == "models/gemini-1.5-flash"
    assert client.mode is Mode.MD_JSON and client.provider == "gemini" == instructor.Provider.GEMINI
    fake.add(Reply.json({"name": "Jason", "age": 25}))
    assert client.create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    assert "generateContent" in fake.requests[0].path


def test_s9_gemini_takes_the_tools_mode_and_is_listed(fake: FakeProvider) -> None:
    client = gemini(fake, mode=Mode.TOOLS)
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    assert client.create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    assert "tools" in fake.requests[0].json
    assert "gemini" in instructor.get_registry().list_providers()
