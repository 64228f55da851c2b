"""docs/schema-helpers.md: every python block runs as written, in a fresh interpreter whose
OPENAI_BASE_URL / OPENAI_API_KEY point at the fake provider, and prints its `#>` lines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.testing import FakeProvider, Reply
from instructor.testing.wires.moderation import moderation

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema-helpers.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)

# what the fake model answers to each block's requests, in order
REPLIES: list[list[Reply]] = [
    [],
    [Reply.tool("User", {"name": "Jason", "age": 25})],
    [Reply.tool("Validator", {"is_valid": False, "reason": "The answer promotes violence."})],
    [moderation("harassment", "violence")],
    [],
    [Reply.tool("Multiply", {"a": 12, "b": 3, "result": 36})],
]


def test_every_block_has_its_script() -> None:
    assert len(BLOCKS) == len(REPLIES)


@pytest.mark.subprocess
@pytest.mark.parametrize("index", range(len(REPLIES)))
def test_block_runs_and_prints_what_it_says(index: int, fake: FakeProvider, tmp_path: Path,
                                            subprocess_env: dict[str, str]) -> None:
    code = BLOCKS[index]
    fake.add(*REPLIES[index])
    env = {**subprocess_env, "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-docs"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    promised = [line[3:] for line in code.splitlines() if line.startswith("#> ")]
    assert done.stdout.splitlines() == promised
    assert fake.pending == 0 and len(fake.requests) == len(REPLIES[index])


@pytest.mark.subprocess
def test_dispatch_block_calls_the_fine_tuned_model(fake: FakeProvider, tmp_path: Path,
                                                  subprocess_env: dict[str, str]) -> None:
    fake.add(*REPLIES[5])
    env = {**subprocess_env, "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-docs"}
    subprocess.run([sys.executable, "-c", BLOCKS[5]], env=env, cwd=tmp_path, check=True, timeout=120,
                   capture_output=True)
    sent = fake.requests[0].json
    assert sent["model"] == "ft:gpt-4o-mini:my-org::abc123"
    assert sent["messages"][1] == {"role": "user", "content": "Return `multiply(12, 3)`"}
