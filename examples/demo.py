"""The demo: extract a `User` through `from_provider`, against the fake provider.

No network and no API key: `instructor.testing.FakeProvider` serves the OpenAI
Chat Completions API on 127.0.0.1, and the real `openai` SDK talks to it.
"""

from __future__ import annotations

import sys
import time

t0 = time.perf_counter()
import instructor  # noqa: E402

import_ms = (time.perf_counter() - t0) * 1000


def main() -> None:
    from pydantic import BaseModel, Field

    from instructor.testing import FakeProvider, Reply

    class User(BaseModel):
        """A person mentioned in the text."""

        name: str
        age: int = Field(ge=0)

    with FakeProvider() as fake:
        # the model answers badly once (age "twenty-five"), then correctly after the re-ask
        fake.add(Reply.tool("User", {"name": "Jason", "age": "twenty-five"}))
        fake.add(Reply.tool("User", {"name": "Jason", "age": 25}))

        client = instructor.from_provider(
            "openai/gpt-4o-mini", base_url=fake.openai_base_url, api_key="sk-demo"
        )
        user = client.create(
            response_model=User,
            messages=[{"role": "user", "content": "Jason is 25 years old."}],
            max_retries=2,
        )

        print(f"import instructor: {import_ms:.2f} ms")
        print(f"client: {client!r}")
        print(f"result: {user!r}")
        print(f"requests sent: {len(fake.requests)} (the second one re-asked with the validation error)")
        loaded = sorted({m.split('.')[0] for m in sys.modules} & {"openai", "anthropic", "boto3", "botocore"})
        print(f"provider SDKs loaded: {', '.join(loaded)}")
        stats = instructor.provider_registry.stats()
        print(f"providers loaded: {stats['loaded_providers']} of {stats['providers_known']}; "
              f"handlers loaded: {stats['loaded_handlers']} of {stats['handlers_known']}")


if __name__ == "__main__":
    main()
