"""Providers stay apart: a full Anthropic call loads no OpenAI or AWS code, and the reverse.

Each check runs in a fresh interpreter that only talks to the fake provider
(served from this test process), so nothing the test itself imported counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from instructor.testing import FakeProvider, Reply

pytestmark = pytest.mark.subprocess

SCRIPT = """
import json, sys
import instructor
from pydantic import BaseModel

class User(BaseModel):
    name: str
    age: int

client = instructor.from_provider({model!r}, **{kwargs})
user = client.create(response_model=User, messages=[{{"role": "user", "content": "Jason is 25"}}],
                     max_retries=1)
assert user == User(name="Jason", age=25), user
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(model: str, kwargs: str, env: dict[str, str]) -> set[str]:
    code = textwrap.dedent(SCRIPT.format(model=model, kwargs=kwargs))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def provider_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("instructor.providers.")}


def test_a_full_anthropic_call_loads_no_openai_and_no_aws(fake: FakeProvider, subprocess_env: dict[str, str]) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "x"}), Reply.tool("User", {"name": "Jason", "age": 25}))
    modules = loaded_modules("anthropic/claude-sonnet-4-6",
                             f"dict(base_url={fake.anthropic_base_url!r}, api_key='sk-ant-test')", subprocess_env)
    assert len(fake.requests) == 2  # the re-ask ran too
    assert "anthropic" in top_level(modules)
    assert not top_level(modules) & {"openai", "boto3", "botocore", "aiobotocore", "s3transfer"}
    assert provider_modules(modules) == {
        "instructor.providers._catalog", "instructor.providers.anthropic",
        "instructor.providers.anthropic.config", "instructor.providers.anthropic.factory",
        "instructor.providers.anthropic.handlers", "instructor.providers.anthropic.request",
    }


def test_a_full_bedrock_call_loads_no_openai_and_no_anthropic(fake: FakeProvider,
                                                              subprocess_env: dict[str, str]) -> None:
    fake.add(Reply.tool("User", {"name": "Jason", "age": "x"}), Reply.tool("User", {"name": "Jason", "age": 25}))
    env = {**subprocess_env, "AWS_EC2_METADATA_DISABLED": "true"}
    kwargs = (f"dict(endpoint_url={fake.bedrock_endpoint_url!r}, region_name='us-east-1', "
              "aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='dummy')")
    modules = loaded_modules("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", kwargs, env)
    assert len(fake.requests) == 2
    assert {"boto3", "botocore"} <= top_level(modules)
    assert not top_level(modules) & {"openai", "anthropic"}
    assert provider_modules(modules) == {
        "instructor.providers._catalog", "instructor.providers.bedrock",
        "instructor.providers.bedrock.config", "instructor.providers.bedrock.factory",
        "instructor.providers.bedrock.handlers", "instructor.providers.bedrock.models",
        "instructor.providers.bedrock.request",
    }
