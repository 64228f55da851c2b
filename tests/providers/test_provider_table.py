"""docs/providers.md carries the provider table generated from the registry, up to date."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

import instructor
from instructor.providers._catalog import BUILTIN_PROVIDERS

ROOT = Path(__file__).resolve().parents[2]


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_provider_table", ROOT / "tools" / "gen_provider_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_in_sync_with_the_registry() -> None:
    tool = load_tool()
    page = tool.PAGE.read_text()
    assert tool.updated(page) == page, "docs/providers.md is out of date: run python tools/gen_provider_table.py"


def test_every_built_in_provider_has_a_row_with_its_facts() -> None:
    table = load_tool().render_table()
    registry = instructor.get_registry()
    for name in BUILTIN_PROVIDERS:
        config = registry.get_config(name)
        (row,) = [line for line in table.splitlines() if line.startswith(f"| `{name}` |")]
        assert f"`instructor[{config.extra}]`" in row
        assert f"`{config.default_mode.name}`" in row
        assert all(f"`{mode.name}`" in row for mode in config.supported_modes)
        assert all(f"`{var}`" in row for var in config.env_vars)
        assert row.rstrip(" |").endswith("yes (see below)") is config.deprecated


def test_the_readme_links_the_table() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/providers.md" in readme.split("## Documentation", 1)[1]


def test_the_getting_started_provider_examples_build_their_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """The snippet under "## Other providers" of docs/getting-started.md runs as written (building clients sends nothing)."""
    page = (ROOT / "docs" / "getting-started.md").read_text()
    section = page.split("## Other providers", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    for var in ("GROQ_API_KEY", "WRITER_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.setenv(var, "readme-test")
    namespace: dict[str, object] = {"instructor": instructor, "writerai": importlib.import_module("writerai")}
    exec(compile(code, "docs/getting-started.md", "exec"), namespace)
    client = namespace["client"]
    assert isinstance(client, instructor.Instructor) and client.provider == "writer"
