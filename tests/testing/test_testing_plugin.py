"""The pytest plugin as a user meets it: registered by the package, lazy, fixtures that reach every SDK."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import instructor
from instructor.core.dependencies import is_installed
from instructor.testing import PROVIDERS, FakeProvider, Reply

USER_TEST = '''\
import instructor
from pydantic import BaseModel
from instructor.testing import Reply

class User(BaseModel):
    name: str
    age: int

def extract_user(text: str) -> User:            # the user's own code, unchanged
    client = instructor.from_provider("openai/gpt-4o-mini")
    return client.create(response_model=User, messages=[{"role": "user", "content": text}])

def test_extract_user(fake_provider):
    reply = Reply.auto(User, seed=1)
    fake_provider.add(reply)
    assert extract_user("Jason is 25") == reply.instance
    assert fake_provider.requests[-1].sent.tools == ["User"]
'''


def run_pytest(tmp_path: Path, source: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *args, "test_user.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )


@pytest.mark.subprocess
def test_a_new_users_ten_line_test_runs_with_no_key_and_no_network(tmp_path: Path,
                                                                   subprocess_env: dict[str, str]) -> None:
    # the entry point alone: no conftest, no -p, no key in the environment
    result = run_pytest(tmp_path, USER_TEST, subprocess_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.subprocess
def test_the_plugin_loads_by_name_when_the_entry_point_is_off(tmp_path: Path,
                                                              subprocess_env: dict[str, str]) -> None:
    off = run_pytest(tmp_path, USER_TEST, subprocess_env, "-p", "no:instructor")
    assert off.returncode != 0 and "fixture 'fake_provider' not found" in off.stdout
    on = run_pytest(tmp_path, USER_TEST, subprocess_env, "-p", "no:instructor",
                    "-p", "instructor.testing.pytest_plugin")
    assert on.returncode == 0, on.stdout + on.stderr


@pytest.mark.subprocess
def test_the_plugin_loads_nothing_until_a_fixture_is_used(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    source = textwrap.dedent('''\
        import sys

        def test_untouched():
            assert "instructor.testing.pytest_plugin" in sys.modules   # the entry point ran
            heavy = [m for m in ("pydantic", "openai", "polyfactory", "instructor.testing.server",
                                 "instructor.testing.replies", "http.server") if m in sys.modules]
            assert heavy == []
    ''')
    result = run_pytest(tmp_path, source, subprocess_env)
    assert result.returncode == 0, result.stdout + result.stderr


class User(BaseModel):
    name: str
    age: int


def _provider_models() -> list[Any]:
    models = {"openai": "openai/gpt-4o-mini", "anthropic": "anthropic/claude-sonnet-4-6",
              "bedrock": "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "google": "google/gemini-2.5-flash",
              "mistral": "mistral/mistral-large-latest", "cohere": "cohere/command-a-03-2025",
              "groq": "groq/llama-3.3-70b-versatile", "writer": "writer/palmyra-x5",
              "cerebras": "cerebras/llama-3.3-70b", "fireworks": "fireworks/accounts/fireworks/models/llama-v3p3",
              "deepseek": "deepseek/deepseek-chat", "xai": "xai/grok-3", "azure_openai": "azure_openai/my-deployment"}
    registry = instructor.get_registry()
    return [pytest.param(model, id=name) for name, model in models.items()
            if is_installed(registry.get_config(name).package)]


@pytest.mark.parametrize("model", _provider_models())
def test_fake_client_reaches_the_fake_for_each_provider(fake_client: Any, fake_provider: FakeProvider,
                                                        model: str) -> None:
    reply = Reply.auto(User, seed=2)
    fake_provider.add(reply)
    client = fake_client(model)
    assert client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}],
                         max_tokens=100) == reply.instance
    assert fake_provider.attempts == 1


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6"])
async def test_fake_client_builds_async_clients(fake_client: Any, fake_provider: FakeProvider, model: str) -> None:
    client = fake_client(model, async_client=True)
    assert isinstance(client, instructor.AsyncInstructor)
    user = await client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    assert isinstance(user, User)  # nothing scripted: the auto default answered from the request's schema
    assert sorted(fake_provider.requests[-1].sent.schema["required"]) == ["age", "name"]  # OpenAI's sorted (11.8)


ENV_ROUTED = ("openai", "anthropic", "groq", "bedrock", "google")


@pytest.mark.parametrize("model", [p for p in _provider_models() if p.id in ENV_ROUTED])
def test_code_that_builds_its_own_client_reaches_the_fake_through_the_environment(
        fake_provider: FakeProvider, model: str) -> None:
    client = instructor.from_provider(model)  # no base URL, no key: as application code writes it
    user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}],
                         max_tokens=100)
    assert isinstance(user, User)
    assert len(fake_provider.requests) == 1


def test_the_environment_holds_no_real_credential(fake_provider: FakeProvider,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from instructor.testing.connect import CLEARED, DUMMY_KEY

    assert all(name not in os.environ for name in CLEARED)
    assert os.environ["OPENAI_API_KEY"] == DUMMY_KEY
    assert os.environ["OPENAI_BASE_URL"] == fake_provider.openai_base_url


def test_an_unknown_provider_gets_the_list_of_those_that_work(fake_client: Any) -> None:
    with pytest.raises(ValueError, match="'nope'.*anthropic.*openai"):
        fake_client("nope/model")
    assert "openai" in PROVIDERS


@pytest.mark.subprocess
def test_instructor_testing_is_lazy_and_its_stub_matches(subprocess_env: dict[str, str]) -> None:
    code = textwrap.dedent('''\
        import ast, pathlib, sys
        import instructor.testing as testing
        assert not [m for m in ("pydantic", "http.server", "instructor.testing.server") if m in sys.modules]
        stub = ast.parse(pathlib.Path(testing.__file__).with_suffix(".pyi").read_text())
        declared = {a.asname for node in stub.body if isinstance(node, ast.ImportFrom) for a in node.names}
        assert declared == set(testing.__all__), declared ^ set(testing.__all__)
        for name in testing.__all__:
            getattr(testing, name)
        print("ok")
    ''')
    done = subprocess.run([sys.executable, "-c", code], env=subprocess_env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
