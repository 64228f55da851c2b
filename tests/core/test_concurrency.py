"""Concurrency: cold lazy resolution from 64 threads, shared clients, 200 async calls at once.

The cold tests run `concurrency_harness.py` in a fresh interpreter, so every name is
truly unresolved when the 64 threads start; the harness reports exceptions, modules
executed more than once, names that resolved to different objects, and deadlocks.
`test_harness_catches_*` run the same harness on deliberately racy lazy packages and
check that it reports them: the cold tests can fail on the bugs they guard against.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from provider_families import Family, installed_families
from pydantic import BaseModel

import instructor
from instructor import Mode
from instructor.core.provider_registry import ProviderConfig, ProviderRegistry
from instructor.providers._catalog import BUILTIN_PROVIDERS
from instructor.testing import FakeProvider, RecordedRequest, Reply

HARNESS = Path(__file__).with_name("concurrency_harness.py")
THREADS = 64
FAMILIES = installed_families()


def _one_per_sdk() -> list[Family]:
    seen: dict[str, Family] = {}
    for family in FAMILIES:
        seen.setdefault(family.package, family)
    return list(seen.values())


#: the shared-client and gather tests load each SDK's client; once per SDK keeps CI short
PER_SDK = _one_per_sdk()


class User(BaseModel):
    name: str
    age: int


def run_harness(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(HARNESS), json.dumps(spec)], capture_output=True, text=True,
                          timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    report["stderr"] = proc.stderr[-4000:]
    return report


def problems(report: dict[str, Any]) -> list[str]:
    """Everything the harness saw go wrong, as readable lines."""
    out = list(report["errors"])
    if report["stuck"]:
        out.append(f"deadlock: threads {report['stuck']} still running; stacks:\n{report['stderr']}")
    out += [f"{m} executed {n} times" for m, n in report["executions"].items() if n != 1]
    out += [f"{name} resolved to {n} different objects" for name, n in report["distinct"].items() if n != 1]
    return out


def model_for(family: Family) -> str:
    """A model name unique to the family, so one scripted server can answer all of them."""
    return f"{family.model}-{family.id}"


def answer_by_family(answers: dict[str, Reply]) -> Any:
    def script(request: RecordedRequest) -> Reply:
        text = unquote(request.path) + request.body.decode("utf-8", "replace")
        for model, reply in answers.items():
            if model in text:
                return reply
        return Reply.http_error(400, f"no family matches {request.path}")

    return script


def json_only(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in kwargs.items():
        try:
            json.dumps(value)
        except TypeError:
            continue  # SDK config objects (botocore Config...): the defaults do for building a client
        out[key] = value
    return out


def openai_compatible(fake: FakeProvider) -> list[tuple[dict[str, Any], Reply]]:
    """Every other built-in that speaks OpenAI's API (through the openai SDK), in its default mode."""
    registry = instructor.get_registry()
    out = []
    for name in sorted(BUILTIN_PROVIDERS):
        config = registry.get_config(name)
        if name in {f.provider for f in FAMILIES} or config.package != "openai" or config.deprecated:
            continue
        where = {"azure_endpoint": fake.url} if name == "azure_openai" else {"base_url": fake.openai_base_url}
        user = {"name": "Ada", "age": 36}
        mode = registry.resolve_mode(config, f"compatible-{name}", None)
        reply = Reply.tool("User", user) if mode in Mode.tool_modes() else Reply.json(user)
        out.append(({"model": f"{name}/compatible-{name}", "kwargs": {"api_key": "sk-fake", **where}}, reply))
    return out


