"""COMPAT.md section 6.1: the public names, their attributes and import paths."""

from __future__ import annotations

import openai

import instructor
from instructor import Mode
from instructor.testing import FakeProvider, Reply

from .modes_support import JASON, MESSAGES, User


def test_s6_1_client_attributes_include_kwargs_the_per_call_defaults(fake: FakeProvider) -> None:
    client = instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url),
                                    model="gpt-4o-mini", temperature=0.2)
    assert client.kwargs == {"model": "gpt-4o-mini", "temperature": 0.2}
    client.kwargs["max_tokens"] = 50  # the published attribute is the dict the calls read
    fake.add(Reply.tool("User", JASON))
    client.create(response_model=User, messages=MESSAGES)
    assert fake.requests[0].json["max_tokens"] == 50 and fake.requests[0].json["temperature"] == 0.2


def test_s6_1_client_constructor_takes_provider_and_hooks_by_position(fake: FakeProvider) -> None:
    sdk = openai.OpenAI(api_key="k", base_url=fake.openai_base_url, max_retries=0)
    hooks = instructor.Hooks()
    seen: list[object] = []
    hooks.on("completion:response", seen.append)
    client = instructor.Instructor(sdk, sdk.chat.completions.create, Mode.TOOLS, instructor.Provider.OPENAI, hooks,
                                   model="gpt-4o-mini")
    assert (client.client, client.mode, client.provider, client.hooks) == (sdk, Mode.TOOLS, "openai", hooks)
    assert client.create_fn == sdk.chat.completions.create and client.kwargs == {"model": "gpt-4o-mini"}
    fake.add(Reply.tool("User", JASON))
    assert client.create(response_model=User, messages=MESSAGES) == User(**JASON) and len(seen) == 1


def test_s6_1_instructor_core_publishes_response_the_sync_responses_helper(fake: FakeProvider) -> None:
    from instructor.core import Response

    assert "Response" in instructor.core.__all__
    client = instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url),
                                    mode=Mode.RESPONSES_TOOLS)
    assert type(client.responses) is Response


def test_s6_1_instructor_models_known_model_name_annotates_a_model_string(fake: FakeProvider) -> None:
    from instructor.models import KnownModelName

    def build(model: KnownModelName) -> instructor.Instructor:
        return instructor.from_provider(model, base_url=fake.openai_base_url, api_key="sk-test")  # type: ignore[return-value]

    assert isinstance("openai/gpt-4o-mini", KnownModelName)
    assert build("openai/gpt-4o-mini").kwargs["model"] == "gpt-4o-mini"
