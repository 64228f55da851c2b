"""`import instructor` loads instructor, lazy_loader and what lazy_loader needs: nothing else.

Each check runs a fresh interpreter; module sets are deterministic, so these
tests fail on an eager import whatever the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

# What a bare `import lazy_loader` adds on this interpreter is measured, not assumed; these
# are the stdlib modules it is known to need, and the only ones allowed beyond instructor.*.
LAZY_LOADER_STDLIB = {"importlib", "importlib._bootstrap", "importlib._bootstrap_external", "types",
                      "warnings", "_thread", "os", "sys"}
FORBIDDEN = ["typing", "re", "enum", "ast", "dataclasses", "inspect", "logging", "importlib.metadata",
             "importlib.util", "threading", "pydantic", "pydantic_core", "openai", "anthropic", "boto3",
             "botocore", "httpx", "jinja2", "tenacity", "json", "functools", "collections"]


def run(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


SNAPSHOT = """
import json, sys
base = set(sys.modules)
import lazy_loader
after_lazy = set(sys.modules)
import instructor
after = set(sys.modules)
print(json.dumps({"lazy": sorted(after_lazy - base), "added": sorted(after - after_lazy),
                  "base": sorted(base)}))
"""


def test_import_adds_only_instructor_modules(subprocess_env: dict[str, str]) -> None:
    snap = run(SNAPSHOT, subprocess_env)
    assert set(snap["lazy"]) <= LAZY_LOADER_STDLIB | {"lazy_loader"}, snap["lazy"]
    foreign = [m for m in snap["added"] if not (m == "instructor" or m.startswith("instructor."))]
    assert foreign == [], f"import instructor loaded non-instructor modules: {foreign}"
    # and exactly which instructor modules: the package and its generated table
    assert sorted(snap["added"]) == ["instructor", "instructor._exports"]


def test_import_loads_no_forbidden_module(subprocess_env: dict[str, str]) -> None:
    code = "import sys, json; before = set(sys.modules); import instructor; " \
           "print(json.dumps(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=60)
    added = set(json.loads(out.stdout))
    for name in FORBIDDEN:
        assert name not in added, f"import instructor imported {name}"


def test_importtime_shows_only_allowed_modules(subprocess_env: dict[str, str]) -> None:
    """The `-X importtime` view agrees: every module imported under `import instructor`."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import lazy_loader; import instructor"],
                         capture_output=True, text=True, env=subprocess_env, timeout=60)
    names = [line.rsplit("|", 1)[1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")
             and "|" in line and "imported package" not in line]
    names = [n for n in names if n != "imported package"]
    assert "instructor" in names
    outside = [n for n in names if not n.startswith("instructor") and n not in LAZY_LOADER_STDLIB
               and n != "lazy_loader"]
    # modules site/startup imports (encodings, io...) come before lazy_loader and are not ours
    first = names.index("lazy_loader") if "lazy_loader" in names else 0
    ours = [n for n in names[first:] if n in outside]
    assert ours == [], ours


def test_nothing_loaded_after_import(subprocess_env: dict[str, str]) -> None:
    code = """
import json, sys
import instructor
stats = instructor.provider_registry.stats()
print(json.dumps({"stats": stats, "pydantic": "pydantic" in sys.modules}))
"""
    snap = run(code, subprocess_env)
    stats = snap["stats"]
    assert stats["providers_loaded"] == 0 and stats["handlers_loaded"] == 0
    assert stats["configs_loaded"] == 0
    assert stats["entry_points_scanned"] is False
    assert stats["providers_known"] >= 19
    assert snap["pydantic"] is False  # the registry itself is pure metadata


def test_from_provider_openai_loads_only_openai(subprocess_env: dict[str, str]) -> None:
    code = """
import json, sys
import instructor
client = instructor.from_provider("openai/gpt-4o-mini", api_key="sk-test")
stats = instructor.provider_registry.stats()
mods = sorted(sys.modules)
print(json.dumps({"stats": stats, "mods": mods}))
"""
    snap = run(code, subprocess_env)
    stats = snap["stats"]
    assert stats["loaded_providers"] == ["openai"]
    assert stats["configs_loaded"] == 1
    mods = snap["mods"]
    # not bare "google": the nspkg .pth files of google-cloud-aiplatform and google-generativeai
    # create the empty `google` / `google.cloud` namespaces in every interpreter at startup
    for sdk in ("anthropic", "boto3", "botocore", "google.genai", "google.generativeai", "google.cloud.aiplatform",
                "vertexai", "mistralai", "cohere", "groq", "litellm"):
        assert not any(m == sdk or m.startswith(sdk + ".") for m in mods), sdk
    provider_modules = {m.split(".")[2] for m in mods if m.startswith("instructor.providers.")
                        and m.count(".") >= 2 and not m.split(".")[2].startswith("_")}
    assert provider_modules == {"openai"}, provider_modules
    assert stats["entry_points_scanned"] is False  # a built-in name never scans plugins


def test_streamed_response_alone_loads_no_pydantic_and_no_cursor(subprocess_env: dict[str, str]) -> None:
    """`instructor.core.streaming` resolves each name from its own module: `StreamedResponse` (what a
    hook or an error hands over) loads its module only, not the JSON machinery nor pydantic."""
    code = """
import json, sys
import instructor
package = sorted(m for m in sys.modules if m.startswith("instructor.core.streaming"))
instructor.StreamedResponse
after = sorted(m for m in sys.modules if m.startswith("instructor.core.streaming"))
print(json.dumps({"package": package, "after": after, "pydantic": "pydantic" in sys.modules}))
"""
    snap = run(code, subprocess_env)
    assert snap["package"] == []
    assert snap["after"] == ["instructor.core.streaming", "instructor.core.streaming.response"]
    assert snap["pydantic"] is False
