"""COMPAT.md section 2: what `strict` means on each parse path.

JSON-strict (`model_validate_json(..., strict=True)`) on every path: "25" for an int fails, an enum
or a date from a string passes. The published release validates the tool inputs that arrive as
objects (Bedrock TOOLS / TOOLS_STRICT, GenAI TOOLS) Python-strict, refusing every enum and date: a
defect not copied (COMPAT 11, tests/compat/test_s11_defects.py). `strict=False` is lax everywhere.
A failure is re-asked.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from pydantic import BaseModel

import instructor
from instructor import Mode
from instructor.testing import FakeProvider, Reply

from .modes_support import BEDROCK_CLAUDE, CLAUDE, MESSAGES, aws


class Color(enum.Enum):
    RED = "red"


class Item(BaseModel):
    """An item."""

    count: int
    color: Color
    day: datetime.date


GOOD = {"count": 3, "color": "red", "day": "2024-01-02"}  # what JSON-strict accepts
STRING_INT = {"count": "3", "color": "red", "day": "2024-01-02"}  # JSON-strict refuses "3"
EXPECTED = Item(count=3, color=Color.RED, day=datetime.date(2024, 1, 2))


def openai_client(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url), mode=mode,
                                  model="gpt-4o-mini")


def anthropic_client(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_anthropic(anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url),
                                     mode=mode, model=CLAUDE)


def bedrock_client(fake: FakeProvider, mode: Mode) -> Any:
    return instructor.from_provider(f"bedrock/{BEDROCK_CLAUDE}", mode=mode, **aws(fake))


def genai_client(fake: FakeProvider, mode: Mode) -> Any:
    sdk = genai.Client(api_key="k", http_options={"base_url": fake.genai_base_url})
    return instructor.from_genai(sdk, mode=mode, model="gemini-2.5-flash")


def reply(mode: Mode, obj: dict[str, Any]) -> Reply:
    return Reply.tool("Item", obj) if mode in (Mode.TOOLS, Mode.TOOLS_STRICT) else Reply.json(obj)


JSON_STRICT = [
    pytest.param(openai_client, Mode.TOOLS, id="openai-TOOLS"),
    pytest.param(openai_client, Mode.JSON, id="openai-JSON"),
    pytest.param(openai_client, Mode.MD_JSON, id="openai-MD_JSON"),
    pytest.param(openai_client, Mode.JSON_SCHEMA, id="openai-JSON_SCHEMA"),
    pytest.param(anthropic_client, Mode.TOOLS, id="anthropic-TOOLS"),
    pytest.param(anthropic_client, Mode.JSON_SCHEMA, id="anthropic-JSON_SCHEMA"),
    pytest.param(bedrock_client, Mode.MD_JSON, id="bedrock-MD_JSON"),
    # tool inputs that arrive as objects: validated as the JSON they were (the published release's defect)
    pytest.param(bedrock_client, Mode.TOOLS, id="bedrock-TOOLS"),
    pytest.param(bedrock_client, Mode.TOOLS_STRICT, id="bedrock-TOOLS_STRICT"),
    pytest.param(genai_client, Mode.TOOLS, id="genai-TOOLS"),
]


@pytest.mark.parametrize(("build", "mode"), JSON_STRICT)
def test_s2_json_strict_accepts_enum_and_date_strings(fake: FakeProvider, build: Any, mode: Mode) -> None:
    fake.add(reply(mode, GOOD))
    assert build(fake, mode).create(response_model=Item, messages=MESSAGES, strict=True) == EXPECTED


@pytest.mark.parametrize(("build", "mode"), JSON_STRICT)
def test_s2_json_strict_refuses_a_string_int_and_reasks(fake: FakeProvider, build: Any, mode: Mode) -> None:
    fake.add(reply(mode, STRING_INT), reply(mode, GOOD))
    assert build(fake, mode).create(response_model=Item, messages=MESSAGES, strict=True, max_retries=2) == EXPECTED
    assert len(fake.requests) == 2


@pytest.mark.parametrize(("build", "mode"), JSON_STRICT)
def test_s2_not_strict_is_lax(fake: FakeProvider, build: Any, mode: Mode) -> None:
    fake.add(reply(mode, STRING_INT))
    assert build(fake, mode).create(response_model=Item, messages=MESSAGES, strict=False) == EXPECTED
    assert len(fake.requests) == 1


def test_s2_bedrock_tools_strict_sends_a_strict_tool_whatever_strict_says(fake: FakeProvider) -> None:
    class Plain(BaseModel):
        """Plain."""

        color: Color

    fake.add(Reply.tool("Plain", {"color": "red"}))
    assert bedrock_client(fake, Mode.TOOLS_STRICT).create(response_model=Plain, messages=MESSAGES,
                                                          strict=True) == Plain(color=Color.RED)
    sent = fake.requests[0].json["toolConfig"]["tools"][0]["toolSpec"]
    assert sent["strict"] is True  # the request-shape strictness is the mode's, not this parameter's


def test_s2_anthropic_json_not_strict_allows_control_characters(fake: FakeProvider) -> None:
    class Note(BaseModel):
        text: str

    fake.add(Reply.text('{"text": "line one\nline two"}'))  # a raw newline inside the string
    note = anthropic_client(fake, Mode.JSON).create(response_model=Note, messages=MESSAGES, strict=False)
    assert note.text == "line one\nline two"


def test_s2_strict_does_not_change_the_request(fake: FakeProvider) -> None:
    for strict in (True, False):
        fake.add(Reply.json(GOOD))
        openai_client(fake, Mode.JSON_SCHEMA).create(response_model=Item, messages=MESSAGES, strict=strict)
    first, second = (r.json for r in fake.requests)
    assert first == second and "strict" not in first["response_format"]["json_schema"]
