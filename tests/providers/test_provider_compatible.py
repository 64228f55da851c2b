"""The OpenAI-compatible providers end to end: the real `openai` SDK, pointed by each
provider's config at its API, here redirected to the fake provider.

perplexity, deepseek, openrouter, xai, ollama, together, anyscale and databricks are
data on the openai factory (base URL, key variable, modes); these tests check each
one's data and every mode it supports, through from_provider.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai_format_contract import as_asked_for_user
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, Mode
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Jason is 25"}]

#: provider -> a model name users write for it
MODELS = {
    "perplexity": "sonar-pro",
    "deepseek": "deepseek-chat",
    "openrouter": "openai/gpt-4o-mini",
    "xai": "grok-3-mini",
    "ollama": "llama3.1:8b",
    "together": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "anyscale": "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "databricks": "databricks-meta-llama-3-3-70b-instruct",
}
PROVIDERS = sorted(MODELS)
CASES = [
    pytest.param(name, mode, id=f"{name}-{mode.name}")
    for name in PROVIDERS
    for mode in instructor.get_registry().get_config(name).supported_modes
]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


def config(name: str) -> instructor.ProviderConfig:
    return instructor.get_registry().get_config(name)


def answer(mode: Mode, obj: dict[str, Any], **kw: Any) -> Reply:
    if mode in Mode.tool_modes():
        return Reply.tool("User", obj, **kw)
    if mode is Mode.MD_JSON:
        return Reply.text(f"```json\n{json.dumps(obj)}\n```", **kw)
    return Reply.json(obj, **kw)


def client_for(fake: FakeProvider, name: str, mode: Mode | None = None, **kw: Any) -> Any:
    kw.setdefault("api_key", "test-key")
    return instructor.from_provider(f"{name}/{MODELS[name]}", base_url=fake.openai_base_url, mode=mode, **kw)


def check_request(mode: Mode, sent: dict[str, Any]) -> None:
    """What each mode puts in the request (the OpenAI-format handlers, per mode)."""
    system = sent["messages"][0]
    if mode in (Mode.TOOLS, Mode.TOOLS_STRICT):
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "User"}}
    elif mode is Mode.PARALLEL_TOOLS:
        assert sent["tool_choice"] == "auto" and sent["tools"][0]["function"]["name"] == "User"
    elif mode is Mode.JSON:
        assert sent["response_format"] == {"type": "json_object"}
        assert system["role"] == "system" and '"age"' in system["content"]
    elif mode is Mode.MD_JSON:
        assert "response_format" not in sent
        assert system["role"] == "system" and '"age"' in system["content"]
        # the fence instruction is merged into the last user message (§4.4)
        assert sent["messages"][-1]["content"].startswith("Jason is 25\n\n")
        assert "```json" in sent["messages"][-1]["content"]
    elif mode is Mode.JSON_SCHEMA:
        schema = sent["response_format"]["json_schema"]
        assert sent["response_format"]["type"] == "json_schema" and "strict" not in schema
        assert schema["name"] == "User" and schema["schema"]["required"] == ["name", "age"]
        assert system["role"] == "user"  # no schema prompt: the response format carries it
    else:  # pragma: no cover - a new mode needs its expectation here
        raise AssertionError(f"no expectation for {mode!r}")


@pytest.mark.parametrize(("name", "mode"), CASES)
def test_extracts_in_every_supported_mode(fake: FakeProvider, name: str, mode: Mode) -> None:
    if mode is Mode.PARALLEL_TOOLS:
        fake.add(Reply.tools(("User", {"name": "Jason", "age": 25}), ("User", {"name": "Ada", "age": 36})))
        users = client_for(fake, name, mode).create(response_model=User, messages=MESSAGES)
        assert users == [User(name="Jason", age=25), User(name="Ada", age=36)]
    else:
        fake.add(answer(mode, {"name": "Jason", "age": 25}))
        user = client_for(fake, name, mode).create(response_model=User, messages=MESSAGES)
        assert user == User(name="Jason", age=25)
    sent = fake.requests[0]
    # databricks appends /serving-endpoints to any base URL that lacks it (§9)
    path = "/v1/serving-endpoints/chat/completions" if name == "databricks" else "/v1/chat/completions"
    assert sent.path == path and sent.json["model"] == MODELS[name]
    assert sent.headers["authorization"] == "Bearer test-key"
    check_request(mode, sent.json)


@pytest.mark.parametrize("name", PROVIDERS)
def test_config_points_the_sdk_at_the_providers_api(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-123.azuredatabricks.net/")
    client = instructor.from_provider(f"{name}/{MODELS[name]}", api_key="test-key")  # builds, sends nothing
    assert isinstance(client.client, openai.OpenAI) and client.provider == name
    expected = config(name).base_url or "https://adb-123.azuredatabricks.net/serving-endpoints"
    assert str(client.client.base_url).rstrip("/") == expected
    assert client.mode is instructor.get_registry().resolve_mode(config(name), MODELS[name], None)
    assert client.mode in config(name).supported_modes


@pytest.mark.parametrize("name", PROVIDERS)
async def test_async_extracts_in_the_default_mode(fake: FakeProvider, name: str) -> None:
    client = client_for(fake, name, async_client=True)
    assert isinstance(client.client, openai.AsyncOpenAI)
    fake.add(answer(client.mode, {"name": "Ada", "age": 36}))
    assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)
    check_request(client.mode, fake.requests[0].json)
    await client.client.close()


@pytest.mark.parametrize("name", PROVIDERS)
def test_reask_and_usage_in_the_default_mode(fake: FakeProvider, name: str) -> None:
    client = client_for(fake, name)
    fake.add(answer(client.mode, {"name": "J", "age": -1}, usage=(10, 5)),
             answer(client.mode, {"name": "J", "age": 1}, usage=(10, 5)))
    user, _ = client.create_with_completion(response_model=User, messages=MESSAGES, max_retries=1)
    assert user.age == 1 and len(fake.requests) == 2
    feedback = fake.requests[1].json["messages"][-1]
    assert "greater than or equal to 0" in feedback["content"]
    assert feedback["role"] == ("tool" if client.mode in Mode.tool_modes() else "user")
    fake.add(*[answer(client.mode, {"name": "J", "age": -1}, usage=(10, 5))] * 2)
    with pytest.raises(instructor.InstructorRetryException) as info:
        client.create(response_model=User, messages=MESSAGES, max_retries=1)
    assert (info.value.total_usage.prompt_tokens, info.value.total_usage.completion_tokens, info.value.total_usage.total_tokens) == (20, 10, 30)


@pytest.mark.parametrize("name", PROVIDERS)
def test_length_stop_is_incomplete_output(fake: FakeProvider, name: str) -> None:
    client = client_for(fake, name)
    if client.mode in Mode.tool_modes():
        fake.add(Reply.tool("User", '{"name": "Ja', stop="length"))
    else:
        fake.add(Reply.text('{"name": "Ja', stop="length"))
    with pytest.raises(IncompleteOutputException) as info:
        client.create(response_model=User, messages=MESSAGES, max_retries=2)
    assert info.value.received == '{"name": "Ja' and len(fake.requests) == 1


@pytest.mark.parametrize("name", PROVIDERS)
def test_create_partial_in_the_default_mode(fake: FakeProvider, name: str) -> None:
    client = client_for(fake, name)
    fake.add(answer(client.mode, {"name": "Jason Liu", "age": 25}))
    partials = list(client.create_partial(response_model=User, messages=MESSAGES))
    assert len(partials) > 2 and partials[-1] == User(name="Jason Liu", age=25)
    assert fake.requests[0].json["stream_options"] == {"include_usage": True}
    check_request(client.mode, as_asked_for_user(fake.requests[0].json))


@pytest.mark.parametrize("name", PROVIDERS)
async def test_async_create_iterable_in_the_default_mode(fake: FakeProvider, name: str) -> None:
    client = client_for(fake, name, async_client=True)
    items = [{"name": "Ada", "age": 36}, {"name": "Jason", "age": 25}]
    if client.mode in Mode.tool_modes():
        fake.add(Reply.tool("IterableUser", {"tasks": items}))
    else:
        fake.add(Reply.json({"tasks": items}))
    assert [u async for u in client.create_iterable(response_model=User, messages=MESSAGES)] == [
        User(**item) for item in items
    ]
    await client.client.close()


@pytest.mark.parametrize("name", [n for n in PROVIDERS if config(n).requires_api_key])
def test_key_comes_from_the_providers_variable(
    fake: FakeProvider, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    var = config(name).env_vars[-1]  # any of them; databricks also reads DATABRICKS_API_KEY (§9)
    for other in config(name).env_vars:
        monkeypatch.delenv(other, raising=False)
    with pytest.raises(instructor.MissingAPIKeyError, match=var):
        instructor.from_provider(f"{name}/{MODELS[name]}", base_url=fake.openai_base_url)
    monkeypatch.setenv(var, "env-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "not-this-one")
    client = instructor.from_provider(f"{name}/{MODELS[name]}", base_url=fake.openai_base_url)
    assert "env-secret" not in repr(client)
    fake.add(answer(client.mode, {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    assert fake.requests[0].headers["authorization"] == "Bearer env-secret"


@pytest.mark.parametrize("name", PROVIDERS)
def test_unsupported_mode_lists_the_supported_ones(name: str) -> None:
    with pytest.raises(instructor.UnsupportedModeError) as info:
        instructor.from_provider(f"{name}/{MODELS[name]}", api_key="k", mode=Mode.ANTHROPIC_TOOLS)
    assert all(f"Mode.{m.name}" in str(info.value) for m in config(name).supported_modes)


# -- ollama: no key, base URL from OLLAMA_BASE_URL, mode chosen by model -----------------------
@pytest.mark.parametrize(
    ("model", "mode"),
    [("llama3.1:8b", Mode.TOOLS), ("qwen2.5:7b", Mode.TOOLS), ("mistral-nemo", Mode.TOOLS),
     ("gemma2:9b", Mode.JSON), ("phi3", Mode.JSON), ("llama2", Mode.JSON)],
)
def test_ollama_picks_the_mode_by_model(fake: FakeProvider, model: str, mode: Mode) -> None:
    client = instructor.from_provider(f"ollama/{model}", base_url=fake.openai_base_url)
    assert client.mode is mode
    fake.add(answer(mode, {"name": "J", "age": 4}))
    assert client.create(response_model=User, messages=MESSAGES).age == 4
    check_request(mode, fake.requests[0].json)


def test_ollama_needs_no_key_and_reads_its_base_url(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", fake.openai_base_url + "/")
    client = instructor.from_provider("ollama/gemma2", mode=Mode.MD_JSON)  # the caller's mode wins
    assert client.mode is Mode.MD_JSON
    fake.add(answer(Mode.MD_JSON, {"name": "J", "age": 5}))
    assert client.create(response_model=User, messages=MESSAGES).age == 5
    assert fake.requests[0].headers["authorization"] == "Bearer ollama"  # the SDK wants some key


# -- databricks: the workspace host is the base URL ---------------------------------------------
def test_databricks_base_url_from_its_host(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", fake.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-secret")
    client = instructor.from_provider("databricks/databricks-meta-llama-3-3-70b-instruct")
    fake.add(answer(client.mode, {"name": "J", "age": 6}))
    assert client.create(response_model=User, messages=MESSAGES).age == 6
    assert fake.requests[0].path == "/serving-endpoints/chat/completions"
    assert fake.requests[0].headers["authorization"] == "Bearer dapi-secret"


def test_databricks_without_a_host_says_what_to_set() -> None:
    with pytest.raises(instructor.ConfigurationError, match="DATABRICKS_HOST"):
        instructor.from_provider("databricks/dbrx-instruct", api_key="k")
