"""What a finished stream keeps: no SDK chunk, unless asked (`keep_chunks=True`).

For every installed provider SDK and its streaming modes, through the fake provider: while the
final object is held, not one of the SDK's chunk objects is alive (the garbage collector is
asked which objects exist, after a full collection), and the `StreamedResponse` still says
what `_raw_response` users read (id, model, finish reason, usage, the text per call). With
`keep_chunks=True` (on the call or on the client) every chunk is kept, as the SDK yielded it.
The memory figure itself (a 20,000-chunk stream) is a benchmark: `benchmarks/bench_stream_memory.py`.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import Any

import pytest
from provider_families import Family, installed_families
from pydantic import BaseModel

import instructor
from instructor import Mode
from instructor.core.streaming import StreamedResponse
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Jason is 25."}]
ANSWER = {"name": "Jason", "age": 25, "bio": "Born by the sea. " * 20}


class User(BaseModel):
    name: str
    age: int
    bio: str


def alive(kinds: set[type], keys: set[str]) -> int:
    """How many objects of `kinds` are alive (dict events: dicts holding one of `keys`), after a full collection."""
    gc.collect()
    count = 0
    for obj in gc.get_objects():
        kind = type(obj)
        if kind in kinds:
            count += 1
        elif kind is dict and keys and not keys.isdisjoint(obj):
            count += 1
    return count


def chunk_kinds(chunks: list[Any]) -> tuple[set[type], set[str]]:
    """The types of a stream's chunks, and for chunks that are plain mappings (Bedrock's events) their keys."""
    kinds = {type(c) for c in chunks if not isinstance(c, Mapping)}
    keys = {key for c in chunks if isinstance(c, Mapping) for key in c if key != "metadata"}
    return kinds, keys


def streamed(client: Any, **kw: Any) -> Any:
    return list(client.create_partial(response_model=User, messages=MESSAGES, max_tokens=500, **kw))[-1]


@pytest.mark.parametrize("family", installed_families(), ids=str)
def test_a_finished_stream_holds_no_chunk_object(family: Family) -> None:
    with FakeProvider() as fake:
        fake.add(family.answer("PartialUser", ANSWER), family.answer("PartialUser", ANSWER))
        client = family.client(fake)
        kept = streamed(client, keep_chunks=True)._raw_response
        assert kept.count == len(kept.chunks) > 0
        kinds, keys = chunk_kinds(kept.chunks)
        del kept
        final = streamed(client)
        raw = final._raw_response
        assert final == User(**ANSWER) and isinstance(raw, StreamedResponse)
        assert raw.chunks == [] and raw.count > 0
        assert alive(kinds, keys) == 0, f"{family}: SDK chunks outlive the stream"
        assert raw.finish_reason and raw.usage  # what `_raw_response` users read
        assert raw.text.replace(" ", "").startswith('{"name":"Jason"')


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.PARALLEL_TOOLS, Mode.JSON, Mode.MD_JSON, Mode.JSON_SCHEMA,
                                  Mode.RESPONSES_TOOLS])
def test_every_openai_streaming_mode_holds_no_chunk_object(mode: Mode) -> None:
    import openai

    tools = mode in (Mode.TOOLS, Mode.PARALLEL_TOOLS, Mode.RESPONSES_TOOLS)
    name = "User" if mode is Mode.PARALLEL_TOOLS else "PartialUser"
    with FakeProvider() as fake:
        reply = (lambda: Reply.tool(name, ANSWER)) if tools else (lambda: Reply.json(ANSWER))
        fake.add(reply(), reply())
        client = instructor.from_openai(openai.OpenAI(base_url=fake.openai_base_url, api_key="k"), mode=mode,
                                        model="gpt-4o-mini")
        if mode is Mode.PARALLEL_TOOLS:  # streams items: a list of models
            run = lambda **kw: list(client.create_iterable(response_model=User, messages=MESSAGES, **kw))  # noqa: E731
        else:
            run = lambda **kw: [streamed(client, **kw)]  # noqa: E731
        seen: list[StreamedResponse] = []
        client.on("completion:response", seen.append)
        run(keep_chunks=True)
        kinds, keys = chunk_kinds(seen.pop().chunks)
        assert kinds
        [final] = run()
        assert final == User(**ANSWER)
        assert seen[-1].chunks == [] and alive(kinds, keys) == 0
        assert seen[-1].id and seen[-1].model == "gpt-4o-mini" and seen[-1].finish_reason


def test_what_a_stream_keeps_for_raw_response_users() -> None:
    with FakeProvider() as fake:
        fake.add(Reply.tool("PartialUser", ANSWER, usage=(12, 34), thinking="Jason first."))
        client = instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=fake.anthropic_base_url,
                                          api_key="k")
        raw = streamed(client)._raw_response
        assert raw.id and raw.id.startswith("msg_") and raw.model == "claude-sonnet-4-6"
        assert raw.finish_reason == "tool_use" and raw.usage == {"input_tokens": 12, "output_tokens": 34}
        assert raw.names == {0: "PartialUser"} and raw.ids[0] and raw.ids[0].startswith("toolu_")
        assert User.model_validate_json(raw.texts[0]) == User(**ANSWER) and raw.text == raw.texts[0]
        thinking, call = raw.turn  # the handler's own record of the turn, for a re-ask
        assert thinking["thinking"] == "Jason first." and thinking["signature"]
        # the call's input is its text in `texts` (held once); a re-ask decodes it
        assert call == {"type": "tool_use", "id": raw.ids[0], "name": "PartialUser"}
        assert "chunks" not in repr(raw.turn) and f"chunks={raw.count}" in repr(raw)


def test_keep_chunks_on_the_client_keeps_them_for_every_call() -> None:
    with FakeProvider() as fake:
        fake.add(Reply.tool("PartialUser", ANSWER), Reply.tool("PartialUser", ANSWER))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k",
                                          keep_chunks=True)
        raw = streamed(client)._raw_response
        assert len(raw.chunks) == raw.count and raw.chunks[0].object == "chat.completion.chunk"
        assert "keep_chunks" not in fake.requests[0].json
        assert streamed(client, keep_chunks=False)._raw_response.chunks == []  # the call's word wins


def test_a_whole_answer_ignores_keep_chunks() -> None:
    with FakeProvider() as fake:
        fake.add(Reply.tool("User", ANSWER))
        client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="k")
        assert client.create(response_model=User, messages=MESSAGES, keep_chunks=True) == User(**ANSWER)
        assert "keep_chunks" not in fake.requests[0].json
