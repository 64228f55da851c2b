"""Broken provider plugins: each fails with an error naming its distribution and entry point,
and every other provider, built-in or plugin, keeps working.

The plugins are real: `tests/providers/plugins_broken/` holds an installed distribution
(`instructor_broken_plugins-0.1.dist-info` with an `entry_points.txt`), put on `sys.path`
so `importlib.metadata` finds it as it finds anything `pip` installed. The in-process
tests use a fresh `ProviderRegistry`; the subprocess tests go through `from_provider`
and the default registry of a fresh interpreter.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

import instructor
from instructor import PluginError, ProviderRegistry, UnknownProviderError
from instructor.providers._catalog import BUILTIN_PROVIDERS
from instructor.testing import FakeProvider, Reply

PLUGINS = Path(__file__).with_name("plugins_broken")
DISTRIBUTION = "'instructor-broken-plugins'"
BROKEN = {"broken_import", "raising_config", "not_a_config", "missing_factory", "raising_factory"}
MESSAGES = [{"role": "user", "content": "Jason is 25"}]


class User(BaseModel):
    name: str
    age: int


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> ProviderRegistry:
    """A fresh registry that sees the broken distribution through importlib.metadata."""
    monkeypatch.syspath_prepend(str(PLUGINS))
    for name in [m for m in sys.modules if m.startswith("instructor_broken_plugins")]:
        monkeypatch.delitem(sys.modules, name)
    return ProviderRegistry(BUILTIN_PROVIDERS)


def names_the_plugin(error: BaseException, entry_point: str, target: str) -> None:
    message = str(error)
    assert f"plugin {entry_point!r}" in message, message
    assert target in message, message
    assert DISTRIBUTION in message, message


@pytest.mark.parametrize(
    ("entry_point", "target", "cause", "detail"),
    [
        ("broken_import", "instructor_broken_plugins.needs_missing_sdk:CONFIG", ModuleNotFoundError,
         "instructor_no_such_sdk"),
        ("raising_config", "instructor_broken_plugins.configs:raising_config", RuntimeError,
         "config function failed"),
        ("not_a_config", "instructor_broken_plugins.configs:NOT_A_CONFIG", TypeError,
         "expected a ProviderConfig"),
    ],
)
def test_a_plugin_that_fails_to_load_names_itself(
    registry: ProviderRegistry, entry_point: str, target: str, cause: type[BaseException], detail: str
) -> None:
    with pytest.raises(PluginError) as info:
        registry.create_client(entry_point, "some-model", api_key="k")
    names_the_plugin(info.value, entry_point, target)
    assert detail in str(info.value) and isinstance(info.value.__cause__, cause)
    with pytest.raises(PluginError):  # every later use says the same, without rescanning
        registry.get_config(entry_point)
    assert registry.load_entry_points() == 0


@pytest.mark.parametrize(
    ("entry_point", "cause", "detail"),
    [
        ("missing_factory", ModuleNotFoundError, "instructor_broken_plugins.no_such_module"),
        ("raising_factory", RuntimeError, "the plugin's factory failed"),
    ],
)
def test_a_plugin_whose_factory_fails_names_itself(
    registry: ProviderRegistry, entry_point: str, cause: type[BaseException], detail: str
) -> None:
    assert registry.get_config(entry_point).name == entry_point  # the config itself loads fine
    with pytest.raises(PluginError) as info:
        registry.create_client(entry_point, "some-model", api_key="k")
    names_the_plugin(info.value, entry_point, f"instructor_broken_plugins.configs:{entry_point}")
    assert detail in str(info.value) and isinstance(info.value.__cause__, cause)
    assert registry.create_client("openai", "gpt-4o-mini", api_key="k").provider == "openai"


def test_a_plugin_claiming_a_builtin_name_is_refused_and_the_builtin_kept(
    registry: ProviderRegistry, fake: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="instructor"):
        registry.load_entry_points()
    conflict = registry.plugin_errors["openai"]
    names_the_plugin(conflict, "openai", "instructor_broken_plugins.configs:shadow_openai")
    assert "built-in" in str(conflict) and "replace=True" in str(conflict)
    assert any(str(conflict) == r.getMessage() for r in caplog.records), "the refusal is logged when it happens"
    config = registry.get_config("openai")
    assert config.base_url is None and config.factory.startswith("instructor.providers.openai.")
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    client = registry.create_client("openai", "gpt-4o-mini", api_key="k", base_url=fake.openai_base_url)
    assert client.create(response_model=User, messages=MESSAGES) == User(name="Jason", age=25)
    assert fake.requests[0].path == "/v1/chat/completions"


def test_every_other_provider_keeps_working(registry: ProviderRegistry, fake: FakeProvider) -> None:
    fake.add(Reply.tool("User", {"name": "Ada", "age": 36}))
    acme = registry.create_client("acme", "acme-large", api_key="k", base_url=fake.openai_base_url)
    assert acme.create(response_model=User, messages=MESSAGES) == User(name="Ada", age=36)
    assert set(registry.plugin_errors) == BROKEN - {"missing_factory", "raising_factory"} | {"openai"}
    listed = set(registry.list_providers())
    assert set(BUILTIN_PROVIDERS) | {"acme"} | BROKEN <= listed
    loadable = {c.name for c in registry.configs()}
    assert set(BUILTIN_PROVIDERS) | {"acme", "missing_factory", "raising_factory"} <= loadable
    assert not loadable & {"broken_import", "raising_config", "not_a_config"}
    for name in BUILTIN_PROVIDERS:
        assert registry.get_config(name).name == name
    with pytest.raises(UnknownProviderError, match="Did you mean 'acme'"):
        registry.get_config("acmee")


def test_register_with_replace_still_overrides_a_builtin(registry: ProviderRegistry) -> None:
    from instructor_broken_plugins.configs import shadow_openai  # type: ignore[import-not-found]

    registry.load_entry_points()
    with pytest.raises(ValueError, match="replace=True"):
        registry.register(shadow_openai())
    registry.register(shadow_openai(), replace=True)
    assert registry.get_config("openai").base_url == "http://127.0.0.1:9/v1"


# -- the default registry in a fresh interpreter, through from_provider --------------------------

SCRIPT = textwrap.dedent("""
    import json, sys
    import instructor
    from pydantic import BaseModel

    class User(BaseModel):
        name: str
        age: int

    out = {}
    for name in ["broken_import", "raising_config", "raising_factory", "no_such_provider"]:
        try:
            instructor.from_provider(f"{name}/m", api_key="k")
        except Exception as exc:
            out[name] = [type(exc).__name__, str(exc)]
    client = instructor.from_provider("openai/gpt-4o-mini", api_key="k", base_url=sys.argv[1])
    out["openai"] = client.create(response_model=User, messages=[{"role": "user", "content": "x"}]).model_dump()
    out["providers"] = instructor.get_registry().list_providers()
    print(json.dumps(out))
