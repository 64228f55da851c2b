"""Run a docs page's ```python blocks, as written, against a FakeProvider that answers every request.

The environment points the openai SDK at the fake server (`OPENAI_BASE_URL`, `OPENAI_API_KEY`);
each request is answered with an object built from the schema it asked for (a tool's parameters, a
response format), or with plain text when it asked for none.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from instructor.testing import FakeProvider, RecordedRequest, Reply

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: str) -> list[str]:
    return _BLOCK.findall((ROOT / "docs" / page).read_text())


def example_of(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A value that satisfies `schema` (the shapes pydantic generates)."""
    if "$ref" in schema:
        return example_of(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_of(options[0], root)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {name: example_of(sub, root) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_of(schema.get("items", {}), root)]
    return {"string": "Jason", "integer": 25, "number": 2.5, "boolean": True, "null": None}.get(kind, "Jason")


def answer(request: RecordedRequest) -> Reply:
    body = request.json or {}
    tools = body.get("tools") or []
    if tools:
        tool = tools[0]
        function = tool.get("function", tool)  # chat completions nest it, the Responses API does not
        parameters = function["parameters"]
        return Reply.tool(function["name"], example_of(parameters, parameters))
    fmt = (body.get("response_format") or {}).get("json_schema")
    if fmt:
        return Reply.json(example_of(fmt["schema"], fmt["schema"]))
    return Reply.text("Hello!")


def run_page(page: str, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Run every block of `page` in one namespace, in order; return the namespace."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs")
    monkeypatch.chdir(tmp_path)
    fake.always(answer)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    blocks = python_blocks(page)
    assert blocks, f"docs/{page} has no python blocks"
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/{page} block {i + 1}", "exec"), namespace)
    return namespace