@pytest.mark.subprocess
def test_64_threads_first_access_every_public_name_and_provider(
    fake: FakeProvider, subprocess_env: dict[str, str]
) -> None:
    names = sorted(set(instructor.__all__) - {"__version__"})
    clients = [{"model": f"{f.provider}/{model_for(f)}",
                "kwargs": json_only({**f.connect(fake, 0, 30.0), **f.secret("sk-fake"), "mode": f.mode.value})}
               for f in FAMILIES]
    answers = {model_for(f): f.answer("User", {"name": "Ada", "age": 36}) for f in FAMILIES}
    for client, reply in openai_compatible(fake):
        clients.append(client)
        answers[client["model"].split("/", 1)[1]] = reply
    assert len({c["model"].split("/")[0] for c in clients}) >= 18, "every non-deprecated built-in but litellm"
    fake.always(answer_by_family(answers))
    report = run_harness({"package": "instructor", "threads": THREADS, "names": names, "clients": clients,
                          "call": True}, subprocess_env)
    assert report["preloaded"] == ["instructor._exports"], "the names must be cold when the threads start"
    assert not problems(report), "\n".join(problems(report))
    assert set(report["distinct"]) >= set(names) | {f"client:{c['model']}" for c in clients}
    assert {m for m in report["executions"] if m.startswith("instructor.providers.")} >= {
        f"instructor.providers.{f.provider}.factory" for f in FAMILIES}
    assert len(report["calls"]) == THREADS
    assert all(call[1] == {"name": "Ada", "age": 36} for call in report["calls"])
    assert {call[0] for call in report["calls"]} == {c["model"].split("/")[0] for c in clients}
    assert len(fake.requests) == THREADS


RACY_INIT = {
    # publishes the module in sys.modules before running it: other threads see it half-initialised
    "half": """
        import importlib.util, sys
        def __getattr__(name):
            modname = f"{__name__}.mod_{name[-1]}"
            module = sys.modules.get(modname)
            if module is None:
                spec = importlib.util.find_spec(modname)
                module = importlib.util.module_from_spec(spec)
                sys.modules[modname] = module
                spec.loader.exec_module(module)
            return getattr(module, name)
    """,
    # checks, then loads, with no lock: two threads both load, and get two different objects
    "twice": """
        import importlib.util, sys
        def __getattr__(name):
            modname = f"{__name__}.mod_{name[-1]}"
            module = sys.modules.get(modname)
            if module is None:
                spec = importlib.util.find_spec(modname)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                sys.modules[modname] = module
            return getattr(module, name)
    """,
}


@pytest.mark.subprocess
@pytest.mark.parametrize("bug", RACY_INIT)
def test_harness_catches_a_racy_lazy_package(tmp_path: Path, subprocess_env: dict[str, str], bug: str) -> None:
    package = tmp_path / f"racy_{bug}"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(RACY_INIT[bug]))
    letters = "abcdefgh"
    for letter in letters:
        (package / f"mod_{letter}.py").write_text(f"import time\ntime.sleep(0.05)\nVALUE_{letter} = object()\n")
    report = run_harness({"package": package.name, "path": str(tmp_path), "threads": 32,
                          "names": [f"VALUE_{c}" for c in letters]}, subprocess_env)
    found = problems(report)
    assert found, "the harness must report a racy lazy package"
    if bug == "half":
        assert any("AttributeError" in line for line in found), found
    else:
        assert any("executed" in line for line in found) and any("different objects" in line for line in found)


# -- clients shared between threads and tasks ------------------------------------------------------

@pytest.mark.parametrize("family", PER_SDK, ids=str)
def test_one_client_shared_by_64_threads(fake: FakeProvider, family: Family) -> None:
    fake.always(echo(family))
    client = family.client(fake, timeout=30.0)
    responses: list[Any] = []
    lock = threading.Lock()

    def count(response: Any) -> None:
        with lock:
            responses.append(response)

    client.on("completion:response", count)
    errors: list[BaseException] = []
    results: dict[int, User] = {}
    barrier = threading.Barrier(THREADS)

    def work(i: int) -> None:
        barrier.wait()
        try:
            for j in range(2):
                n = i * 10 + j
                results[n] = client.create(response_model=User, max_retries=1,
                                           messages=[{"role": "user", "content": f"call-{n}-"}])
        except BaseException as exc:  # noqa: B036
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "deadlock"
    assert not errors, errors[:3]
    assert len(results) == THREADS * 2
    assert all(user == User(name=f"user{n}", age=n) for n, user in results.items()), "answers crossed"
    reasked = sum(1 for n in results if n % 10 == 0)
    assert len(responses) == len(fake.requests) == THREADS * 2 + reasked


