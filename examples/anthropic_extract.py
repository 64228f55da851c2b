"""Anthropic through instructor, against the fake provider: extract, re-ask, stream, async.

No network and no API key: `FakeProvider` serves Anthropic's Messages API on
127.0.0.1 and the real `anthropic` SDK talks to it. To use the real API, drop
`base_url=` and `api_key=` and set ANTHROPIC_API_KEY.

    python examples/anthropic_extract.py
"""

from __future__ import annotations

import asyncio
import sys

from pydantic import BaseModel, Field

import instructor
from instructor.testing import FakeProvider, Reply

MODEL = "anthropic/claude-sonnet-4-6"


class User(BaseModel):
    """A person mentioned in the text."""

    name: str
    age: int = Field(ge=0)


MESSAGES = [
    {"role": "system", "content": "You extract people."},  # sent as Anthropic's top-level `system`
    {"role": "user", "content": "Jason is 25 years old."},
]


def main() -> None:
    with FakeProvider() as fake:
        client = instructor.from_provider(MODEL, base_url=fake.anthropic_base_url, api_key="sk-ant-demo")

        # 1. tool calling (the default mode); the first answer is invalid, so instructor
        #    re-asks with a tool_result carrying the validation error
        fake.add(Reply.tool("User", {"name": "Jason", "age": -25}), Reply.tool("User", {"name": "Jason", "age": 25}))
        user = client.create(response_model=User, messages=MESSAGES, max_retries=2)  # max_tokens defaults to 4096
        retry = fake.requests[-1].json["messages"][-1]["content"][0]
        print(f"create: {user!r} after a re-ask ({retry['type']}, is_error={retry['is_error']})")

        # 2. streaming: partial objects while Anthropic's input_json_delta events arrive
        fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
        partials = list(client.create_partial(response_model=User, messages=MESSAGES))
        print(f"create_partial: {len(partials)} snapshots, first {partials[0]!r}, last {partials[-1]!r}")

        # 3. extended thinking: thinking on, the model picks the tool itself
        fake.add(Reply.tool("User", {"name": "Jason", "age": 25}, thinking="The text gives his age."))
        thinker = instructor.from_provider(MODEL, base_url=fake.anthropic_base_url, api_key="sk-ant-demo",
                                           mode=instructor.Mode.TOOLS)
        thinking = {"type": "enabled", "budget_tokens": 1024}
        print(f"reasoning: {thinker.create(response_model=User, messages=MESSAGES, thinking=thinking)!r}, "
              f"thinking={fake.requests[-1].json['thinking']}")

        # 4. async: the SDK's AsyncAnthropic underneath
        async def extract() -> User:
            aclient = instructor.from_provider(MODEL, base_url=fake.anthropic_base_url, api_key="sk-ant-demo",
                                               async_client=True)
            return await aclient.create(response_model=User, messages=MESSAGES)

        fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))
        print(f"async: {asyncio.run(extract())!r}")

    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"openai", "anthropic", "boto3", "botocore"})
    print(f"provider SDKs loaded: {', '.join(loaded)}")


if __name__ == "__main__":
    main()
