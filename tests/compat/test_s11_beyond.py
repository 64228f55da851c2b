"""COMPAT.md section 11, "Beyond the published release": five things programs written for its
earlier versions still use (1.17.0 fails all five), each lazy, through the real SDKs."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import anthropic
import openai
import pytest
from pydantic import BaseModel

import instructor
from instructor import InstructorRetryException, Mode
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Jason is 25"}]
JASON = {"name": "Jason", "age": 25}
FENCED = f"Here it is:\n```json\n{json.dumps(JASON)}\n```"


class User(BaseModel):
    name: str
    age: int


def run(code: str, env: dict[str, str]) -> list[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=True).stdout.splitlines()


# -- instructor.client, the module path before instructor.core.client ---------------------------------
@pytest.mark.subprocess
def test_s11_beyond_instructor_client_is_the_path_of_the_core_client(subprocess_env: dict[str, str]) -> None:
    code = """
import sys, instructor
print("instructor.client" in sys.modules)
from instructor.client import T, Instructor, AsyncInstructor, from_openai, Response, Hooks, Partial, Provider
import instructor.core.client as core
print(all(getattr(core, n) is v for n, v in [("T", T), ("Instructor", Instructor), ("from_openai", from_openai),
      ("AsyncInstructor", AsyncInstructor), ("Response", Response), ("Hooks", Hooks), ("Partial", Partial),
      ("Provider", Provider)]))
print("openai" in sys.modules)
"""
    assert run(code, subprocess_env) == ["False", "True", "False"]  # lazy; from_openai loads no SDK


def test_s11_beyond_instructor_client_lists_and_refuses_names() -> None:
    import instructor.client as path

    assert {"T", "Instructor", "AsyncInstructor", "from_openai", "from_litellm"} <= set(path.__all__)
    assert set(dir(path)) == set(path.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        path.nothing  # noqa: B018


# -- instructor.function_calls as an attribute after a bare `import instructor` -----------------------
@pytest.mark.subprocess
def test_s11_beyond_function_calls_is_an_attribute_of_a_bare_import(subprocess_env: dict[str, str]) -> None:
    code = """