def echo(family: Family) -> Any:
    """Answer `call-N-` with user N; the first attempt of every tenth call is invalid (re-asked)."""
    attempts: dict[int, int] = {}
    lock = threading.Lock()

    def script(request: RecordedRequest) -> Reply:
        match = re.search(r"call-(\d+)-", request.body.decode("utf-8", "replace"))
        assert match is not None
        n = int(match.group(1))
        with lock:
            attempts[n] = attempts.get(n, 0) + 1
            first = attempts[n] == 1
        if n % 10 == 0 and first:
            return family.answer("User", {"name": f"user{n}"})
        return family.answer("User", {"name": f"user{n}", "age": n})

    return script


CALLS = 200


@pytest.mark.parametrize("family", PER_SDK, ids=str)
async def test_asyncio_gather_of_200_calls(fake: FakeProvider, family: Family) -> None:
    fake.always(echo(family))
    client = family.client(fake, async_client=True, timeout=60.0)
    assert isinstance(client, instructor.AsyncInstructor)

    async def one(n: int) -> User:
        user: User = await client.create(response_model=User, max_retries=1,
                                         messages=[{"role": "user", "content": f"call-{n}-"}])
        return user

    results = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(CALLS))), timeout=90)
    assert results == [User(name=f"user{n}", age=n) for n in range(CALLS)]
    assert len(fake.requests) == CALLS + CALLS // 10


# -- the registry under concurrent registration and lookup -----------------------------------------

def test_registry_under_concurrent_register_and_create(fake: FakeProvider) -> None:
    registry = ProviderRegistry(BUILTIN_PROVIDERS, entry_points=False)
    openai_config = registry.get_config("openai")
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(i: int) -> None:
        barrier.wait()
        try:
            if i % 2:
                from dataclasses import replace

                registry.register(replace(openai_config, name=f"acme{i}"))
                assert registry.get_factory(f"acme{i}") is registry.get_factory("openai")
            else:
                client = registry.create_client("openai", "gpt-4o-mini", api_key="sk-fake",
                                                base_url=fake.openai_base_url)
                assert client.provider == "openai"
                registry.get_config(sorted(BUILTIN_PROVIDERS)[i % len(BUILTIN_PROVIDERS)])
        except BaseException as exc:  # noqa: B036
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "deadlock"
    assert not errors, errors[:3]
    assert {f"acme{i}" for i in range(1, THREADS, 2)} <= set(registry.list_providers())
    assert isinstance(registry.get_config("acme1"), ProviderConfig)


# -- registries never hold their lock while importing plugin code ----------------------------------

HANDLER_PLUGIN = textwrap.dedent("""
    import time

    import instructor

    time.sleep(0.3)  # the import is under way while another thread asks the registry for it


    class Handler:
        mode = "fake_plugin_mode"


    HANDLER = Handler()
    instructor.register_handler("fake_plugin_mode_b", HANDLER)  # registers more at import time
""")

HANDLER_RACE = textwrap.dedent("""
    import importlib, os, threading, time
    import instructor

    instructor.register_handler("fake_plugin_mode", "handler_plugin:HANDLER")
    found = []
    importer = threading.Thread(target=importlib.import_module, args=("handler_plugin",), daemon=True)
    asker = threading.Thread(target=lambda: found.append(type(instructor.get_handler("fake_plugin_mode")).__name__),
                             daemon=True)
    importer.start()
    time.sleep(0.1)  # the importer holds the plugin module's import lock
    asker.start()
    for thread in (importer, asker):
        thread.join(10)
    print("deadlock" if importer.is_alive() or asker.is_alive() else f"ok {found}", flush=True)
    os._exit(0)
""")


@pytest.mark.subprocess
def test_a_handler_module_registering_at_import_does_not_deadlock_a_lookup(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    """A thread imports a plugin's handler module, which registers handlers at import time,
    while another thread's first lookup imports the same module through the mode registry:
    Python detects deadlocks between import locks only, so the registry must not hold its
    own lock while it imports."""
    (tmp_path / "handler_plugin.py").write_text(HANDLER_PLUGIN)
    env = {**subprocess_env, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", HANDLER_RACE], capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.strip() == "ok ['Handler']", proc.stdout + proc.stderr[-2000:]
