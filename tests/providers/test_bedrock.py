"""Bedrock end to end: the real boto3 `bedrock-runtime` client over HTTP against the fake provider.

boto3 signs every request with SigV4, so the tests give it dummy credentials; the
fake server checks nothing but records what boto3 sent.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import (
    ConfigurationError,
    IncompleteOutputException,
    InstructorRetryException,
    MissingAPIKeyError,
    MissingDependencyError,
    Mode,
    UnsupportedModeError,
)
from instructor.core.handler import REASK_JSON, REASK_NO_TOOL
from instructor.testing import FakeProvider, Reply

CLAUDE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
LLAMA = "meta.llama3-1-70b-instruct-v1:0"
MESSAGES = [{"role": "user", "content": "Jason is 25"}]
JASON = {"name": "Jason", "age": 25}
AWS_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
            "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN")


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No developer credentials, profiles or instance metadata reach these tests."""
    for var in AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


def aws(fake: FakeProvider) -> dict[str, object]:
    """What from_provider needs to reach the fake server: endpoint, region, dummy keys, no retries."""
    return {"endpoint_url": fake.bedrock_endpoint_url, "region_name": "us-east-1",
            "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "dummy-secret",
            "config": botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})}


def client_for(fake: FakeProvider, model: str = CLAUDE, mode: Mode | None = None,
               **kw: object) -> instructor.Instructor:
    return instructor.from_provider(f"bedrock/{model}", mode=mode, **aws(fake), **kw)


def aclient_for(fake: FakeProvider, model: str = CLAUDE, mode: Mode | None = None) -> instructor.AsyncInstructor:
    return instructor.from_provider(f"bedrock/{model}", async_client=True, mode=mode, **aws(fake))


def answer(mode: Mode, obj: dict) -> Reply:
    if mode is Mode.MD_JSON:
        return Reply.text(f"```json\n{json.dumps(obj)}\n```")
    return Reply.tool("User", obj)


def check_request(mode: Mode, model: str, request: object) -> None:
    path, sent = request.path, request.json  # type: ignore[attr-defined]
    assert path.startswith("/model/") and path.endswith("/converse")
    assert "authorization" in request.headers and "AKIDEXAMPLE" in request.headers["authorization"]  # type: ignore[attr-defined]
    assert sent["messages"] == [{"role": "user", "content": [{"text": "Jason is 25"}]}]
    if mode is Mode.TOOLS:
        spec = sent["toolConfig"]["tools"][0]["toolSpec"]
        assert spec["name"] == "User" and spec["description"] == "A person."
        assert spec["inputSchema"]["json"]["required"] == ["name", "age"]
        forced = {"tool": {"name": "User"}} if "anthropic" in model else {"auto": {}}
        assert sent["toolConfig"]["toolChoice"] == forced
        assert "system" not in sent
    else:
        assert "toolConfig" not in sent
        assert '"age"' in sent["system"][0]["text"]


MODES = [(Mode.TOOLS, CLAUDE), (Mode.TOOLS, LLAMA), (Mode.MD_JSON, CLAUDE)]


@pytest.mark.parametrize(("mode", "model"), MODES)
def test_every_mode_sync(fake: FakeProvider, mode: Mode, model: str) -> None:
    fake.add(answer(mode, JASON))
    client = client_for(fake, model, mode)
    assert isinstance(client, instructor.Instructor) and client.mode is mode
    user = client.create(response_model=User, messages=MESSAGES)
    assert user == User(**JASON)
    assert user._raw_response["stopReason"] in ("tool_use", "end_turn")  # type: ignore[attr-defined]
    check_request(mode, model, fake.requests[0])


@pytest.mark.parametrize(("mode", "model"), MODES)
async def test_every_mode_async(fake: FakeProvider, mode: Mode, model: str) -> None:
    fake.add(answer(mode, JASON))
    client = aclient_for(fake, model, mode)
    assert isinstance(client, instructor.AsyncInstructor)
    assert await client.create(response_model=User, messages=MESSAGES) == User(**JASON)
    check_request(mode, model, fake.requests[0])


