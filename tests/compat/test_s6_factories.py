"""COMPAT.md sections 6.2 and 6.3: the Provider enum and the from_* factories."""

from __future__ import annotations

import inspect
import subprocess
import sys

import anthropic
import openai
import pytest

import instructor
from instructor import ClientError, Mode, ModeError, Provider
from instructor.testing import FakeProvider, Reply

from .modes_support import JASON, MESSAGES, User, bedrock_runtime

PUBLISHED_PROVIDERS = [
    ("OPENAI", "openai"), ("AZURE_OPENAI", "azure_openai"), ("VERTEXAI", "vertexai"), ("ANTHROPIC", "anthropic"),
    ("ANYSCALE", "anyscale"), ("TOGETHER", "together"), ("GROQ", "groq"), ("MISTRAL", "mistral"),
    ("COHERE", "cohere"), ("GEMINI", "gemini"), ("GENAI", "genai"), ("DATABRICKS", "databricks"),
    ("CEREBRAS", "cerebras"), ("DEEPSEEK", "deepseek"), ("FIREWORKS", "fireworks"), ("WRITER", "writer"),
    ("XAI", "xai"), ("OLLAMA", "ollama"), ("LITELLM", "litellm"), ("GOOGLE", "google"),
    ("GENERATIVE_AI", "generative-ai"), ("UNKNOWN", "unknown"), ("BEDROCK", "bedrock"),
    ("PERPLEXITY", "perplexity"), ("OPENROUTER", "openrouter"),
]


def test_s6_2_provider_enum_members_values_and_order() -> None:
    assert [(p.name, p.value) for p in Provider] == PUBLISHED_PROVIDERS


def test_s6_2_a_clients_provider_compares_to_the_enum(fake: FakeProvider) -> None:
    client = instructor.from_anthropic(anthropic.Anthropic(api_key="k"))
    assert client.provider == Provider.ANTHROPIC


SIGNATURES = {
    "from_openai": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_anyscale": "(model_or_client, mode=TOOLS, model=None, async_client=False, **kwargs)",
    "from_together": "(model_or_client, mode=TOOLS, model=None, async_client=False, **kwargs)",
    "from_databricks": "(model_or_client, mode=TOOLS, model=None, async_client=False, **kwargs)",
    "from_deepseek": "(model_or_client, mode=TOOLS, model=None, async_client=False, **kwargs)",
    "from_openrouter": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_perplexity": "(client, mode=MD_JSON, model=None, **kwargs)",
    "from_anthropic": "(client, mode=TOOLS, beta=False, model=None, **kwargs)",
    "from_genai": "(client, mode=TOOLS, *, use_async=False, model=None, **kwargs)",
    "from_gemini": "(client, mode=MD_JSON, use_async=False, **kwargs)",
    "from_vertexai": "(client, mode=TOOLS, use_async=False, **kwargs)",
    "from_cohere": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_mistral": "(client, mode=TOOLS, use_async=False, model=None, **kwargs)",
    "from_groq": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_fireworks": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_cerebras": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_writer": "(client, mode=TOOLS, model=None, **kwargs)",
    "from_litellm": "(completion, mode=TOOLS, *, async_client=None, **kwargs)",
}


def _render(fn: object) -> str:
    parts = []
    star = False
    for p in inspect.signature(fn).parameters.values():  # type: ignore[arg-type]
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.default is p.empty:
            parts.append(p.name)
        else:
            default = p.default.name if isinstance(p.default, Mode) else repr(p.default)
            parts.append(f"{p.name}={default}")
    return "(" + ", ".join(parts) + ")"


@pytest.mark.parametrize(("name", "signature"), SIGNATURES.items())
def test_s6_3_factory_signatures(name: str, signature: str) -> None:
    assert _render(getattr(instructor, name)) == signature


def test_s6_3_from_bedrock_signature_keeps_ours_for_the_default_mode() -> None:
    # published: (client, mode=TOOLS, async_client=False, model=None, **kwargs); ours picks the mode by the
    # model's capability when none is given (COMPAT decision 3), so the default is None
    assert _render(instructor.from_bedrock) == "(client, mode=None, async_client=False, model=None, **kwargs)"


def test_s6_3_model_becomes_the_default_model(fake: FakeProvider) -> None:
    client = instructor.from_openai(openai.OpenAI(api_key="k", base_url=fake.openai_base_url), model="gpt-x",
                                    temperature=0.5)
    assert client.default_kwargs == {"model": "gpt-x", "temperature": 0.5}
    fake.add(Reply.tool("User", JASON))
    client.create(response_model=User, messages=MESSAGES)
    assert fake.requests[0].json["model"] == "gpt-x" and fake.requests[0].json["temperature"] == 0.5


