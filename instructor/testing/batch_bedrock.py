"""placeholder"""

from __future__ import annotations

from typing import Any


class BedrockBatches:
    def __init__(self, service: Any) -> None:
        self.service = service

    def route(self, method: str, parts: list[str], query: dict[str, str], request: Any) -> Any:
        return None

    def run(self, job: Any) -> list[dict[str, Any]]:
        return []

    def end(self, job: Any, state: str) -> None:
        return None
