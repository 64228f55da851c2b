"""litellm: LiteLLM's real `completion` / `acompletion` over HTTP against the fake provider's OpenAI wire.

LiteLLM is not in the `test` extra: every release installable today pins
`openai<3`, below the openai SDK the rest of the suite runs on. So the
missing-SDK tests always run, and the end-to-end tests run where litellm is
installed: `scripts/test.sh` runs them in a venv of their own (`.venv-litellm`, the
`litellm` marker; litellm 1.106+ also needs the `mcp` package for `completion` to import).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest
from pydantic import BaseModel, Field

import instructor
from instructor import IncompleteOutputException, Mode
from instructor.core.exceptions import MissingDependencyError
from instructor.testing import FakeProvider, Reply

# litellm's own types trip pydantic warnings (its business, not this code's)
pytestmark = [
    pytest.mark.filterwarnings("ignore:Items? .* (is|are) using the `ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings("ignore:Accessing the 'model_(computed_)?fields' attribute:DeprecationWarning"),
]


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


MESSAGES = [{"role": "user", "content": "Jason is 25"}]
MODES = [Mode.TOOLS, Mode.JSON, Mode.MD_JSON]


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "instructor\[litellm\]"'):
        instructor.from_provider("litellm/openai/gpt-4o-mini")
    # from_litellm wraps the callable it is given: litellm itself is not needed (COMPAT 11)
    assert isinstance(instructor.from_litellm(print), instructor.Instructor)


def test_needs_no_key_of_its_own() -> None:
    config = instructor.get_registry().get_config("litellm")
    assert config.requires_api_key is False and config.env_vars == ()  # LiteLLM reads each backend's own


@pytest.fixture
def litellm(monkeypatch: pytest.MonkeyPatch) -> Any:
    # LiteLLM fetches a model price list from the internet at import unless told not to
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return pytest.importorskip("litellm", reason="litellm pins openai<3; install instructor[litellm] apart")


def answer(mode: Mode, obj: Any, **kw: Any) -> Reply:
    if mode is Mode.TOOLS:
        return Reply.tool("User", obj, **kw)
    if mode is Mode.MD_JSON:
        return Reply.text(f"```json\n{json.dumps(obj)}\n```", **kw)
    return Reply.json(obj, **kw)


def client_for(fake: FakeProvider, mode: Mode = Mode.TOOLS, **kw: Any) -> Any:
    return instructor.from_provider("litellm/openai/gpt-4o-mini", mode=mode, api_key="sk-test",
                                    api_base=fake.openai_base_url, **kw)


@pytest.mark.parametrize("mode", MODES)
def test_extracts_in_every_mode(litellm: Any, fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": 25}))
    client = client_for(fake, mode)
    assert client.provider == "litellm" and client.create_fn is litellm.completion
    assert client.create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    request = fake.requests[0]
    assert request.path == "/v1/chat/completions" and request.headers["authorization"] == "Bearer sk-test"
    sent = request.json
    assert sent["model"] == "gpt-4o-mini"
    if mode is Mode.TOOLS:
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "User"}}
    elif mode is Mode.JSON:
        assert sent["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize("mode", MODES)
async def test_async_every_mode(litellm: Any, fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Ada", "age": 36}))
    client = client_for(fake, mode, async_client=True)
    assert isinstance(client, instructor.AsyncInstructor) and client.create_fn is litellm.acompletion
    assert await client.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)


@pytest.mark.parametrize("mode", MODES)
def test_reask(litellm: Any, fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason", "age": -1}), answer(mode, {"name": "Jason", "age": 25}))
    assert client_for(fake, mode).create(response_model=User, messages=MESSAGES, max_retries=1).age == 25
    feedback = fake.requests[1].json["messages"][-1]
    assert "greater than or equal to 0" in feedback["content"]
    assert feedback["role"] == ("tool" if mode is Mode.TOOLS else "user")


def test_length_stop_is_incomplete_output(litellm: Any, fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}, stop="length"))
    with pytest.raises(IncompleteOutputException):
        client_for(fake).create(response_model=User, messages=MESSAGES, max_retries=1)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_create_partial(litellm: Any, fake: FakeProvider, mode: Mode) -> None:
    fake.add(answer(mode, {"name": "Jason Liu", "age": 25}))
    partials = list(client_for(fake, mode).create_partial(response_model=User, messages=MESSAGES))
    assert partials[-1] == User(name="Jason Liu", age=25) and len(partials) > 3
    assert fake.requests[0].json["stream"] is True


def test_from_litellm(litellm: Any, fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "A", "age": 1}))
    client = instructor.from_litellm(litellm.completion, model="openai/gpt-4o-mini", api_key="sk-test",
                                     api_base=fake.openai_base_url)
    assert client.create(response_model=User, messages=MESSAGES).age == 1
    assert isinstance(instructor.from_litellm(litellm.acompletion), instructor.AsyncInstructor)
    with pytest.raises(TypeError, match="litellm.completion"):
        instructor.from_litellm("completion")  # type: ignore[arg-type]