@pytest.mark.parametrize(("model", "mode"), [
    (CLAUDE, Mode.TOOLS),
    ("amazon.nova-pro-v1:0", Mode.TOOLS),
    (LLAMA, Mode.TOOLS),
    ("amazon.titan-text-express-v1", Mode.MD_JSON),
    ("mistral.mixtral-8x7b-instruct-v0:1", Mode.MD_JSON),
    ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama2-13b-chat-v1", Mode.MD_JSON),
])
def test_the_mode_follows_the_model_family_when_none_is_given(fake: FakeProvider, model: str, mode: Mode) -> None:
    assert client_for(fake, model).mode is mode
    assert client_for(fake, model, Mode.MD_JSON).mode is Mode.MD_JSON  # an explicit mode wins


def test_a_titan_model_is_asked_in_json_mode_end_to_end(fake: FakeProvider) -> None:
    fake.add(Reply.json(JASON))
    assert client_for(fake, "amazon.titan-text-premier-v1:0").create(response_model=User, messages=MESSAGES) \
        == User(**JASON)
    assert "toolConfig" not in fake.requests[0].json


# -- request shape ---------------------------------------------------------------------------
def test_openai_style_kwargs_become_converse_ones(fake: FakeProvider) -> None:
    fake.add(answer(Mode.TOOLS, JASON))
    png = b"\x89PNG\r\n\x1a\nfake"
    messages = [
        {"role": "system", "content": "You extract people."},
        {"role": "user", "content": [
            {"type": "text", "text": "Who is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode()}},
        ]},
        {"role": "user", "content": "Jason is 25"},
    ]
    client_for(fake).create(response_model=User, messages=messages, system="Be precise.", max_tokens=512,
                            temperature=0.2, stop="END")
    sent = fake.requests[0].json
    assert sent["system"] == [{"text": "Be precise."}, {"text": "You extract people."}]
    assert sent["inferenceConfig"] == {"maxTokens": 512, "temperature": 0.2, "stopSequences": ["END"]}
    (user,) = sent["messages"]  # two user turns merged: Converse wants the roles to alternate
    assert user["role"] == "user"
    assert user["content"][0] == {"text": "Who is this?"}
    image = user["content"][1]["image"]
    assert image["format"] == "png" and base64.b64decode(image["source"]["bytes"]) == png
    assert user["content"][2] == {"text": "Jason is 25"}
    assert messages[0]["role"] == "system"  # the caller's list is untouched


def test_converse_shaped_kwargs_pass_through(fake: FakeProvider) -> None:
    fake.add(answer(Mode.TOOLS, JASON))
    messages = [{"role": "user", "content": [{"text": "Jason is 25"},
                                             {"image": {"format": "jpeg", "source": {"s3Location": {
                                                 "uri": "s3://bucket/jason.jpg"}}}}]}]
    client_for(fake).create(response_model=User, messages=messages, system=[{"text": "Be precise."}],
                            inferenceConfig={"maxTokens": 100})
    sent = fake.requests[0].json
    assert sent["messages"] == messages
    assert sent["system"] == [{"text": "Be precise."}] and sent["inferenceConfig"] == {"maxTokens": 100}


def test_image_urls_bedrock_cannot_fetch_are_refused_clearly(fake: FakeProvider) -> None:
    content = [{"type": "image_url", "image_url": {"url": "https://example.com/jason.png"}}]
    with pytest.raises(ValueError, match="cannot fetch images from URLs") as info:
        client_for(fake).create(response_model=User, messages=[{"role": "user", "content": content}])
    assert "data:image/png;base64" in str(info.value) and "s3://" in str(info.value)
    assert not fake.requests


def test_response_model_none_returns_the_converse_response(fake: FakeProvider) -> None:
    fake.add(Reply.text("Hello"))
    response = client_for(fake).create(messages=[{"role": "system", "content": "Be brief."},
                                                 {"role": "user", "content": "Hi"}])
    assert response["output"]["message"]["content"] == [{"text": "Hello"}]
    sent = fake.requests[0].json
    assert sent["system"] == [{"text": "Be brief."}] and "toolConfig" not in sent
    fake.add(Reply.text("Hello"))
    events = list(client_for(fake).create(messages=[{"role": "user", "content": "Hi"}], stream=True))
    assert fake.requests[1].path.endswith("/converse-stream")  # stream=True: the converse_stream events
    assert list(events[0]) == ["messageStart"] and "messageStop" in events[-2]


# -- re-asking -------------------------------------------------------------------------------
def test_reask_sends_a_tool_result_with_the_error(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": -1}), answer(Mode.TOOLS, JASON))
    assert client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1) == User(**JASON)
    retry = fake.requests[1].json["messages"]
    assert retry[1]["role"] == "assistant"
    tool_use = retry[1]["content"][0]["toolUse"]
    assert tool_use["input"] == {"name": "Jason", "age": -1}
    result = retry[2]["content"][0]["toolResult"]
    assert retry[2]["role"] == "user" and result["toolUseId"] == tool_use["toolUseId"]
    assert result["status"] == "error"
    assert "greater than or equal to 0" in result["content"][0]["text"]


async def test_reask_async(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "old"}), answer(Mode.TOOLS, JASON))
    assert await aclient_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1) == User(**JASON)
    assert "toolResult" in fake.requests[1].json["messages"][2]["content"][0]


