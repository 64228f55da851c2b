"""Azure OpenAI end to end: the real `openai` SDK's AzureOpenAI clients against the fake provider.

The model in "azure_openai/<model>" is the deployment; the endpoint and the API
version come from keywords or the environment.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import Mode
from instructor.testing import FakeProvider, Reply

MESSAGES = [{"role": "user", "content": "Jason is 25"}]
MODES = instructor.get_registry().get_config("azure_openai").supported_modes


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


@pytest.fixture(autouse=True)
def _no_azure_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_VERSION", "AZURE_OPENAI_AD_TOKEN", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)


def answer(mode: Mode, obj: dict[str, Any], **kw: Any) -> Reply:
    if mode in Mode.tool_modes():
        return Reply.tool("User", obj, **kw)
    if mode is Mode.MD_JSON:
        return Reply.text(f"```json\n{json.dumps(obj)}\n```", **kw)
    return Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode | None = None, **kw: Any) -> Any:
    kw.setdefault("api_key", "azure-key")
    return instructor.from_provider("azure_openai/my-gpt4o", azure_endpoint=fake.url, mode=mode, **kw)


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_extracts_in_every_mode_through_the_deployment(fake: FakeProvider, mode: Mode) -> None:
    if mode is Mode.PARALLEL_TOOLS:
        fake.add(Reply.tools(("User", {"name": "Jason", "age": 25}), ("User", {"name": "Ada", "age": 36})))
        assert client_for(fake, mode).create(response_model=User, messages=MESSAGES) == [
            User(name="Jason", age=25), User(name="Ada", age=36)]
    else:
        fake.add(answer(mode, {"name": "Jason", "age": 25}))
        assert client_for(fake, mode).create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    request = fake.requests[0]
    assert request.path == "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"
    assert request.headers["api-key"] == "azure-key" and "authorization" not in request.headers


async def test_async_client_and_reask(fake: FakeProvider) -> None:
    client = client_for(fake, async_client=True)
    assert isinstance(client.client, openai.AsyncAzureOpenAI)
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": -1}), answer(Mode.TOOLS, {"name": "J", "age": 1}))
    assert (await client.create(response_model=User, messages=MESSAGES, max_retries=1)).age == 1
    assert fake.requests[1].json["messages"][-1]["role"] == "tool"
    await client.client.close()


def test_sync_reask_usage_and_length(fake: FakeProvider) -> None:
    client = client_for(fake)
    assert isinstance(client.client, openai.AzureOpenAI) and client.provider == "azure_openai"
    fake.add(*[answer(Mode.TOOLS, {"name": "J", "age": -1}, usage=(10, 5))] * 2)
    with pytest.raises(instructor.InstructorRetryException) as info:
        client.create(response_model=User, messages=MESSAGES, max_retries=1)
    assert (info.value.total_usage.prompt_tokens, info.value.total_usage.completion_tokens, info.value.total_usage.total_tokens) == (20, 10, 30)
    fake.add(Reply.tool("User", '{"name": "J', stop="length"))
    with pytest.raises(instructor.IncompleteOutputException):
        client.create(response_model=User, messages=MESSAGES, max_retries=1)


def test_create_partial_and_iterable(fake: FakeProvider) -> None:
    client = client_for(fake)
    fake.add(answer(Mode.TOOLS, {"name": "Jason Liu", "age": 25}))
    partials = list(client.create_partial(response_model=User, messages=MESSAGES))
    assert len(partials) > 2 and partials[-1] == User(name="Jason Liu", age=25)
    fake.add(Reply.tool("IterableUser", {"tasks": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}))
    assert [u.name for u in client.create_iterable(response_model=User, messages=MESSAGES)] == ["A", "B"]


def test_endpoint_version_and_key_from_the_environment(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", fake.url)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01-01-preview")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-azure-key")
    client = instructor.from_provider("azure_openai/prod-deployment")
    assert "env-azure-key" not in repr(client)
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    request = fake.requests[0]
    assert request.path == "/openai/deployments/prod-deployment/chat/completions?api-version=2025-01-01-preview"
    assert request.headers["api-key"] == "env-azure-key"


def test_keywords_beat_the_environment(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://not-this.openai.azure.com")
    monkeypatch.setenv("OPENAI_API_VERSION", "2000-01-01")
    client = instructor.from_provider("azure_openai/d1", api_key="k", base_url=fake.url,
                                      api_version="2024-06-01", azure_deployment="d2", temperature=0)
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    assert fake.requests[0].path == "/openai/deployments/d2/chat/completions?api-version=2024-06-01"
    assert fake.requests[0].json["temperature"] == 0 and fake.requests[0].json["model"] == "d1"


def test_both_endpoint_spellings_at_once_are_accepted(fake: FakeProvider) -> None:
    client = instructor.from_provider("azure_openai/d", api_key="k", azure_endpoint=fake.url,
                                      base_url="https://ignored.example")
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    assert client.create(response_model=User, messages=MESSAGES).age == 1


def test_missing_endpoint_and_key_say_what_to_set() -> None:
    with pytest.raises(instructor.ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        instructor.from_provider("azure_openai/d", api_key="k")
    with pytest.raises(instructor.MissingAPIKeyError, match="AZURE_OPENAI_API_KEY"):
        instructor.from_provider("azure_openai/d", azure_endpoint="https://x.openai.azure.com")


def test_from_openai_wraps_an_azure_client(fake: FakeProvider) -> None:
    sdk = openai.AzureOpenAI(api_key="k", azure_endpoint=fake.url, api_version="2024-10-21")
    client = instructor.from_openai(sdk, mode=Mode.JSON_SCHEMA, model="dep")
    fake.add(Reply.json({"name": "J", "age": 3}))
    assert client.create(response_model=User, messages=MESSAGES).age == 3
    assert fake.requests[0].path.startswith("/openai/deployments/dep/chat/completions")


# -- Microsoft Entra ID (Azure AD) tokens: no API key needed ------------------------------------
def test_entra_id_token_authenticates_without_an_api_key(fake: FakeProvider) -> None:
    client = instructor.from_provider("azure_openai/d", azure_endpoint=fake.url, azure_ad_token="entra-token")
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    assert client.create(response_model=User, messages=MESSAGES).age == 1
    headers = fake.requests[0].headers
    assert headers["authorization"] == "Bearer entra-token" and "api-key" not in headers
    assert "entra-token" not in repr(client)


def test_entra_id_token_provider_is_called_per_request(fake: FakeProvider) -> None:
    tokens = iter(["t1", "t2"])
    client = instructor.from_provider("azure_openai/d", azure_endpoint=fake.url,
                                      azure_ad_token_provider=lambda: next(tokens))
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": -1}), answer(Mode.TOOLS, {"name": "J", "age": 1}))
    assert client.create(response_model=User, messages=MESSAGES, max_retries=2).age == 1
    assert [r.headers["authorization"] for r in fake.requests] == ["Bearer t1", "Bearer t2"]


async def test_async_entra_id_token_provider(fake: FakeProvider) -> None:
    async def token() -> str:
        return "async-token"

    client = instructor.from_provider("azure_openai/d", azure_endpoint=fake.url, async_client=True,
                                      azure_ad_token_provider=token)
    assert isinstance(client.client, openai.AsyncAzureOpenAI)
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    assert (await client.create(response_model=User, messages=MESSAGES)).age == 1
    assert fake.requests[0].headers["authorization"] == "Bearer async-token"
    await client.client.close()


def test_entra_id_token_from_the_environment(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "env-entra-token")
    client = instructor.from_provider("azure_openai/d", azure_endpoint=fake.url)
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    assert fake.requests[0].headers["authorization"] == "Bearer env-entra-token"


def test_an_explicit_token_beats_a_key_in_the_environment(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-azure-key")
    client = instructor.from_provider("azure_openai/d", azure_endpoint=fake.url, azure_ad_token="entra-token")
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 1}))
    client.create(response_model=User, messages=MESSAGES)
    headers = fake.requests[0].headers
    assert headers["authorization"] == "Bearer entra-token" and "api-key" not in headers


def test_a_key_and_a_token_together_are_refused() -> None:
    with pytest.raises(instructor.ConfigurationError, match="only one of") as info:
        instructor.from_provider("azure_openai/d", azure_endpoint="https://x.openai.azure.com",
                                 api_key="secret-key", azure_ad_token="secret-token")
    assert "secret-key" not in str(info.value) and "secret-token" not in str(info.value)


def test_missing_credentials_name_every_way_to_authenticate() -> None:
    with pytest.raises(instructor.MissingAPIKeyError) as info:
        instructor.from_provider("azure_openai/d", azure_endpoint="https://x.openai.azure.com")
    message = str(info.value)
    for way in ("AZURE_OPENAI_API_KEY", "api_key=", "azure_ad_token=", "azure_ad_token_provider="):
        assert way in message
