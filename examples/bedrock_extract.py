"""AWS Bedrock (Converse API) through instructor, against the fake provider.

No network and no AWS account: `FakeProvider` serves Converse (JSON, and the
binary event stream of `converse_stream`) on 127.0.0.1 and the real boto3 client
talks to it with dummy credentials. To use Bedrock, drop `endpoint_url=` and the
keys: boto3 then reads your AWS profile or environment.

    python examples/bedrock_extract.py
"""

from __future__ import annotations

import asyncio
import os
import sys

from pydantic import BaseModel, Field

import instructor
from instructor.testing import FakeProvider, Reply

MODEL = "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0"


class User(BaseModel):
    """A person mentioned in the text."""

    name: str
    age: int = Field(ge=0)


MESSAGES = [
    {"role": "system", "content": "You extract people."},  # becomes Converse's `system` blocks
    {"role": "user", "content": "Jason is 25 years old."},  # becomes [{"text": ...}]
]


def main() -> None:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookups off AWS
    with FakeProvider() as fake:
        aws = {"endpoint_url": fake.bedrock_endpoint_url, "region_name": "us-east-1",
               "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "demo-secret"}
        client = instructor.from_provider(MODEL, **aws)  # Claude on Bedrock: Mode.TOOLS

        # 1. Converse tool use; the invalid first answer is re-asked with a toolResult
        fake.add(Reply.tool("User", {"name": "Jason", "age": -25}), Reply.tool("User", {"name": "Jason", "age": 25}))
        user = client.create(response_model=User, messages=MESSAGES, max_tokens=512, max_retries=2)
        retry = fake.requests[-1].json["messages"][-1]["content"][0]["toolResult"]
        print(f"create: {user!r} after a re-ask (toolResult status={retry['status']!r})")
        print(f"sent: system={fake.requests[0].json['system']}, "
              f"inferenceConfig={fake.requests[0].json['inferenceConfig']}")

        # 2. streaming through converse_stream
        fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
        partials = list(client.create_partial(response_model=User, messages=MESSAGES))
        print(f"create_partial: {len(partials)} snapshots, last {partials[-1]!r}")

        # 3. a model family without Converse tool use gets JSON mode by itself
        titan = instructor.from_provider("bedrock/amazon.titan-text-premier-v1:0", **aws)
        fake.add(Reply.json({"name": "Jason", "age": 25}))
        print(f"{titan.mode!r}: {titan.create(response_model=User, messages=MESSAGES)!r}")

        # 4. async: boto3 has no async client, so calls run in a worker thread
        async def extract() -> User:
            aclient = instructor.from_provider(MODEL, async_client=True, **aws)
            return await aclient.create(response_model=User, messages=MESSAGES)

        fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
        print(f"async: {asyncio.run(extract())!r}")

    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"openai", "anthropic", "boto3", "botocore"})
    print(f"provider SDKs loaded: {', '.join(loaded)}")


if __name__ == "__main__":
    main()
