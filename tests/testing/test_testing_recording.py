"""Record once, replay offline: cassettes hold the answers and none of the credentials.

FakeProvider plays the real API while recording; the replays run after it has stopped,
so anything that still reached the network would fail.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import instructor
from instructor.testing import FakeProvider, Reply, cassette

SENTINEL = "sk-SENTINEL-0f9e8d7c6b5a4f3e2d1c"
AWS_ID = "AKIDSENTINEL0F9E8D7C"
MESSAGES = [{"role": "user", "content": "Jason is 25."}]


class User(BaseModel):
    name: str
    age: int


def _calls(urls: dict[str, str], key: str, aws_id: str) -> list[Any]:
    """The same four exchanges, against whatever the URLs point at."""
    openai = instructor.from_provider("openai/gpt-4o-mini", base_url=urls["openai"], api_key=key)
    anthropic = instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=urls["root"], api_key=key)
    google = instructor.from_provider("google/gemini-2.5-flash", base_url=urls["root"], api_key=key)
    bedrock = instructor.from_provider("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", endpoint_url=urls["root"],
                                       region_name="us-east-1", aws_access_key_id=aws_id, aws_secret_access_key=key)
    return [
        openai.create(response_model=User, messages=MESSAGES),
        list(openai.create_partial(response_model=User, messages=MESSAGES))[-1],
        anthropic.create(response_model=User, messages=MESSAGES),
        google.create(response_model=User, messages=MESSAGES),
        bedrock.create(response_model=User, messages=MESSAGES, max_tokens=50),
    ]


def test_a_cassette_replays_offline_and_holds_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tape = tmp_path / "exchanges.yaml"
    monkeypatch.setenv("MY_SERVICE_API_KEY", SENTINEL)  # a key of the environment, scrubbed wherever it shows
    with FakeProvider() as fake:
        fake.always(Reply.auto(seed=9))
        urls = {"openai": fake.openai_base_url, "root": fake.url}
        with cassette(tape):
            recorded = _calls(urls, SENTINEL, AWS_ID)
        assert fake.attempts == 5
    text = tape.read_text()
    assert SENTINEL not in text and AWS_ID not in text
    assert "REDACTED" in text
    # the fake is gone: only the cassette can answer
    monkeypatch.delenv("MY_SERVICE_API_KEY")
    with cassette(tape, record_mode="none"):
        assert _calls(urls, "sk-another-key-entirely", "AKIDANOTHER") == recorded


def test_scrubbing_covers_query_keys_bodies_and_response_headers() -> None:
    from vcr.request import Request

    from instructor.testing.recording import scrub_request, scrub_response

    request = Request("POST", f"https://api.example/v1/x?key={SENTINEL}&alt=sse",
                      f'{{"token": "{SENTINEL}"}}'.encode(),
                      {"Authorization": f"Bearer {SENTINEL}", "X-Goog-Api-Key": SENTINEL, "Accept": "json"})
    scrubbed = scrub_request(request)
    assert SENTINEL not in scrubbed.uri and SENTINEL.encode() not in scrubbed.body
    assert scrubbed.headers["Authorization"] == "REDACTED" and scrubbed.headers["Accept"] == "json"
    response = scrub_response({"status": {"code": 200}, "headers": {"Set-Cookie": ["s=1"], "openai-organization":
                                                                    ["org-1"], "content-type": ["json"]},
                               "body": {"string": b"{}"}})
    assert response["headers"]["Set-Cookie"] == ["REDACTED"] == response["headers"]["openai-organization"]
    assert response["headers"]["content-type"] == ["json"]


PYTEST_RECORDING_CONFTEST = '''\
import pytest
import instructor.testing


@pytest.fixture(scope="module")
def vcr_config():
    return instructor.testing.vcr_config()
'''

PYTEST_RECORDING_TEST = '''\
import instructor
import pytest
from pydantic import BaseModel


class User(BaseModel):
    name: str
    age: int


@pytest.mark.vcr
def test_extract_user():
    client = instructor.from_provider("openai/gpt-4o-mini")
    user = client.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}])
    assert user == User(name="Jason", age=25)
'''


@pytest.mark.subprocess
def test_pytest_recording_records_once_and_replays_in_ci(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    (tmp_path / "conftest.py").write_text(PYTEST_RECORDING_CONFTEST)
    (tmp_path / "test_user.py").write_text(textwrap.dedent(PYTEST_RECORDING_TEST))

    def run(env: dict[str, str], mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"--record-mode={mode}", "test_user.py"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)

    with FakeProvider() as real_api:
        real_api.add(Reply.tool("User", {"name": "Jason", "age": 25}))
        recording = run({**subprocess_env, "OPENAI_BASE_URL": real_api.openai_base_url,
                         "OPENAI_API_KEY": SENTINEL}, "once")
        assert recording.returncode == 0, recording.stdout + recording.stderr
        assert real_api.attempts == 1
    (tape,) = (tmp_path / "cassettes").rglob("*.yaml")
    assert SENTINEL not in tape.read_text()
    # CI: no key, the "API" is down, replay only
    replay = run({**subprocess_env, "OPENAI_BASE_URL": real_api.openai_base_url, "OPENAI_API_KEY": "sk-ci"},
                 "none")
    assert replay.returncode == 0, replay.stdout + replay.stderr
