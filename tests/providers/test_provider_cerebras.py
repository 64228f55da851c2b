"""Cerebras end to end: the real `cerebras-cloud-sdk` over HTTP against the fake provider.

The SDK client warms its connection with `GET /v1/tcp_warming` when built;
`from_provider` turns that off, and the SDK clients the tests build themselves
pass `warm_tcp_connection=False`.
"""

from __future__ import annotations

from cerebras.cloud import sdk as cerebras
from openai_format_contract import OpenAIFormatContract

import instructor
from instructor import Mode
from instructor.testing import FakeProvider


class TestCerebras(OpenAIFormatContract):
    provider = "cerebras"
    model = "llama-3.3-70b"
    modes = (Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.PARALLEL_TOOLS, Mode.JSON)
    path = "/v1/chat/completions"
    env_var = "CEREBRAS_API_KEY"
    from_function = "from_cerebras"
    sdk_options = {"warm_tcp_connection": False}

    def sdk_types(self) -> tuple[type, type]:
        return cerebras.Cerebras, cerebras.AsyncCerebras

    def auth_error(self) -> type[Exception]:
        return cerebras.AuthenticationError


def test_building_a_client_sends_nothing_unless_warming_is_asked(fake: FakeProvider) -> None:
    """The SDK warms its connection when built; from_provider turns that off unless asked."""
    instructor.from_provider("cerebras/llama-3.3-70b", api_key="k", base_url=fake.url)
    assert fake.requests == []
    instructor.from_provider("cerebras/llama-3.3-70b", api_key="k", base_url=fake.url, warm_tcp_connection=True)
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/v1/tcp_warming")]