def test_reask_leaves_out_the_status_models_outside_claude_and_nova_reject(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason"}), answer(Mode.TOOLS, JASON))
    client_for(fake, LLAMA).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert "status" not in fake.requests[1].json["messages"][2]["content"][0]["toolResult"]


def test_reask_of_malformed_tool_json(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", '{"name": "Jason", "age": '), answer(Mode.TOOLS, JASON))
    assert client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1) == User(**JASON)
    assert "toolResult" in fake.requests[1].json["messages"][2]["content"][0]


def test_reask_in_json_mode(fake: FakeProvider) -> None:
    fake.add(Reply.json({"name": "Jason"}), answer(Mode.MD_JSON, JASON))
    client_for(fake, mode=Mode.MD_JSON).create(response_model=User, messages=MESSAGES, max_retries=1)
    messages = fake.requests[1].json["messages"]
    assert messages[1] == {"role": "assistant", "content": [{"text": '{"name": "Jason"}'}]}
    assert messages[2]["content"][0]["text"].startswith(REASK_JSON.split("{error}")[0])
    assert fake.requests[1].json["system"] == fake.requests[0].json["system"]


def test_an_answer_without_the_tool_call_is_reasked(fake: FakeProvider) -> None:
    fake.add(Reply.text("Jason, 25."), answer(Mode.TOOLS, JASON))
    client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    messages = fake.requests[1].json["messages"]
    assert messages[1] == {"role": "assistant", "content": [{"text": "Jason, 25."}]}
    assert messages[2]["content"][0]["text"].startswith(REASK_NO_TOOL.split("{error}")[0])


def test_usage_is_summed_over_attempts(fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"age": 1}, usage=(10, 5)), Reply.tool("User", {"age": 2}, usage=(20, 6)))
    with pytest.raises(InstructorRetryException) as info:
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    usage = info.value.total_usage  # Converse usage is a dict: a TokenUsage of its counts
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (30, 11, 41)


# -- stop reasons and errors -----------------------------------------------------------------
@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.MD_JSON])
def test_max_tokens_stop_is_an_incomplete_output_error(fake: FakeProvider, mode: Mode) -> None:
    reply = answer(mode, JASON)
    reply.stop = "length"
    fake.add(reply)
    with pytest.raises(IncompleteOutputException, match="stopReason='max_tokens'") as info:
        client_for(fake, mode=mode).create(response_model=User, messages=MESSAGES, max_retries=2)
    assert "Jason" in (info.value.received or "")
    assert len(fake.requests) == 1


def test_a_content_filter_is_a_parsing_error(fake: FakeProvider) -> None:
    fake.add(Reply(refusal="Blocked.", stop="refusal"))
    with pytest.raises(InstructorRetryException, match="content_filtered"):
        client_for(fake).create(response_model=User, messages=MESSAGES)


def test_http_errors_surface_as_botocore_client_errors(fake: FakeProvider) -> None:
    fake.add(Reply.http_error(400, "The model returned the following errors: bad input"))
    with pytest.raises(InstructorRetryException, match="ValidationException") as info:
        client_for(fake).create(response_model=User, messages=MESSAGES)
    assert isinstance(info.value.__cause__, botocore.exceptions.ClientError)
    assert "bad input" in str(info.value)


