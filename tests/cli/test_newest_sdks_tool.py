"""tools/newest_sdks.py: its table of SDKs and tests stays complete, and it reads pytest's verdicts."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import newest_sdks  # noqa: E402


def test_every_provider_sdk_is_checked_with_tests_that_exist() -> None:
    found = {sdk.distribution: sdk for sdk in newest_sdks.sdks()}
    assert set(found) == {"openai", "anthropic", "boto3", "google-genai", "mistralai", "cohere", "groq", "writer-sdk",
                          "cerebras-cloud-sdk", "fireworks-ai", "litellm", "google-cloud-aiplatform",
                          "google-generativeai"}
    assert found["openai"].extra == "openai" and found["google-genai"].families == ["google-tools", "google-json"]
    for name in {n for names in newest_sdks.TESTS.values() for n in names} | set(newest_sdks.MATRICES):
        assert (ROOT / newest_sdks.test_path(name)).is_file(), name


def test_pytest_summaries_and_failures_are_read() -> None:
    quiet = "....F\nFAILED tests/test_x.py::test_a[google-tools] - AssertionError: boom\n1 failed, 4 passed in 2.31s\n"
    framed = "=========== 3 passed, 2 deselected in 0.52s ===========\n"
    assert newest_sdks._SUMMARY.findall(quiet) == ["1 failed, 4 passed"]
    assert newest_sdks._SUMMARY.findall(framed) == ["3 passed, 2 deselected"]
    assert newest_sdks._what_broke(quiet) == ["FAILED tests/test_x.py::test_a[google-tools] - AssertionError: boom"]
    many = "".join(f"ERROR tests/t.py::test_{i}\n" for i in range(9))
    assert newest_sdks._what_broke(many)[-1] == "... and 3 more"
