"""Sent: what a request asked for, read the same way from every provider's wire."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from instructor import Mode
from instructor.formats.openai_chat import MD_JSON_REMINDER
from instructor.testing import FakeProvider, Reply


class User(BaseModel):
    name: str
    age: int


class Pet(BaseModel):
    species: str


MESSAGES = [{"role": "system", "content": "You extract people."}, {"role": "user", "content": "Jason is 25."}]

CASES = [
    ("openai/gpt-4o-mini", Mode.TOOLS, "tools", "openai"),
    ("openai/gpt-4o-mini", Mode.JSON_SCHEMA, "json_schema", "openai"),
    ("openai/gpt-4o-mini", Mode.JSON, "json", "openai"),
    ("openai/gpt-4o-mini", Mode.MD_JSON, "json", "openai"),
    ("anthropic/claude-sonnet-4-6", Mode.TOOLS, "tools", "anthropic"),
    ("anthropic/claude-sonnet-4-6", Mode.JSON, "json", "anthropic"),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", Mode.TOOLS, "tools", "bedrock"),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", Mode.MD_JSON, "json", "bedrock"),
    ("google/gemini-2.5-flash", Mode.TOOLS, "tools", "genai"),
    ("google/gemini-2.5-flash", Mode.JSON, "json_schema", "genai"),
    ("cohere/command-a-03-2025", Mode.TOOLS, "tools", "cohere"),
    ("mistral/mistral-large-latest", Mode.JSON_SCHEMA, "json_schema", "mistral"),
]


@pytest.mark.parametrize(("model", "mode", "kind", "wire"), CASES, ids=lambda v: getattr(v, "name", None))
def test_sent_reads_messages_tools_schema_and_mode(fake_client: Any, fake_provider: FakeProvider, model: str,
                                                   mode: Mode, kind: str, wire: str) -> None:
    client = fake_client(model, mode=mode)
    client.create(response_model=User, messages=MESSAGES, max_tokens=100)
    (sent,) = fake_provider.sent
    assert (sent.wire, sent.mode) == (wire, kind)
    assert sent.tools == (["User"] if kind == "tools" else [])
    assert sent.schema is not None and set(sent.schema["properties"]) == {"name", "age"}
    assert "Jason is 25." in sent.text and "You extract people." in sent.text
    # OpenAI's MD_JSON merges its codeblock reminder into the last user message (the published shape)
    user = f"Jason is 25.\n\n{MD_JSON_REMINDER}" if (wire, mode) == ("openai", Mode.MD_JSON) else "Jason is 25."
    assert ("user", user) in sent.messages and sent.messages[0][0] == "system"
    assert sent.stream is False


def test_parallel_tools_offer_every_model(fake_client: Any, fake_provider: FakeProvider) -> None:
    from collections.abc import Iterable

    fake_provider.add(Reply.tools(("User", {"name": "Jason", "age": 25}), ("Pet", {"species": "cat"})))
    client = fake_client("openai/gpt-4o-mini", mode=Mode.PARALLEL_TOOLS)
    result = list(client.create(response_model=Iterable[User | Pet], messages=MESSAGES))
    assert result == [User(name="Jason", age=25), Pet(species="cat")]
    sent = fake_provider.sent[-1]
    assert sent.mode == "parallel_tools" and sorted(sent.tools) == ["Pet", "User"]
    assert set(sent.tool_schemas["Pet"]["properties"]) == {"species"}


def test_the_responses_api_body_is_read_too() -> None:
    """OpenAI's Responses API (`/v1/responses`): instructions, input items, flat tools, text.format."""
    import json

    from instructor.testing import RecordedRequest

    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    tools = {"instructions": "Be terse", "input": [{"role": "user", "content": [{"type": "input_text",
                                                                                "text": "Jason is 25"}]}],
             "tools": [{"type": "function", "name": "User", "parameters": schema, "strict": True}],
             "tool_choice": {"type": "function", "name": "User"}, "model": "gpt-4o"}
    text = {"input": "Jason is 25", "text": {"format": {"type": "json_schema", "name": "User", "schema": schema}}}
    read = [RecordedRequest("POST", "/v1/responses", {}, json.dumps(b).encode(), "openai-responses", b).sent
            for b in (tools, text)]
    assert (read[0].messages, read[0].tools, read[0].mode, read[0].schema) == (
        [("system", "Be terse"), ("user", "Jason is 25")], ["User"], "tools", schema)
    assert (read[1].messages, read[1].mode, read[1].schema) == ([("user", "Jason is 25")], "json_schema", schema)
