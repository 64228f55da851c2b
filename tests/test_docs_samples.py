"""Every ```python block of the documentation runs, so no page goes stale.

The convention (docs/CONTRIBUTING-docs.md says the same for writers):

- Each page of `docs/` (and `README.md`) runs on its own: its ```python blocks run in
  order, in one namespace (a module of its own), in a fresh temporary directory.
- The environment points every SDK that reads its base URL from the environment at a
  `FakeProvider` (`instructor.testing.fake_env`: `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`,
  `GOOGLE_GEMINI_BASE_URL`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`..., dummy keys), so samples
  read like real code: `instructor.from_provider("openai/gpt-4o-mini")`.
- Whatever is not scripted is answered by `Reply.auto()`: a valid instance of the schema
  the request asks for. To make the fake answer something precise (so a printed result
  matches its comment), put an HTML comment before the block, invisible on the site:
  `<!-- fake: fake.add(Reply.tool("User", {"name": "Jason", "age": 25})) -->`. The
  statement runs with `fake`, `Reply` and the page's names in scope.
- A function named `test_*` that a block defines is called too, the way pytest would,
  with the fixtures `fake_provider` (the page's fake, its history cleared, what is
  scripted kept), `fake_client` and `tmp_path` by parameter name (async ones through
  `asyncio.run`), so the testing page's tests are tested.
- `<!-- no-run -->` before a block shows it without running it: for code that cannot run
  here (a real server address, code of another library). Use it rarely.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from instructor.testing import FakeProvider, Reply, connect_kwargs, fake_env
from instructor.testing.connect import CLEARED

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^(\s*)```python\s*$")
DIRECTIVE = re.compile(r"^\s*<!--\s*(fake|no-run)\s*:?\s*(.*?)\s*-->\s*$")


@dataclass
class Sample:
    line: int
    code: str
    setup: list[str] = field(default_factory=list)
    run: bool = True


def samples(page: Path) -> list[Sample]:
    """The page's ```python blocks, each with the directives written just before it."""
    found: list[Sample] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    setup: list[str] = []
    run = True
    i = 0
    while i < len(lines):
        directive = DIRECTIVE.match(lines[i])
        fence = FENCE.match(lines[i])
        if directive:
            if directive.group(1) == "fake":
                setup.append(directive.group(2))
            else:
                run = False
        elif fence:
            indent, start, body = fence.group(1), i + 1, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            found.append(Sample(start, "\n".join(body) + "\n", setup, run))
            setup, run = [], True
        i += 1
    return found


def pages_with_samples() -> list[Any]:
    return [pytest.param(page, id=str(page.relative_to(ROOT))) for page in PAGES
            if any(s.run for s in samples(page))]


@contextmanager
def routed_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A fake provider answering `Reply.auto()`, with the SDKs' environment pointed at it."""
    with FakeProvider() as fake, monkeypatch.context() as env:
        for name in CLEARED:
            env.delenv(name, raising=False)
        for name, value in fake_env(fake).items():
            env.setenv(name, value)
        fake.always(Reply.auto())
        yield fake


def call_test_function(function: Any, fake: FakeProvider, tmp_path: Path) -> None:
    """Call a sample's `test_*` function with the fixtures it names, as pytest would."""
    fake.requests.clear()
    fake.served.clear()
    fake.always(Reply.auto())
    import instructor

    def fake_client(model: str = "openai/gpt-4o-mini", *, async_client: bool = False, **kw: Any) -> Any:
        return instructor.from_provider(model, async_client=async_client, **{**connect_kwargs(model, fake), **kw})

    fixtures = {"fake_provider": fake, "fake_client": fake_client, "tmp_path": tmp_path}
    arguments = {name: fixtures[name] for name in inspect.signature(function).parameters}
    result = function(**arguments)
    if inspect.iscoroutine(result):
        asyncio.run(result)


@pytest.mark.parametrize("page", pages_with_samples())
def test_every_sample_of_the_page_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = types.ModuleType(f"docs_sample_{page.stem.replace('-', '_')}")
    sys.modules[module.__name__] = module  # pydantic and dataclasses look their module up
    namespace = module.__dict__
    try:
        with routed_fake(monkeypatch) as fake:
            for sample in samples(page):
                if not sample.run:
                    continue
                where = f"{page.relative_to(ROOT)}, the block at line {sample.line}"
                for statement in sample.setup:
                    exec(statement, {**namespace, "fake": fake, "Reply": Reply})
                before = set(namespace)
                try:
                    exec(compile(sample.code, where, "exec"), namespace)
                    for name in sorted(set(namespace) - before):
                        if name.startswith("test_") and callable(namespace[name]):
                            call_test_function(namespace[name], fake, tmp_path)
                except Exception:
                    pytest.fail(f"{where} fails:\n{traceback.format_exc()}", pytrace=False)
    finally:
        sys.modules.pop(module.__name__, None)


def test_the_directives_attach_to_the_next_block(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Intro.\n\n<!-- fake: fake.add(Reply.text('hi')) -->\n```python\nx = 1\n```\n\n"
        "<!-- no-run -->\n```python\nimport nothing_here\n```\n\n```python\ny = 2\n```\n"
    )
    first, second, third = samples(page)
    assert (first.setup, first.run, first.code) == (["fake.add(Reply.text('hi'))"], True, "x = 1\n")
    assert (second.setup, second.run) == ([], False)
    assert (third.setup, third.run, third.line) == ([], True, 13)  # the fence's line
