"""Stateful endpoints of the fake provider: what is not one scripted reply per request.

A wire answers a chat request with the next scripted `Reply`; a route owns
other paths (files, batch jobs...) and keeps their state. The server asks the
routes about any request no wire claims; the first that returns a response
answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from instructor.testing.server import FakeProvider, RecordedRequest
    from instructor.testing.wires import WireResponse


class Route(Protocol):
    name: str

    def handle(self, request: RecordedRequest) -> WireResponse | None:
        """The response to `request`, or None when the path is not this route's."""
        ...


def default_routes(fake: FakeProvider) -> list[Route]:
    """Every built-in route, bound to `fake` (whose scripted replies they may use)."""
    from instructor.testing.batches import BatchService
    from instructor.testing.genai_files import GenAIFiles

    return [GenAIFiles(), BatchService(fake)]  # Google's first: `/v1/files/...` is OpenAI's path too
