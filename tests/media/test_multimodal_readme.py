"""The README's multimodal example runs as written, against the fake provider, and prints what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def example() -> str:
    text = README.read_text()
    start = text.index("## Images, audio and PDFs")
    section = text[start : text.index("\n## ", start)]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return code


@pytest.mark.subprocess
def test_receipt_example_prints_what_it_promises(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    code = example()
    done = subprocess.run([sys.executable, "-c", code], env=subprocess_env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    promised = [line[2:] for line in code.splitlines() if line.startswith("# ") and not line.startswith("# a ")]
    assert done.stdout.splitlines() == promised
    assert (tmp_path / "receipt.png").read_bytes().startswith(b"\x89PNG")
