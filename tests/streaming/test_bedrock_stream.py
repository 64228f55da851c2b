"""Bedrock streaming: `create_partial` / `create_iterable` over boto3's `converse_stream`.

The fake provider frames Converse's events in AWS's binary event-stream format
(prelude, headers, JSON payload, CRC32s) and boto3 decodes them as it decodes
Bedrock's; the async client reads the blocking stream in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.config
import pytest
from pydantic import BaseModel

import instructor
from instructor import (
    IncompleteOutputException,
    InstructorRetryException,
    Mode,
    ResponseParsingError,
)
from instructor.core.handler import REASK_JSON
from instructor.testing import FakeProvider, Reply

CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
MESSAGES = [{"role": "user", "content": "Jason is 25, Sarah is 30"}]
JASON, SARAH = {"name": "Jason \"J\" Liu", "age": 25}, {"name": "Sarah", "age": 30}


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
                "AWS_DEFAULT_REGION", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield


class User(BaseModel):
    name: str
    age: int


def aws(fake: FakeProvider) -> dict[str, object]:
    return {"endpoint_url": fake.bedrock_endpoint_url, "region_name": "us-east-1",
            "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "dummy-secret",
            "config": botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})}


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> instructor.Instructor:
    return instructor.from_provider(f"bedrock/{CLAUDE}", mode=mode, **aws(fake))


def aclient_for(fake: FakeProvider, mode: Mode = Mode.TOOLS) -> instructor.AsyncInstructor:
    return instructor.from_provider(f"bedrock/{CLAUDE}", mode=mode, async_client=True, **aws(fake))


def user_reply(mode: Mode, user: dict) -> Reply:
    if mode is Mode.MD_JSON:
        return Reply.text(f"Here:\n```json\n{json.dumps(user)}\n```", thinking="The first person is Jason.")
    return Reply.tool("User", user)


def items_reply(mode: Mode) -> Reply:
    if mode is Mode.MD_JSON:
        return Reply.json({"tasks": [JASON, SARAH]})
    return Reply.tool("IterableUser", {"tasks": [JASON, SARAH]})


MODES = [Mode.TOOLS, Mode.MD_JSON]


def check_partials(objects: list, fake: FakeProvider) -> None:
    assert len(objects) > 5
    assert all(JASON["name"].startswith(o.name) for o in objects if o.name)
    assert objects[-1] == User(**JASON) and type(objects[-1]) is User
    assert objects[-1]._raw_response.usage == {"inputTokens": 11, "outputTokens": 7, "totalTokens": 18}
    assert fake.requests[0].path.endswith("/converse-stream")
    assert "stream" not in fake.requests[0].json  # mapped to the converse-stream operation


@pytest.mark.parametrize("mode", MODES)
def test_create_partial(fake: FakeProvider, mode: Mode) -> None:
    fake.add(user_reply(mode, JASON))
    check_partials(list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES)), fake)


@pytest.mark.parametrize("mode", MODES)
async def test_create_partial_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(user_reply(mode, JASON))
    stream = aclient_for(fake, mode).create_partial(response_model=User, messages=MESSAGES)
    check_partials([o async for o in stream], fake)


@pytest.mark.parametrize("mode", MODES)
def test_create_iterable(fake: FakeProvider, mode: Mode) -> None:
    fake.add(items_reply(mode))
    assert list(client_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES)) \
        == [User(**JASON), User(**SARAH)]


@pytest.mark.parametrize("mode", MODES)
async def test_create_iterable_async(fake: FakeProvider, mode: Mode) -> None:
    fake.add(items_reply(mode))
    stream = aclient_for(fake, mode).create_iterable(response_model=User, messages=MESSAGES)
    assert [u async for u in stream] == [User(**JASON), User(**SARAH)]


def test_several_tool_calls_stream_apart(fake: FakeProvider) -> None:
    """The handler on boto3's own events: two toolUse blocks become two delta indexes."""
    fake.add(Reply.tools(("User", JASON), ("User", SARAH)))
    runtime = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=fake.bedrock_endpoint_url,
                           aws_access_key_id="AKID", aws_secret_access_key="secret")
    events = list(runtime.converse_stream(modelId=CLAUDE, messages=[{"role": "user",
                                                                      "content": [{"text": "hi"}]}])["stream"])
    assert list(events[0]) == ["messageStart"] and "metadata" in events[-1]
    deltas = list(instructor.get_handler(Mode.TOOLS, provider="bedrock").iter_stream(events))
    texts: dict[int, str] = {}
    for delta in deltas:
        texts[delta.index] = texts.get(delta.index, "") + delta.text
    assert [d.name for d in deltas if d.name] == ["User", "User"]
    assert {i: json.loads(t) for i, t in texts.items()} == {0: JASON, 1: SARAH}
    stop = next(i for i, e in enumerate(events) if "messageStop" in e)
    with pytest.raises(IncompleteOutputException, match="ended before its messageStop"):
        list(instructor.get_handler(Mode.TOOLS, provider="bedrock").iter_stream(events[:stop]))


