"""Shared helpers of the modes/providers compatibility tests (COMPAT.md sections 2, 4, 6, 9)."""

from __future__ import annotations

from typing import Any

import botocore.config
from pydantic import BaseModel, Field

from instructor.testing import FakeProvider

MESSAGES = [{"role": "user", "content": "Jason is 25"}]
JASON = {"name": "Jason", "age": 25}
CLAUDE = "claude-sonnet-4-6"
BEDROCK_CLAUDE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"


class User(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


def aws(fake: FakeProvider) -> dict[str, Any]:
    """What a Bedrock client needs to reach the fake server: endpoint, region, dummy keys, no retries."""
    return {"endpoint_url": fake.bedrock_endpoint_url, "region_name": "us-east-1",
            "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "dummy-secret",
            "config": botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})}


def bedrock_runtime(fake: FakeProvider) -> Any:
    import boto3

    options = aws(fake)
    return boto3.client("bedrock-runtime", **options)