import sys, instructor
print("instructor.function_calls" in sys.modules)
module = instructor.function_calls
print(module.__name__, module.openai_schema is instructor.openai_schema, "OpenAISchema" in module.__all__)
"""
    assert run(code, subprocess_env) == ["False", "instructor.function_calls True True"]


# -- from instructor import handle_response_model -------------------------------------------------------
def test_s11_beyond_handle_response_model_at_top_level() -> None:
    from instructor import handle_response_model
    from instructor.processing.response import handle_response_model as published

    assert handle_response_model is published
    model, request = handle_response_model(User, mode=Mode.JSON_SCHEMA, messages=MESSAGES)
    assert model.__name__ == "User" and request["response_format"]["json_schema"]["name"] == "User"


# -- from_anthropic(client, mode=Mode.MD_JSON) ---------------------------------------------------------
def anthropic_md_json(fake: FakeProvider, *, async_client: bool = False) -> Any:
    sdk = (anthropic.AsyncAnthropic if async_client else anthropic.Anthropic)(
        api_key="k", base_url=fake.anthropic_base_url, max_retries=0)
    return instructor.from_anthropic(sdk, mode=Mode.MD_JSON, model="claude-sonnet-4-6")


def test_s11_beyond_anthropic_md_json_puts_the_schema_in_the_system_prompt(fake: FakeProvider) -> None:
    fake.add(Reply.text(FENCED))
    user = anthropic_md_json(fake).create(response_model=User, messages=[
        {"role": "system", "content": "Be brief."}, *MESSAGES])
    assert user == User(**JASON)
    sent = fake.requests[0].json
    system = " ".join(block["text"] for block in sent["system"])
    assert system.startswith("Be brief.") and '"title": "User"' in system and "```json" in system
    assert "tools" not in sent and "tool_choice" not in sent and sent["messages"] == MESSAGES


def test_s11_beyond_anthropic_md_json_reasks_like_the_other_text_modes(fake: FakeProvider) -> None:
    fake.add(Reply.text('```json\n{"name": "Jason"}\n```'), Reply.text(FENCED))
    assert anthropic_md_json(fake).create(response_model=User, messages=MESSAGES, max_retries=1) == User(**JASON)
    reask = fake.requests[1].json["messages"][-1]
    assert reask["role"] == "user" and "age" in reask["content"] and '{"name": "Jason"}' in reask["content"]


def test_s11_beyond_anthropic_md_json_streams(fake: FakeProvider) -> None:
    fake.add(Reply.text(FENCED, chunk_size=4))
    out = list(anthropic_md_json(fake).create_partial(response_model=User, messages=MESSAGES))
    assert out[-1] == User(**JASON) and len(out) > 2 and fake.requests[0].json["stream"] is True


def test_s11_beyond_anthropic_md_json_async_and_from_provider(fake: FakeProvider) -> None:
    import asyncio

    fake.add(Reply.text(FENCED), Reply.text(FENCED))
    client = anthropic_md_json(fake, async_client=True)
    assert asyncio.run(client.create(response_model=User, messages=MESSAGES)) == User(**JASON)
    client = instructor.from_provider("anthropic/claude-sonnet-4-6", mode=Mode.MD_JSON, api_key="k",
                                      base_url=fake.anthropic_base_url)
    assert client.create(response_model=User, messages=MESSAGES) == User(**JASON)


def test_s11_beyond_anthropic_md_json_refuses_an_answer_without_json(fake: FakeProvider) -> None:
    fake.add(Reply.text("Jason, who is 25."))
    with pytest.raises(InstructorRetryException):
        anthropic_md_json(fake).create(response_model=User, messages=MESSAGES, max_retries=0)


# -- from_openai(client, mode=Mode.GEMINI_JSON) on an OpenAI-compatible endpoint serving Gemini ---------
def test_s11_beyond_openai_gemini_json_is_the_json_in_text_mode(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="k", base_url=fake.openai_base_url, max_retries=0)
    with pytest.warns(DeprecationWarning, match="GEMINI_JSON"):
        instructor.mode.reset_deprecated_mode_warnings()
        client = instructor.from_openai(sdk, mode=Mode.GEMINI_JSON, model="google/gemini-2.5-flash")
    assert client.mode is Mode.MD_JSON
    fake.add(Reply.text(FENCED))
    assert client.create(response_model=User, messages=MESSAGES) == User(**JASON)
    sent = fake.requests[0].json
    assert sent["messages"][0]["role"] == "system" and '"title": "User"' in sent["messages"][0]["content"]
    assert "```json" in sent["messages"][-1]["content"] and "tools" not in sent and "response_format" not in sent


def test_s11_beyond_openai_gemini_json_streams_and_reasks(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="k", base_url=fake.openai_base_url, max_retries=0)
    with pytest.warns(DeprecationWarning):
        instructor.mode.reset_deprecated_mode_warnings()
        client = instructor.from_openai(sdk, mode=Mode.GEMINI_JSON, model="google/gemini-2.5-flash")
    fake.add(Reply.text('```json\n{"name": "Jason"}\n```'), Reply.text(FENCED))
    assert list(client.create_partial(response_model=User, messages=MESSAGES, max_retries=1))[-1] == User(**JASON)
    assert len(fake.requests) == 2


@pytest.mark.subprocess
def test_s11_beyond_none_of_it_slows_import_instructor(subprocess_env: dict[str, str]) -> None:
    code = """
import sys
before = set(sys.modules)
import instructor
added = sorted(m for m in set(sys.modules) - before if not m.startswith("instructor"))
ours = sorted(m for m in set(sys.modules) - before if m.startswith("instructor"))
print(ours)
"""
    assert run(code, subprocess_env) == ["['instructor', 'instructor._exports']"]