def test_missing_credentials_name_what_to_set(fake: FakeProvider) -> None:
    with pytest.raises(MissingAPIKeyError, match="AWS_ACCESS_KEY_ID") as info:
        instructor.from_provider(f"bedrock/{CLAUDE}", region_name="us-east-1")
    assert "AWS_PROFILE" in str(info.value) and "aws_access_key_id=" in str(info.value)


def test_credentials_and_region_from_the_environment(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    fake.add(answer(Mode.TOOLS, JASON))
    client = instructor.from_provider(f"bedrock/{CLAUDE}", endpoint_url=fake.bedrock_endpoint_url)
    assert client.client.meta.region_name == "eu-west-3"
    client.create(response_model=User, messages=MESSAGES)
    authorization = fake.requests[0].headers["authorization"]
    assert "AKIDFROMENV" in authorization and "eu-west-3/bedrock" in authorization
    assert "env-secret" not in repr(client)


def test_credentials_from_a_profile(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text("[work]\naws_access_key_id = AKIDPROFILE\n"
                                          "aws_secret_access_key = profile-secret\n")
    (tmp_path / "config").write_text("[profile work]\nregion = ap-south-1\n")
    fake.add(answer(Mode.TOOLS, JASON))
    client = instructor.from_provider(f"bedrock/{CLAUDE}", profile_name="work",
                                      endpoint_url=fake.bedrock_endpoint_url)
    client.create(response_model=User, messages=MESSAGES)
    assert "AKIDPROFILE" in fake.requests[0].headers["authorization"]
    assert client.client.meta.region_name == "ap-south-1"
    with pytest.raises(ConfigurationError, match="profile"):
        instructor.from_provider(f"bedrock/{CLAUDE}", profile_name="nope")


def test_missing_region_uses_us_east_1_and_says_how_to_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(UserWarning, match="No AWS region") as info:
        client = instructor.from_provider(f"bedrock/{CLAUDE}", aws_access_key_id="AKID", aws_secret_access_key="s")
    assert client.client.meta.region_name == "us-east-1"
    message = next(str(w.message) for w in info if "No AWS region" in str(w.message))  # not another warning
    assert "'us-east-1'" in message and "region=" in message and "AWS_REGION" in message


def test_an_api_key_is_refused_with_the_credentials_to_use() -> None:
    with pytest.raises(ConfigurationError, match="Bedrock does not take api_key") as info:
        instructor.from_provider(f"bedrock/{CLAUDE}", api_key="sk-wrong-place", region_name="us-east-1")
    assert "sk-wrong-place" not in str(info.value)


def test_unsupported_modes_list_the_supported_ones(fake: FakeProvider) -> None:
    with pytest.raises(UnsupportedModeError, match="Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON_SCHEMA, Mode.MD_JSON"):
        client_for(fake, mode=Mode.JSON)
    runtime = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="a",
                           aws_secret_access_key="b")
    with pytest.raises(UnsupportedModeError, match="Invalid mode .anthropic_json. for provider .bedrock.. .*from_bedrock does not take Mode.ANTHROPIC_JSON"):
        instructor.from_bedrock(runtime, mode=Mode.ANTHROPIC_JSON)


def test_missing_sdk_names_the_pip_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # what an environment without it looks like
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[bedrock\]"'):
        instructor.from_provider(f"bedrock/{CLAUDE}", region_name="us-east-1")


# -- from_bedrock ----------------------------------------------------------------------------
def test_from_bedrock_wraps_a_client_sync_or_in_a_thread(fake: FakeProvider) -> None:
    runtime = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=fake.bedrock_endpoint_url,
                           aws_access_key_id="AKID", aws_secret_access_key="secret")
    sync = instructor.from_bedrock(runtime, model="amazon.titan-text-lite-v1")
    assert isinstance(sync, instructor.Instructor) and sync.mode is Mode.MD_JSON
    assert instructor.from_bedrock(runtime).mode is Mode.TOOLS
    assert isinstance(instructor.from_bedrock(runtime, async_client=True), instructor.AsyncInstructor)
    fake.add(Reply.json(JASON))
    assert sync.create(response_model=User, messages=MESSAGES) == User(**JASON)
    assert fake.requests[0].path == "/model/amazon.titan-text-lite-v1/converse"
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    with pytest.raises(TypeError, match="a boto3 'bedrock-runtime' client.*Got: "):
        instructor.from_bedrock(s3)
