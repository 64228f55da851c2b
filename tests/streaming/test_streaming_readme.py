"""The streaming page's examples (docs/streaming.md) run as written, against the fake provider, and print what they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "streaming.md"


def streaming_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)


def run(code: str, env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.subprocess
def test_partial_example_prints_the_object_growing(subprocess_env: dict[str, str]) -> None:
    code = streaming_examples()[0]
    printed = run(code, subprocess_env)
    promised = [line[2:].split("  ")[0] for line in code.splitlines() if line.startswith("# customer=")]
    assert printed == promised


@pytest.mark.subprocess
def test_iterable_example_prints_each_item(subprocess_env: dict[str, str]) -> None:
    printed = run(streaming_examples()[1], subprocess_env)
    assert printed == ["name='Jason' age=25", "name='Sarah' age=32"]
