"""Groq end to end: the real `groq` SDK over HTTP against the fake provider."""

from __future__ import annotations

import groq
from openai_format_contract import MESSAGES, OpenAIFormatContract, User, answer

from instructor import Mode
from instructor.testing import FakeProvider


class TestGroq(OpenAIFormatContract):
    provider = "groq"
    model = "llama-3.3-70b-versatile"
    modes = (Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON)
    path = "/openai/v1/chat/completions"
    env_var = "GROQ_API_KEY"
    from_function = "from_groq"

    def sdk_types(self) -> tuple[type, type]:
        return groq.Groq, groq.AsyncGroq

    def auth_error(self) -> type[Exception]:
        return groq.AuthenticationError



def test_stream_options_reach_the_api_through_extra_body(fake: FakeProvider) -> None:
    """The groq SDK has no `stream_options` parameter; the API takes it and then reports usage."""
    import instructor

    client = instructor.from_provider("groq/llama-3.3-70b-versatile", api_key="k", base_url=fake.url)
    fake.add(answer(Mode.TOOLS, {"name": "J", "age": 3}))
    request = client.handler.prepare_request(User, {"messages": MESSAGES, "model": "m", "stream": True,
                                                     "stream_options": {"include_usage": True}})
    chunks = list(client.create_fn(**request))
    assert fake.requests[0].json["stream_options"] == {"include_usage": True}
    assert chunks[-1].usage.total_tokens == 18
    assert client.handler.usage(chunks[-1])["total_tokens"] == 18
