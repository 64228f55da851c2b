"""Fireworks end to end: the real `fireworks-ai` 1.x SDK over HTTP against the fake provider."""

from __future__ import annotations

from typing import Any

import fireworks
from openai_format_contract import OpenAIFormatContract, check_openai_request

from instructor import Mode


class TestFireworks(OpenAIFormatContract):
    provider = "fireworks"
    model = "accounts/fireworks/models/llama-v3p3-70b-instruct"
    modes = (Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.JSON)
    path = "/v1/chat/completions"
    env_var = "FIREWORKS_API_KEY"
    from_function = "from_fireworks"

    def sdk_types(self) -> tuple[type, type]:
        return fireworks.Fireworks, fireworks.AsyncFireworks

    def auth_error(self) -> type[Exception]:
        return fireworks.AuthenticationError

    def check_request(self, mode: Mode, sent: dict[str, Any]) -> None:
        if mode is not Mode.JSON:
            check_openai_request(mode, sent)
        else:  # Fireworks's JSON mode carries the schema in response_format
            fmt = sent["response_format"]
            assert fmt["type"] == "json_object"
            assert fmt["schema"]["required"] == ["name", "age"] and "title" not in fmt["schema"]
            assert sent["messages"][0]["role"] == "system" and '"age"' in sent["messages"][0]["content"]
