"""Cerebras end to end: the real `cerebras-cloud-sdk` over HTTP against the fake provider.

The SDK client warms its connection with `GET /v1/tcp_warming` when built;
the tests build it with `warm_tcp_connection=False` except where that is the point.
"""

from __future__ import annotations

from typing import Any

from cerebras.cloud import sdk as cerebras
from openai_format_contract import OpenAIFormatContract

import instructor
from instructor import Mode
from instructor.testing import FakeProvider


class TestCerebras(OpenAIFormatContract):
    provider = "cerebras"
    model = "llama-3.3-70b"
    modes = (Mode.CEREBRAS_TOOLS, Mode.CEREBRAS_JSON)
    path = "/v1/chat/completions"
    env_var = "CEREBRAS_API_KEY"
    from_function = "from_cerebras"
    client_options = {"warm_tcp_connection": False}

    def sdk_types(self) -> tuple[type, type]:
        return cerebras.Cerebras, cerebras.AsyncCerebras

    def auth_error(self) -> type[Exception]:
        return cerebras.AuthenticationError

    def check_request(self, mode: Mode, sent: dict[str, Any]) -> None:
        if mode is Mode.CEREBRAS_TOOLS:
            assert sent["tool_choice"] == {"type": "function", "function": {"name": "User"}}
            assert sent["tools"][0]["function"]["name"] == "User"
        else:
            assert sent["response_format"] == {"type": "json_object"}
            assert sent["messages"][0]["role"] == "system" and '"age"' in sent["messages"][0]["content"]


def test_sdk_options_reach_the_client(fake: FakeProvider) -> None:
    """`warm_tcp_connection` is the SDK client's option: left on, the client warms up at the base URL."""
    instructor.from_provider("cerebras/llama-3.3-70b", api_key="k", base_url=fake.url)
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/v1/tcp_warming")]
