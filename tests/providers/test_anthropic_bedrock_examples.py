"""The Anthropic and Bedrock page's examples (docs/anthropic-bedrock.md), and examples/*_extract.py, run as a user runs them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]


def readme_blocks() -> list[str]:
    text = (ROOT / "docs" / "anthropic-bedrock.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


def run(args: list[str], env: dict[str, str]) -> str:
    env = {**env, "AWS_EC2_METADATA_DISABLED": "true"}
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_page_shows_one_example_per_provider() -> None:
    blocks = readme_blocks()
    assert len(blocks) == 2
    assert '"anthropic/' in blocks[0] and '"bedrock/' in blocks[1]


@pytest.mark.parametrize("index", [0, 1], ids=["anthropic", "bedrock"])
def test_the_page_examples_run_against_the_fake_provider(index: int, subprocess_env: dict[str, str]) -> None:
    assert run(["-c", readme_blocks()[index]], subprocess_env).strip() == "name='Jason' age=25"


def test_the_anthropic_example_script_runs(subprocess_env: dict[str, str]) -> None:
    out = run(["examples/anthropic_extract.py"], subprocess_env)
    assert "create: User(name='Jason', age=25) after a re-ask (tool_result, is_error=True)" in out
    assert "last User(name='Jason', age=25)" in out
    assert "thinking={'type': 'enabled', 'budget_tokens': 1024}" in out
    assert "async: User(name='Jason', age=25)" in out
    assert out.strip().endswith("provider SDKs loaded: anthropic")


def test_the_bedrock_example_script_runs(subprocess_env: dict[str, str]) -> None:
    out = run(["examples/bedrock_extract.py"], subprocess_env)
    assert "create: User(name='Jason', age=25) after a re-ask (toolResult status='error')" in out
    assert "inferenceConfig={'maxTokens': 512}" in out
    assert "<Mode.MD_JSON: 'markdown_json_mode'>: User(name='Jason', age=25)" in out
    assert "async: User(name='Jason', age=25)" in out
    assert out.strip().endswith("provider SDKs loaded: boto3, botocore")
