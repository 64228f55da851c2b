"""After `from_provider("<x>/...")`, only x's SDK and x's instructor modules are loaded.

For every provider whose SDK is installed (CI installs them all), a fresh
interpreter imports instructor and x's SDK, notes `sys.modules`, calls
`from_provider`, and reports what was added. Nothing of another provider may be
among it: no other provider's SDK, no module of another provider's folder. The
folders a provider may use besides its own: its factory's (the OpenAI-compatible
providers are rows of data on the openai factory) and openai's when its SDK *is*
openai (Azure). Formats several providers share (`instructor.formats`: OpenAI chat,
Gemini) are in no provider's folder.

Importing x's SDK first makes "x's SDK" mean the SDK and whatever it imports
itself (litellm, for one, imports openai): what is checked is instructor's part.
Providers that share an SDK share one interpreter, which forks a child per
provider after importing the SDK, so each check starts from the same clean state
without paying for the SDK import again. The interpreters run two at a time.

For the providers whose SDK has OpenAI's shape without being openai's, the child
also makes a full call with a re-ask against the fake provider: the OpenAI-format
handlers serve them, and the openai SDK still never loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from instructor.core.dependencies import is_installed
from instructor.core.provider_registry import ProviderConfig
from instructor.providers._catalog import BUILTIN_PROVIDERS
from instructor.testing import FakeProvider, Reply

pytestmark = pytest.mark.subprocess

SCRIPT = r"""
import importlib, json, os, sys, traceback, warnings
warnings.simplefilter("ignore", DeprecationWarning)  # the deprecated Google paths warn, as they should
import instructor
importlib.import_module(sys.argv[1])
CASES = json.loads(sys.argv[2])

def check(name, kwargs, call):
    before = set(sys.modules)
    client = instructor.from_provider(name + "/test-model", **kwargs)
    report = {"added": sorted(set(sys.modules) - before)}
    if call:
        from pydantic import BaseModel
        class User(BaseModel):
            name: str
            age: int
        attempts = []
        client.on("completion:response", attempts.append)
        user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}],
                             max_retries=1)
        assert user == User(name="Jason", age=25) and len(attempts) == 2, (user, len(attempts))
        report["after_call"] = sorted(set(sys.modules) - before)
    return report

