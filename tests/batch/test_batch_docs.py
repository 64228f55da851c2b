"""docs/batch.md: its ```python blocks run as written, in order, against a FakeProvider.

The page's code reads OPENAI_BASE_URL / OPENAI_API_KEY like a user's program;
here they point at a fake that answers every request line with a valid `User`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.testing import FakeProvider, Reply

pytestmark = pytest.mark.subprocess

PAGE = Path(__file__).resolve().parents[2] / "docs" / "batch.md"


def python_blocks() -> list[str]:
    """The page's blocks, but those marked `<!-- no-run ... -->` (they need a real cloud account)."""
    blocks = re.findall(r"(<!-- no-run[^\n]*-->\n)?```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    return [code for marker, code in blocks if not marker]


def test_the_page_has_code() -> None:
    assert len(python_blocks()) >= 4


def test_python_blocks_run_as_written(fake: FakeProvider, tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    fake.always(Reply.json({"name": "Jason", "age": 25}))
    script = "\n\n".join(python_blocks())
    env = {**subprocess_env, "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-docs-test"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^submitted batch_\w+$", out.stdout, flags=re.MULTILINE)
    assert "request-2 name='Jason' age=25" in out.stdout
    assert "3 users" in out.stdout and "3 parsed, 0 errors" in out.stdout
    assert "completed {'completed': 3, 'failed': 0, 'total': 3}" in out.stdout and "completed True True" in out.stdout
    assert "['user-0', 'user-1', 'user-2']" in out.stdout
    assert "{'succeeded': 3}" in out.stdout and "3 results" in out.stdout and "True True" in out.stdout
    assert "[2] 2 jobs" in out.stdout
    assert (tmp_path / "users_batch.jsonl").exists() and (tmp_path / "users_results.jsonl").exists()