""")


def run_fresh(fake: FakeProvider, env: dict[str, str], **extra: str) -> dict[str, list[str]]:
    env = {**env, **extra, "PYTHONPATH": os.pathsep.join([str(PLUGINS), env.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, fake.openai_base_url], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, list[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.subprocess
def test_from_provider_in_a_fresh_interpreter(fake: FakeProvider, subprocess_env: dict[str, str]) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    out = run_fresh(fake, subprocess_env)
    for name in ("broken_import", "raising_config", "raising_factory"):
        kind, message = out[name]
        assert kind == "PluginError" and f"plugin {name!r}" in message and DISTRIBUTION in message
    assert out["no_such_provider"][0] == "UnknownProviderError"
    assert out["openai"] == {"name": "Jason", "age": 25}
    assert {"acme", "openai", "anthropic", "broken_import"} <= set(out["providers"])


@pytest.mark.subprocess
def test_plugins_can_be_switched_off(fake: FakeProvider, subprocess_env: dict[str, str]) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
    out = run_fresh(fake, subprocess_env, INSTRUCTOR_DISABLE_PLUGINS="1")
    assert out["broken_import"][0] == "UnknownProviderError"
    assert out["openai"] == {"name": "Jason", "age": 25}
    assert not {"acme", "broken_import"} & set(out["providers"])
    assert set(BUILTIN_PROVIDERS) <= set(out["providers"])


def test_the_default_registry_is_untouched_by_these_tests() -> None:
    assert "broken_import" not in instructor.get_registry()._plugin_errors


# -- a plugin that registers itself while another thread scans: no deadlock ---------------------

SELF_REGISTERING = textwrap.dedent("""
    import time

    from instructor import Mode, ProviderConfig, register_provider

    time.sleep(0.3)  # the import is under way while another thread starts scanning entry points
    register_provider(ProviderConfig(
        name="selfreg", package="openai", extra="openai",
        factory="instructor.providers.openai.factory:create_client",
        default_mode=Mode.TOOLS, supported_modes=(Mode.TOOLS,), requires_api_key=False,
    ))


    def register():
        return None  # registered at import, as the registry allows
""")

RACE = textwrap.dedent("""
    import importlib, os, sys, threading, time
    import instructor

    registry = instructor.get_registry()
    found = []
    importer = threading.Thread(target=importlib.import_module, args=("selfreg_plugin",), daemon=True)
    scanner = threading.Thread(target=lambda: found.append(registry.get_config("selfreg").name), daemon=True)
    importer.start()
    time.sleep(0.1)  # the importer holds the plugin module's import lock
    scanner.start()
    for thread in (importer, scanner):
        thread.join(10)
    print("deadlock" if importer.is_alive() or scanner.is_alive() else f"ok {found}", flush=True)
    os._exit(0)
""")


@pytest.mark.subprocess
def test_a_self_registering_plugin_imported_during_a_scan_does_not_deadlock(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    """One thread imports a plugin that calls register_provider at import time while another's
    first lookup scans the entry points (and so imports the same module): neither may wait for
    the other forever. Python detects deadlocks between import locks only, not with the
    registry's own lock, so the registry must not hold it while running plugin code."""
    (tmp_path / "selfreg_plugin.py").write_text(SELF_REGISTERING)
    dist = tmp_path / "selfreg_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: selfreg-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[instructor.providers]\nselfreg = selfreg_plugin:register\n")
    env = {**subprocess_env, "PYTHONPATH": os.pathsep.join([str(tmp_path), subprocess_env.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.strip() == "ok ['selfreg']", proc.stdout + proc.stderr[-2000:]