results = {}
for name, kwargs, call in CASES:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one provider, from the state right after the SDK import
        os.close(read)
        try:
            report = check(name, kwargs, call)
        except BaseException:
            report = {"error": traceback.format_exc()}
        with os.fdopen(write, "w") as out:
            json.dump(report, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as inp:
        results[name] = json.loads(inp.read() or '{"error": "the child died"}')
    os.waitpid(pid, 0)
print(json.dumps(results))
"""

#: keywords that let each client be built with no network and no real key
KWARGS: dict[str, dict[str, Any]] = {
    "bedrock": {"api_key": None, "region_name": "us-east-1", "aws_access_key_id": "AKIDEXAMPLE",
                "aws_secret_access_key": "x"},
    "vertexai": {"project": "test-project", "location": "us-central1"},
}

#: providers whose child also makes a full call, and the fake server address their SDK takes
FULL_CALL = {"groq": "url", "cerebras": "url", "fireworks": "url", "writer": "url",
             "perplexity": "openai_base_url", "azure_openai": "url"}

#: the OpenAI-format handlers, which serve every provider whose API has OpenAI's shape
OPENAI_FORMAT = "instructor.providers.openai"


def config(name: str) -> ProviderConfig:
    from instructor import get_registry

    return get_registry().get_config(name)


def folder(path: str) -> str:
    """`instructor.providers.openai` for `instructor.providers.openai.factory:create_client`."""
    return path.partition(":")[0].rsplit(".", 1)[0]


def installed() -> list[str]:
    return [name for name in BUILTIN_PROVIDERS if is_installed(config(name).package)]


def belongs(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def foreign(name: str, modules: list[str], shared_format: frozenset[str] = frozenset()) -> list[str]:
    """The modules of `modules` that belong to a provider other than `name`.

    `shared_format` names other providers' folders whose format modules `name` may
    use, but not their `config` or `factory`.
    """
    own = {folder(BUILTIN_PROVIDERS[name]), folder(config(name).factory)}
    if config(name).package == "openai":
        own.add(OPENAI_FORMAT)
    shared = set(shared_format)
    sdks = {config(other).package for other in BUILTIN_PROVIDERS} - {config(name).package}
    out = []
    for module in modules:
        if belongs(module, "instructor.providers") and module not in ("instructor.providers",
                                                                        "instructor.providers._catalog"):
            if any(belongs(module, package) for package in own):
                continue
            if any(belongs(module, package) for package in shared) and \
                    module.rsplit(".", 1)[-1] not in ("config", "factory"):
                continue
            out.append(module)
        elif any(belongs(module, sdk) for sdk in sdks):
            out.append(module)
    return out


def _answer(request: Any) -> Reply:
    """A wrong age first, the right one once the re-ask came; a tool call when tools were offered."""
    body = request.json or {}
    age: object = 25 if len(body.get("messages", [])) > 2 else "x"
    if body.get("tools"):
        return Reply.tool(body["tools"][0]["function"]["name"], {"name": "Jason", "age": age})
    return Reply.json({"name": "Jason", "age": age})


@pytest.fixture(scope="module")
def reports() -> Iterator[dict[str, dict[str, Any]]]:
    """What each installed provider's `from_provider` (and full call) loaded, by provider."""
    from concurrent.futures import ThreadPoolExecutor

    from conftest import KEY_VARS

    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    for var in ("EAGER_IMPORT", "INSTRUCTOR_EAGER_IMPORT", "OPENAI_API_VERSION"):
        env.pop(var, None)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    with FakeProvider() as fake:
        fake.always(_answer)
        groups: dict[str, list[tuple[str, dict[str, Any], bool]]] = {}
        for name in installed():
            # a closed port for clients that are only built: they send nothing
            address = getattr(fake, FULL_CALL[name]) if name in FULL_CALL else "http://127.0.0.1:9/v1"
            kwargs = {"api_key": "test-key", "base_url": address, **KWARGS.get(name, {})}
            groups.setdefault(config(name).package, []).append((name, kwargs, name in FULL_CALL))

        def run(package: str) -> dict[str, dict[str, Any]]:
            out = subprocess.run([sys.executable, "-c", SCRIPT, package, json.dumps(groups[package])],
                                 env=env, capture_output=True, text=True, timeout=300)
            assert out.returncode == 0, f"{package}: {out.stderr[-3000:]}"
            result: dict[str, dict[str, Any]] = json.loads(out.stdout.strip().splitlines()[-1])
            return result

        with ThreadPoolExecutor(max_workers=2) as pool:
            merged: dict[str, dict[str, Any]] = {}
            for result in pool.map(run, groups):
                merged.update(result)
        yield merged


@pytest.mark.parametrize("name", installed())
def test_from_provider_loads_only_its_own_provider(name: str, reports: dict[str, dict[str, Any]]) -> None:
    report = reports[name]
    assert "error" not in report, report.get("error")
    added = report["added"]
    assert foreign(name, added) == [], f"from_provider({name!r}) loaded another provider's code"
    assert any(belongs(m, folder(config(name).factory)) for m in added)  # its factory did load


@pytest.mark.parametrize("name", [n for n in FULL_CALL if n in installed()])
def test_a_full_call_loads_no_other_sdk(name: str, reports: dict[str, dict[str, Any]]) -> None:
    report = reports[name]
    assert "error" not in report, report.get("error")
    loaded = report["after_call"]
    assert foreign(name, loaded, shared_format=frozenset({OPENAI_FORMAT})) == []
    handlers = {m for m in loaded if m.startswith("instructor.providers.") and m.endswith(".handlers")}
    assert handlers <= {f"{OPENAI_FORMAT}.handlers", f"{folder(BUILTIN_PROVIDERS[name])}.handlers"}
    if config(name).package != "openai":
        assert not any(belongs(m, "openai") for m in loaded), "the openai SDK was imported"
