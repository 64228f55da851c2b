"""A third-party provider: the installed package in tests/providers/plugin_example registers "myprovider"
through the `instructor.providers` entry point, and from_provider reaches it with no change
to instructor.

scripts/test.sh installs it (`pip install --no-deps -e tests/providers/plugin_example`), as a user
installs a plugin. The end-to-end checks run in a fresh interpreter, where nothing has
scanned the entry points yet.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import instructor
from instructor.testing import FakeProvider, Reply

DISTRIBUTION = "instructor-myprovider-example"

SCRIPT = """
import json, sys
import instructor
from pydantic import BaseModel

class User(BaseModel):
    name: str
    age: int

seen = {{}}
instructor.from_provider("openai/gpt-4o-mini", api_key="k", base_url={base_url!r})
seen["after_a_built_in"] = "myprovider_plugin" in sys.modules or instructor.get_registry().stats()[
    "entry_points_scanned"]
client = instructor.from_provider("myprovider/my-model-1", api_key="mp-key", base_url={base_url!r})
seen["after_the_plugin"] = "myprovider_plugin" in sys.modules
user = client.create(response_model=User, messages=[{{"role": "user", "content": "Jason is 25"}}])
assert user == User(name="Jason", age=25), user
seen["repr"] = repr(client)
seen["providers"] = instructor.get_registry().list_providers()
print(json.dumps(seen))
"""


def test_the_example_plugin_is_installed() -> None:
    from importlib.metadata import PackageNotFoundError, distribution, entry_points

    try:
        distribution(DISTRIBUTION)
    except PackageNotFoundError:
        pytest.fail(f"{DISTRIBUTION!r} is not installed: run `pip install --no-deps -e tests/providers/plugin_example` "
                    "(scripts/test.sh does it before pytest).")
    (entry,) = [ep for ep in entry_points(group="instructor.providers") if ep.name == "myprovider"]
    assert entry.value == "myprovider_plugin:provider"


def test_from_provider_reaches_the_plugin_in_a_fresh_interpreter(
    fake: FakeProvider, subprocess_env: dict[str, str]
) -> None:
    fake.add(Reply.json({"name": "Jason", "age": 25}))
    code = textwrap.dedent(SCRIPT.format(base_url=fake.openai_base_url))
    out = subprocess.run([sys.executable, "-c", code], env=subprocess_env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["after_a_built_in"] is False  # built-in names never scan the entry points
    assert seen["after_the_plugin"] is True
    assert seen["repr"] == "Instructor(provider='myprovider', mode=Mode.JSON, model='my-model-1')"
    assert "myprovider" in seen["providers"] and "openai" in seen["providers"]
    request = fake.requests[0]
    assert request.json["model"] == "my-model-1"
    assert request.json["response_format"] == {"type": "json_object"}  # the plugin's default mode
    assert request.headers["authorization"] == "Bearer mp-key"


def test_the_plugin_is_a_provider_like_the_others(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = instructor.get_registry()
    assert registry.has_provider("myprovider")
    config = registry.get_config("myprovider")
    assert config.env_vars == ("MYPROVIDER_API_KEY",) and config.default_mode is instructor.Mode.JSON
    assert "myprovider" not in registry.plugin_errors
    with pytest.raises(instructor.MissingAPIKeyError, match="MYPROVIDER_API_KEY"):
        instructor.from_provider("myprovider/m", base_url=fake.openai_base_url)
    with pytest.raises(instructor.UnsupportedModeError, match="Mode.MD_JSON"):
        instructor.from_provider("myprovider/m", api_key="k", mode=instructor.Mode.ANTHROPIC_TOOLS)
    monkeypatch.setenv("MYPROVIDER_API_KEY", "from-env")
    client = instructor.from_provider("myprovider/m", base_url=fake.openai_base_url, mode=instructor.Mode.TOOLS,
                                      async_client=True)
    assert isinstance(client, instructor.AsyncInstructor) and client.mode is instructor.Mode.TOOLS
    default = instructor.from_provider("myprovider/m")
    assert str(default.client.base_url).rstrip("/") == "https://api.myprovider.example/v1"
