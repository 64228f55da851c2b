"""Writer end to end: the real `writer-sdk` (`writerai`) over HTTP against the fake provider's
Writer wire (`POST /v1/chat`)."""

from __future__ import annotations

from typing import Any

import writerai
from openai_format_contract import OpenAIFormatContract, check_openai_request

from instructor import Mode


class TestWriter(OpenAIFormatContract):
    provider = "writer"
    model = "palmyra-x5"
    modes = (Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON)
    path = "/v1/chat"
    env_var = "WRITER_API_KEY"
    from_function = "from_writer"

    def sdk_types(self) -> tuple[type, type]:
        return writerai.Writer, writerai.AsyncWriter

    def auth_error(self) -> type[Exception]:
        return writerai.AuthenticationError

    def check_request(self, mode: Mode, sent: dict[str, Any]) -> None:
        if mode is Mode.TOOLS:
            assert sent["tool_choice"] == "auto"
            assert [t["function"]["name"] for t in sent["tools"]] == ["User"]
        elif mode is Mode.MD_JSON:
            check_openai_request(mode, sent)
        else:
            fmt = sent["response_format"]
            assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "User"
            assert fmt["json_schema"]["schema"]["required"] == ["name", "age"]
            assert "tools" not in sent
