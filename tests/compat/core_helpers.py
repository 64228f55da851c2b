"""Shared bits of the client-side compatibility tests (COMPAT.md sections 1, 3, 5, 10)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

import instructor
from instructor.testing import FakeProvider, Reply


class User(BaseModel):
    name: str
    age: int = Field(ge=0)


MESSAGES = [{"role": "user", "content": "Jason is 25"}]
GOOD = Reply.tool("User", {"name": "Jason", "age": 25})
BAD = Reply.tool("User", {"name": "Jason", "age": -1})


def openai_client(fake: FakeProvider, *, async_client: bool = False, **kw: Any) -> Any:
    """A client over the real openai SDK; the SDK's own retries off, so requests are countable."""
    return instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-test",
                                    async_client=async_client, max_retries=0, **kw)


def anthropic_client(fake: FakeProvider, **kw: Any) -> Any:
    return instructor.from_provider("anthropic/claude-sonnet-4-6", base_url=fake.anthropic_base_url,
                                    api_key="sk-ant-test", max_retries=0, **kw)


def bedrock_client(fake: FakeProvider) -> Any:
    from botocore.config import Config

    return instructor.from_provider(
        "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", endpoint_url=fake.bedrock_endpoint_url,
        region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy-secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
