"""Clients pickle as their recipe and are rebuilt where they are unpickled; credentials never travel
unless the caller passed an `api_key` and asked (`pickle_api_key=True`).

The process-pool recipe of docs/scaling-out.md runs as written: worker processes get the
pickled client and make live calls against the fake provider.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
from pathlib import Path

import openai
import pytest
from pydantic import BaseModel

import instructor
from instructor.testing import FakeProvider, Reply


class User(BaseModel):
    name: str
    age: int


def test_a_client_travels_as_its_recipe(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment-1234")
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, temperature=0,
                                      mode=instructor.Mode.JSON_SCHEMA)
    data = pickle.dumps(client)
    assert b"sk-from-the-environment" not in data
    copy = pickle.loads(data)
    assert copy is not client and copy.client is not client.client
    assert (copy.mode, copy.provider, copy.default_kwargs) == (client.mode, "openai", client.default_kwargs)
    fake.add(Reply.json({"name": "Jason", "age": 25}))
    assert copy.create(response_model=User, messages=[{"role": "user", "content": "Jason is 25"}]) == User(
        name="Jason", age=25)
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-from-the-environment-1234"
    asynchronous = pickle.loads(pickle.dumps(instructor.from_provider("openai/gpt-4o-mini", async_client=True,
                                                                      base_url=fake.openai_base_url)))
    assert isinstance(asynchronous, instructor.AsyncInstructor)


def test_an_api_key_is_pickled_only_when_asked(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    quiet = instructor.from_provider("openai/gpt-4o-mini", api_key="sk-passed-not-asked-5678",
                                     base_url=fake.openai_base_url)
    assert b"sk-passed-not-asked" not in pickle.dumps(quiet)
    with pytest.raises(instructor.MissingAPIKeyError, match="OPENAI_API_KEY"):
        pickle.loads(pickle.dumps(quiet))  # the other side has no key of its own: said clearly
    asked = instructor.from_provider("openai/gpt-4o-mini", api_key="sk-passed-and-asked-9012",
                                     base_url=fake.openai_base_url, pickle_api_key=True)
    assert b"sk-passed-and-asked" in pickle.dumps(asked)
    assert pickle.loads(pickle.dumps(asked)).client.api_key == "sk-passed-and-asked-9012"
    bedrock = instructor.from_provider("bedrock/amazon.nova-lite-v1:0", region_name="us-east-1",
                                       aws_access_key_id="AKIDNOTPICKLED", aws_secret_access_key="secret-not-pickled")
    data = pickle.dumps(bedrock)
    assert b"AKIDNOTPICKLED" not in data and b"secret-not-pickled" not in data


def test_what_cannot_travel_says_how_to_fix_it(fake: FakeProvider) -> None:
    wrapped = instructor.from_openai(openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-wrapped"))
    with pytest.raises(pickle.PicklingError, match="from_provider") as error:
        pickle.dumps(wrapped)
    assert "sk-wrapped" not in str(error.value)
    locked = instructor.from_provider("openai/gpt-4o-mini", api_key="k", base_url=fake.openai_base_url,
                                      on_the_side=threading.Lock())
    with pytest.raises(pickle.PicklingError, match="on_the_side"):
        pickle.dumps(locked)


@pytest.mark.subprocess
def test_the_process_pool_recipe_runs(fake: FakeProvider, tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "scaling-out.md").read_text()
    script = re.search(r"<!-- no-run: tests/core/test_pickling.py[^\n]*-->\n```python\n(.*?)```", page, flags=re.DOTALL)
    assert script is not None
    (tmp_path / "pool.py").write_text(script.group(1))
    fake.always(Reply.tool("User", {"name": "Jason", "age": 25}))
    env = {**subprocess_env, "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-pool-test"}
    out = subprocess.run([sys.executable, "pool.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "8 users, 2 worker processes"
    assert fake.attempts == 8