@pytest.mark.parametrize(("factory", "accepted"), [
    ("from_openai", "OpenAI"), ("from_together", "OpenAI"), ("from_openrouter", "OpenAI"),
    ("from_perplexity", "OpenAI"), ("from_xai", "OpenAI"), ("from_anthropic", "Anthropic"),
    ("from_groq", "Groq"), ("from_cerebras", "Cerebras"), ("from_fireworks", "Fireworks"),
    ("from_writer", "Writer"), ("from_cohere", "ClientV2"), ("from_mistral", "Mistral"),
    ("from_genai", "google.genai.Client"), ("from_bedrock", "botocore.client.BaseClient"),
])
def test_s6_3_a_wrong_client_is_a_client_error_naming_both(factory: str, accepted: str) -> None:
    wrong = anthropic.Anthropic(api_key="k") if factory != "from_anthropic" else openai.OpenAI(api_key="k")
    with pytest.raises(ClientError) as info:
        getattr(instructor, factory)(wrong)
    assert isinstance(info.value, TypeError)
    message = str(info.value)
    assert accepted in message and type(wrong).__name__ in message


def test_s6_3_the_mode_is_checked_before_the_client(fake: FakeProvider) -> None:
    with pytest.raises(ModeError):
        instructor.from_openai(object(), mode=Mode.BEDROCK_TOOLS)
    with pytest.raises(ModeError):
        instructor.from_anthropic(object(), mode=Mode.RESPONSES_TOOLS)
    with pytest.raises(ModeError):
        instructor.from_bedrock(object(), mode=Mode.JSON)


def test_s6_3_anthropic_beta_patches_the_beta_messages(fake: FakeProvider) -> None:
    sdk = anthropic.Anthropic(api_key="k", base_url=fake.anthropic_base_url)
    client = instructor.from_anthropic(sdk, beta=True, model="claude-sonnet-4-6")
    fake.add(Reply.tool("User", JASON))
    # `betas=` exists only on the beta resource: messages.create would reject it
    assert client.create(response_model=User, messages=MESSAGES, betas=["some-beta"]) == User(**JASON)
    assert fake.requests[0].path.startswith("/v1/messages")
    assert fake.requests[0].headers["anthropic-beta"] == "some-beta"


@pytest.mark.parametrize("factory", ["from_together", "from_anyscale", "from_deepseek", "from_databricks"])
def test_s6_3_a_model_string_goes_through_from_provider(
    fake: FakeProvider, factory: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = factory.removeprefix("from_")
    env = instructor.get_registry().get_config(name).env_vars[0]
    monkeypatch.setenv(env, "env-key")
    client = getattr(instructor, factory)("some-model", base_url=fake.openai_base_url)
    assert isinstance(client, instructor.Instructor) and client.provider == name
    assert client.default_kwargs["model"] == "some-model"
    aclient = getattr(instructor, factory)("some-model", async_client=True, base_url=fake.openai_base_url)
    assert isinstance(aclient, instructor.AsyncInstructor)


def test_s6_3_a_compatible_client_is_wrapped_with_its_provider(fake: FakeProvider) -> None:
    client = instructor.from_deepseek(openai.OpenAI(api_key="k", base_url=fake.openai_base_url),
                                      model="deepseek-chat")
    assert client.provider == "deepseek" and client.mode is Mode.TOOLS
    fake.add(Reply.tool("User", JASON))
    assert client.create(response_model=User, messages=MESSAGES) == User(**JASON)


def test_s6_3_from_bedrock_accepts_a_runtime_client(fake: FakeProvider) -> None:
    client = instructor.from_bedrock(bedrock_runtime(fake), async_client=True, model="x")
    assert isinstance(client, instructor.AsyncInstructor) and client.default_kwargs == {"model": "x"}


def test_s6_the_new_names_stay_lazy() -> None:
    code = (
        "import sys, instructor\n"
        "before = set(sys.modules)\n"
        "names = ['Provider', 'from_together', 'from_anyscale', 'from_databricks', 'from_deepseek',\n"
        "         'from_openrouter', 'from_perplexity', 'from_xai']\n"
        "assert all(n in instructor.__all__ for n in names)\n"
        "assert not [m for m in sys.modules if m.startswith(('openai', 'pydantic', 'instructor.providers'))]\n"
        "instructor.Provider\n"
        "assert 'pydantic' not in sys.modules and 'openai' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_s6_3_a_factory_without_its_sdk_is_a_client_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mistralai", None)
    with pytest.raises(ClientError, match=r"instructor\[mistral\]") as info:
        instructor.from_mistral(object())
    assert isinstance(info.value, instructor.ConfigurationError)  # what from_provider raised, as published
    with pytest.raises(instructor.ConfigurationError):
        instructor.from_provider("mistral/mistral-large-latest", api_key="k")