# -- stream ends and errors ------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_max_tokens_in_a_stream_is_incomplete_output(fake: FakeProvider, mode: Mode) -> None:
    reply = user_reply(mode, JASON)
    reply.stop = "length"
    fake.add(reply)
    with pytest.raises(IncompleteOutputException, match="stopReason='max_tokens'") as info:
        list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert "Jason" in (info.value.received or "")


async def test_a_content_filter_in_a_stream_is_a_parsing_error(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="Blocked.", stop="refusal"))
    with pytest.raises(InstructorRetryException, match="content_filtered") as info:
        [u async for u in aclient_for(fake).create_partial(response_model=User, messages=MESSAGES)]
    assert isinstance(info.value.__cause__, ResponseParsingError) and len(fake.requests) == 1


@pytest.mark.parametrize("cut", [0, 6])
def test_a_stream_that_ends_before_message_stop_is_incomplete(fake: FakeProvider, cut: int) -> None:
    fake.add(Reply.tool("User", JASON, cut_stream_after=cut))
    with pytest.raises(IncompleteOutputException):
        list(client_for(fake).create_partial(response_model=User, messages=MESSAGES))


def test_a_corrupt_frame_is_caught_by_botocores_checksum(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", JASON, malformed_event_at=3))
    with pytest.raises(IncompleteOutputException) as info:
        list(client_for(fake).create_partial(response_model=User, messages=MESSAGES))
    assert type(info.value.__cause__).__name__ == "ChecksumMismatch"


# -- re-asking a streamed answer -------------------------------------------------------------
def test_a_streamed_answer_is_reasked_with_a_tool_result(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "old"}), user_reply(Mode.TOOLS, JASON))
    objects = list(client_for(fake).create_partial(response_model=User, messages=MESSAGES, max_retries=1))
    assert objects[-1] == User(**JASON)
    retry = fake.requests[1].json["messages"]
    tool_use = retry[1]["content"][0]["toolUse"]
    assert tool_use["name"] == "User" and tool_use["input"] == {"name": "Jason", "age": "old"}
    result = retry[2]["content"][0]["toolResult"]
    assert result["toolUseId"] == tool_use["toolUseId"] and result["status"] == "error"


async def test_a_streamed_json_answer_is_reasked_async(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), user_reply(Mode.MD_JSON, JASON))
    stream = aclient_for(fake, Mode.MD_JSON).create_partial(response_model=User, messages=MESSAGES,
                                                                 max_retries=1)
    assert [o async for o in stream][-1] == User(**JASON)
    retry = fake.requests[1].json["messages"]
    assert retry[1] == {"role": "assistant", "content": [{"text": '{"name": "Jason"}'}]}
    assert retry[2]["content"][0]["text"].startswith(REASK_JSON.split("{error}")[0])
